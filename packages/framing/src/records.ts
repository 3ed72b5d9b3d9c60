/**
 * Constants of the .NET Message Framing protocol [MC-NMF].
 *
 * The record grammar, after the BNF comment in the .NET reference source
 * (System.ServiceModel/Channels/FramingFormat.cs) and [MC-NMF] 2.2:
 *
 * ```
 * protocol-stream-a  = (singleton-unsized-stream-a | duplex-stream-a | simplex-stream-a
 *                       | singleton-sized-stream-a)+           ; client -> server; a connection may
 *                                                              ; carry several streams in a row
 * singleton-unsized-stream-a = version-record mode-record(1) via-record encoding-record
 *                              upgrade-request* preamble-end unsized-message end-record
 * duplex-stream-a     = version-record mode-record(2) via-record encoding-record
 *                       upgrade-request* preamble-end sized-message* end-record
 * simplex-stream-a    = version-record mode-record(3) via-record encoding-record
 *                       sized-message* end-record
 * singleton-sized-stream-a = version-record mode-record(4) via-record encoding-record octet*
 *
 * protocol-stream-b  = singleton-stream-b | duplex-stream-b   ; server -> client (modes 1 and 2)
 * singleton-stream-b = upgrade-response* (preamble-ack | fault-record) [unsized-message] end-record
 * duplex-stream-b    = upgrade-response* (preamble-ack | fault-record) sized-message*
 *                      (end-record | fault-record)
 *
 * version-record   = 0x00 major(1 byte, = 1) minor(1 byte)
 * mode-record      = 0x01 mode(1 byte, 1..4)
 * via-record       = 0x02 size utf8-bytes                     ; an absolute URI, <= 2048 bytes
 * encoding-record  = known-encoding | extensible-encoding
 * known-encoding   = 0x03 encoding(1 byte)                    ; see KNOWN_ENCODING_CONTENT_TYPES
 * extensible-encoding = 0x04 size utf8-bytes                  ; a content type, <= 256 bytes
 * unsized-message  = 0x05 (size(>0) octets)* 0x00             ; data chunks, a zero size ends them
 * sized-message    = 0x06 size octets
 * end-record       = 0x07
 * fault-record     = 0x08 size(>0) utf8-bytes                 ; a fault URI, <= 256 bytes
 * upgrade-request  = 0x09 size utf8-bytes upgrade-bytes       ; the upgrade's own handshake follows
 * upgrade-response = 0x0A upgrade-bytes
 * preamble-ack     = 0x0B
 * preamble-end     = 0x0C
 * size             = 1..5 bytes, 7 bits each, least significant first, 0x80 = more ([MC-NMF] 2.2.2)
 * ```
 *
 * Sources of the values below: [MC-NMF] 2.2.3, 2.2.5; FramingFormat.cs (`FramingRecordType`,
 * `FramingMode`, `FramingEncodingType`, `FramingEncodingString`, `FramingUpgradeString`).
 *
 * @module
 */

/** The record type byte that starts every [MC-NMF] record ([MC-NMF] 2.2.3). */
export const RecordType = {
  Version: 0x00,
  Mode: 0x01,
  Via: 0x02,
  KnownEncoding: 0x03,
  ExtensibleEncoding: 0x04,
  UnsizedEnvelope: 0x05,
  SizedEnvelope: 0x06,
  End: 0x07,
  Fault: 0x08,
  UpgradeRequest: 0x09,
  UpgradeResponse: 0x0a,
  PreambleAck: 0x0b,
  PreambleEnd: 0x0c,
} as const;
/** A record type byte. */
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

const RECORD_TYPE_NAMES: readonly string[] = Object.keys(RecordType);

/**
 * The name WCF prints for a record type byte in "Expected record type '{0}', found '{1}'." — the
 * enum member name, or the number for bytes that are not record types (as .NET's `Enum.ToString`).
 */
export function recordTypeName(byte: number): string {
  return RECORD_TYPE_NAMES[byte] ?? String(byte);
}

/** The communication mode of the Mode record ([MC-NMF] 2.2.3.2). */
export const Mode = {
  /** One unsized message each way per preamble (NetTcpBinding with a streamed TransferMode). */
  SingletonUnsized: 1,
  /** A session of sized messages both ways (NetTcpBinding, buffered: the default). */
  Duplex: 2,
  /** Sized messages one way, no ack (MSMQ). */
  Simplex: 3,
  /** One message of raw octets up to EOF, no ack (MSMQ). */
  SingletonSized: 4,
} as const;
/** A Mode record value. */
export type Mode = (typeof Mode)[keyof typeof Mode];

/** The encoding byte of a KnownEncoding record ([MC-NMF] 2.2.3.4). */
export const KnownEncoding = {
  Soap11Utf8: 0,
  Soap11Utf16: 1,
  Soap11Unicode: 2,
  Soap12Utf8: 3,
  Soap12Utf16: 4,
  Soap12Unicode: 5,
  Mtom: 6,
  /** Binary XML without a session dictionary (singleton mode). */
  Binary: 7,
  /** Binary XML with a session dictionary (duplex mode). */
  BinarySession: 8,
} as const;
/** A KnownEncoding byte defined by [MC-NMF]. */
export type KnownEncoding = (typeof KnownEncoding)[keyof typeof KnownEncoding];

/**
 * Content type of each KnownEncoding byte; the index is the byte. The strings are WCF's exactly
 * (note "utf16" without a dash), from FramingFormat.cs `FramingEncodingString`.
 */
export const KNOWN_ENCODING_CONTENT_TYPES: readonly string[] = Object.freeze([
  'text/xml; charset=utf-8',
  'text/xml; charset=utf16',
  'text/xml; charset=unicodeFFFE',
  'application/soap+xml; charset=utf-8',
  'application/soap+xml; charset=utf16',
  'application/soap+xml; charset=unicodeFFFE',
  'multipart/related',
  'application/soap+msbin1',
  'application/soap+msbinsession1',
]);

/**
 * The content type a server derives from a KnownEncoding byte. Bytes outside 0..8 do not fail
 * decoding: WCF maps them to "unknown<n>" and lets the endpoint's encoder check reject them later
 * (FramingDecoders.cs `ContentTypeStringDecoder.GetString`).
 */
export function knownEncodingContentType(byte: number): string {
  return KNOWN_ENCODING_CONTENT_TYPES[byte] ?? `unknown${byte}`;
}

/** The KnownEncoding byte for a content type, or undefined when it must go as ExtensibleEncoding. */
export function knownEncodingOf(contentType: string): number | undefined {
  const index = KNOWN_ENCODING_CONTENT_TYPES.indexOf(contentType);
  return index < 0 ? undefined : index;
}

/** The namespace every framing fault URI starts with ([MC-NMF] 2.2.5). */
export const FAULT_NAMESPACE = 'http://schemas.microsoft.com/ws/2006/05/framing/faults/';

/** The fault URIs WCF defines (FramingFormat.cs `FramingEncodingString`; [MC-NMF] 2.2.5). */
export const FaultUri = {
  EndpointNotFound: `${FAULT_NAMESPACE}EndpointNotFound`,
  EndpointUnavailable: `${FAULT_NAMESPACE}EndpointUnavailable`,
  ConnectionDispatchFailed: `${FAULT_NAMESPACE}ConnectionDispatchFailed`,
  ContentTypeInvalid: `${FAULT_NAMESPACE}ContentTypeInvalid`,
  ContentTypeTooLong: `${FAULT_NAMESPACE}ContentTypeTooLong`,
  /** The only fault whose name ends in "Fault" — that is WCF's spelling on the wire. */
  MaxMessageSizeExceeded: `${FAULT_NAMESPACE}MaxMessageSizeExceededFault`,
  ServerTooBusy: `${FAULT_NAMESPACE}ServerTooBusy`,
  ServiceActivationFailed: `${FAULT_NAMESPACE}ServiceActivationFailed`,
  UnsupportedMode: `${FAULT_NAMESPACE}UnsupportedMode`,
  UnsupportedVersion: `${FAULT_NAMESPACE}UnsupportedVersion`,
  UpgradeInvalid: `${FAULT_NAMESPACE}UpgradeInvalid`,
  ViaTooLong: `${FAULT_NAMESPACE}ViaTooLong`,
} as const;
/** One of the {@link FaultUri} values. */
export type FaultUri = (typeof FaultUri)[keyof typeof FaultUri];

/** Protocol names of the UpgradeRequest record (FramingFormat.cs `FramingUpgradeString`). */
export const UpgradeProtocol = {
  /** TLS (`SslStream`): transport security with certificate or no client credentials. */
  SslTls: 'application/ssl-tls',
  /** SPNEGO (`NegotiateStream`, [MS-NNS]): transport security with Windows credentials. */
  Negotiate: 'application/negotiate',
} as const;
/** One of the {@link UpgradeProtocol} values. */
export type UpgradeProtocol = (typeof UpgradeProtocol)[keyof typeof UpgradeProtocol];

/**
 * WCF's limits ([MC-NMF] leaves them to the implementation). Every decoder option defaults to
 * these values.
 */
export const FramingLimits = {
  /** `ConnectionOrientedTransportDefaults.MaxViaSize` (TransportDefaults.cs); SMSvcHost uses the same. */
  maxViaBytes: 2048,
  /** `ConnectionOrientedTransportDefaults.MaxContentTypeSize`, for ExtensibleEncoding strings. */
  maxContentTypeBytes: 256,
  /** WCF decodes UpgradeRequest names with the content type decoder, so the same 256 bytes. */
  maxUpgradeBytes: 256,
  /** `FaultStringDecoder.FaultSizeQuota` (FramingDecoders.cs). */
  maxFaultBytes: 256,
  /** The largest size WCF's `IntDecoder` accepts: 5 bytes, 5th byte at most 0x07. */
  maxSize: 0x7fffffff,
} as const;

/** The net.tcp default port: `TcpUri.DefaultPort` (TcpChannelListener.cs). */
export const NET_TCP_DEFAULT_PORT = 808;

/**
 * WCF's default `MaxReceivedMessageSize` (and `MaxBufferSize`) for NetTcpBinding
 * (TransportDefaults.cs).
 */
export const DEFAULT_MAX_MESSAGE_SIZE = 65536;

/** The only major version WCF sends and accepts (FramingFormat.cs `FramingVersion`). */
export const FRAMING_VERSION = { major: 1, minor: 0 } as const;
