/**
 * Golden byte vectors for [MC-NMF] (https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-nmf/).
 *
 * Every vector is written out byte by byte, independently of the encoder, with a comment per
 * field; tests check each in three directions (decode → fields, encode → bytes, round trip) and
 * at every split point. Vectors marked `canonical: false` decode but are not what the encoder
 * writes (for example a non-minimal size).
 *
 * @module
 */

import type { FramingRecord, RecordDecoderOptions } from '../record-decoder.js';
import type { PreambleOptions } from '../encoder.js';
import { FramingErrorCodes, type FramingErrorCode } from '../errors.js';
import type { PreambleDecoderOptions, PreambleEncoding, PreambleStage } from '../preamble-decoder.js';
import { FaultUri, type Mode } from '../records.js';
import type { ParsedVia } from '../via.js';
import { MONO_CALCULATOR_SEGMENTS } from './capture.js';

/**
 * Bytes from hex strings (spaces and `|` allowed as separators) and byte arrays, concatenated.
 * Lets a vector read like a packet diagram.
 */
export function bytes(...parts: readonly (string | Uint8Array)[]): Buffer {
  return Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part.replace(/[\s|]/g, ''), 'hex') : part)),
  );
}

/** UTF-8 bytes of `s`. */
export function utf8(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

/** The via of Microsoft's "Net.TCP Port Sharing Sample" calculator, as the sample client sends it. */
export const SAMPLE_VIA = 'net.tcp://localhost:9000/calculator/4381';

/** A preamble vector: the bytes a client sends and what a PreambleDecoder reads from them. */
export interface PreambleVector {
  name: string;
  bytes: Buffer;
  /** Options that make `encodePreamble` write `bytes` (when `canonical`). */
  options: PreambleOptions;
  /** False when the bytes decode but the encoder writes them differently. */
  canonical: boolean;
  expected: {
    version: { major: number; minor: number };
    mode: Mode;
    via: string;
    parsedVia: ParsedVia;
    encoding: PreambleEncoding;
    upgrade: string | undefined;
    /** Where the decoder stops: the end of the preamble, or at the UpgradeRequest. */
    stage: Extract<PreambleStage, 'complete' | 'upgrade-requested'>;
  };
}

const sampleParsedVia: ParsedVia = {
  uri: SAMPLE_VIA,
  scheme: 'net.tcp',
  host: 'localhost',
  port: 9000,
  path: '/calculator/4381',
};

// 130-byte via: its size needs two bytes (82 01).
const LONG_VIA = `net.tcp://localhost/${'a'.repeat(110)}`;

/** Client preambles. */
export const preambleVectors: readonly PreambleVector[] = [
  {
    name: 'duplex, binary session, sample via (what NetTcpBinding with SecurityMode.None sends)',
    bytes: bytes(
      '00 01 00', // Version 1.0
      '01 02', // Mode: duplex
      '02 28', utf8(SAMPLE_VIA), // Via, size 0x28 = 40
      '03 08', // KnownEncoding: application/soap+msbinsession1
      '0c', // PreambleEnd
    ),
    options: { via: SAMPLE_VIA },
    canonical: true,
    expected: {
      version: { major: 1, minor: 0 },
      mode: 2,
      via: SAMPLE_VIA,
      parsedVia: sampleParsedVia,
      encoding: { known: 8, contentType: 'application/soap+msbinsession1' },
      upgrade: undefined,
      stage: 'complete',
    },
  },
  {
    name: 'singleton-unsized, binary (a streamed TransferMode)',
    bytes: bytes(
      '00 01 00', // Version 1.0
      '01 01', // Mode: singleton-unsized
      '02 28', utf8(SAMPLE_VIA), // Via
      '03 07', // KnownEncoding: application/soap+msbin1
      '0c', // PreambleEnd
    ),
    options: { mode: 1, via: SAMPLE_VIA },
    canonical: true,
    expected: {
      version: { major: 1, minor: 0 },
      mode: 1,
      via: SAMPLE_VIA,
      parsedVia: sampleParsedVia,
      encoding: { known: 7, contentType: 'application/soap+msbin1' },
      upgrade: undefined,
      stage: 'complete',
    },
  },
  {
    name: 'duplex with a TLS upgrade (no PreambleEnd before the upgrade)',
    bytes: bytes(
      '00 01 00', // Version 1.0
      '01 02', // Mode: duplex
      '02 28', utf8(SAMPLE_VIA), // Via
      '03 08', // KnownEncoding: binary session
      '09 13', utf8('application/ssl-tls'), // UpgradeRequest, size 19
    ),
    options: { via: SAMPLE_VIA, upgrade: 'application/ssl-tls' },
    canonical: true,
    expected: {
      version: { major: 1, minor: 0 },
      mode: 2,
      via: SAMPLE_VIA,
      parsedVia: sampleParsedVia,
      encoding: { known: 8, contentType: 'application/soap+msbinsession1' },
      upgrade: 'application/ssl-tls',
      stage: 'upgrade-requested',
    },
  },
  {
    name: 'duplex with a Negotiate upgrade (Windows credentials, the NetTcpBinding default)',
    bytes: bytes(
      '00 01 00', // Version 1.0
      '01 02', // Mode: duplex
      '02 28', utf8(SAMPLE_VIA), // Via
      '03 08', // KnownEncoding: binary session
      '09 15', utf8('application/negotiate'), // UpgradeRequest, size 21
    ),
    options: { via: SAMPLE_VIA, upgrade: 'application/negotiate' },
    canonical: true,
    expected: {
      version: { major: 1, minor: 0 },
      mode: 2,
      via: SAMPLE_VIA,
      parsedVia: sampleParsedVia,
      encoding: { known: 8, contentType: 'application/soap+msbinsession1' },
      upgrade: 'application/negotiate',
      stage: 'upgrade-requested',
    },
  },
  {
    name: 'extensible encoding (a compressed binary session)',
    bytes: bytes(
      '00 01 00', // Version 1.0
      '01 02', // Mode: duplex
      '02 28', utf8(SAMPLE_VIA), // Via
      '04 23', utf8('application/soap+msbinsession1+gzip'), // ExtensibleEncoding, size 35
      '0c', // PreambleEnd
    ),
    options: { via: SAMPLE_VIA, encoding: 'application/soap+msbinsession1+gzip' },
    canonical: true,
    expected: {
      version: { major: 1, minor: 0 },
      mode: 2,
      via: SAMPLE_VIA,
      parsedVia: sampleParsedVia,
      encoding: { known: undefined, contentType: 'application/soap+msbinsession1+gzip' },
      upgrade: undefined,
      stage: 'complete',
    },
  },
  {
    name: 'via without a port (net.tcp default 808): a duplex client of net.tcp://localhost/MyService',
    bytes: bytes(
      '00 01 00', // Version 1.0
      '01 02', // Mode: duplex
      '02 1d', utf8('net.tcp://localhost/MyService'), // Via, size 29
      '03 08', // KnownEncoding: binary session
      '0c', // PreambleEnd
    ),
    options: { via: 'net.tcp://localhost/MyService' },
    canonical: true,
    expected: {
      version: { major: 1, minor: 0 },
      mode: 2,
      via: 'net.tcp://localhost/MyService',
      parsedVia: { uri: 'net.tcp://localhost/MyService', scheme: 'net.tcp', host: 'localhost', port: 808, path: '/MyService' },
      encoding: { known: 8, contentType: 'application/soap+msbinsession1' },
      upgrade: undefined,
      stage: 'complete',
    },
  },
  {
    name: 'simplex (mode 3): the preamble ends with the encoding',
    bytes: bytes(
      '00 01 00', // Version 1.0
      '01 03', // Mode: simplex
      '02 1d', utf8('net.tcp://localhost/MyService'), // Via
      '03 07', // KnownEncoding: binary
    ),
    options: { mode: 3, via: 'net.tcp://localhost/MyService' },
    canonical: true,
    expected: {
      version: { major: 1, minor: 0 },
      mode: 3,
      via: 'net.tcp://localhost/MyService',
      parsedVia: { uri: 'net.tcp://localhost/MyService', scheme: 'net.tcp', host: 'localhost', port: 808, path: '/MyService' },
      encoding: { known: 7, contentType: 'application/soap+msbin1' },
      upgrade: undefined,
      stage: 'complete',
    },
  },
  {
    name: 'singleton-sized (mode 4), SOAP 1.2 text: the preamble ends with the encoding',
    bytes: bytes(
      '00 01 00', // Version 1.0
      '01 04', // Mode: singleton-sized
      '02 1d', utf8('net.tcp://localhost/MyService'), // Via
      '03 03', // KnownEncoding: application/soap+xml; charset=utf-8
    ),
    options: { mode: 4, via: 'net.tcp://localhost/MyService', encoding: 'application/soap+xml; charset=utf-8' },
    canonical: true,
    expected: {
      version: { major: 1, minor: 0 },
      mode: 4,
      via: 'net.tcp://localhost/MyService',
      parsedVia: { uri: 'net.tcp://localhost/MyService', scheme: 'net.tcp', host: 'localhost', port: 808, path: '/MyService' },
      encoding: { known: 3, contentType: 'application/soap+xml; charset=utf-8' },
      upgrade: undefined,
      stage: 'complete',
    },
  },
  {
    name: 'unknown KnownEncoding byte 0x2a maps to "unknown42"; minor version 7 is ignored',
    bytes: bytes(
      '00 01 07', // Version 1.7
      '01 02', // Mode: duplex
      '02 28', utf8(SAMPLE_VIA), // Via
      '03 2a', // KnownEncoding 42: not defined
      '0c', // PreambleEnd
    ),
    options: { via: SAMPLE_VIA, encoding: 42, version: { major: 1, minor: 7 } },
    canonical: true,
    expected: {
      version: { major: 1, minor: 7 },
      mode: 2,
      via: SAMPLE_VIA,
      parsedVia: sampleParsedVia,
      encoding: { known: 42, contentType: 'unknown42' },
      upgrade: undefined,
      stage: 'complete',
    },
  },
  {
    name: 'via of 130 bytes: a two-byte size',
    bytes: bytes(
      '00 01 00', // Version 1.0
      '01 02', // Mode: duplex
      '02 82 01', utf8(LONG_VIA), // Via, size 0x82 0x01 = 2 + 1*128 = 130
      '03 08', // KnownEncoding: binary session
      '0c', // PreambleEnd
    ),
    options: { via: LONG_VIA },
    canonical: true,
    expected: {
      version: { major: 1, minor: 0 },
      mode: 2,
      via: LONG_VIA,
      parsedVia: { uri: LONG_VIA, scheme: 'net.tcp', host: 'localhost', port: 808, path: `/${'a'.repeat(110)}` },
      encoding: { known: 8, contentType: 'application/soap+msbinsession1' },
      upgrade: undefined,
      stage: 'complete',
    },
  },
  {
    name: 'non-minimal via size (a8 00 = 40) decodes like WCF',
    bytes: bytes(
      '00 01 00', // Version 1.0
      '01 02', // Mode: duplex
      '02 a8 00', utf8(SAMPLE_VIA), // Via, size 0x28 padded to two bytes
      '03 08', // KnownEncoding: binary session
      '0c', // PreambleEnd
    ),
    options: { via: SAMPLE_VIA },
    canonical: false,
    expected: {
      version: { major: 1, minor: 0 },
      mode: 2,
      via: SAMPLE_VIA,
      parsedVia: sampleParsedVia,
      encoding: { known: 8, contentType: 'application/soap+msbinsession1' },
      upgrade: undefined,
      stage: 'complete',
    },
  },
];

/** A record vector: bytes after the preamble and the records a RecordDecoder yields from them. */
export interface RecordVector {
  name: string;
  bytes: Buffer;
  /** How to decode: role and mode. */
  decoder: RecordDecoderOptions;
  /** The records, with mode-4 octets merged (see `normalizeRecords`). */
  records: FramingRecord[];
  /** False when the bytes decode but encoding the records gives other bytes. */
  canonical: boolean;
}

/** A fault record for `uri` as a server writes it; every fault URI is shorter than 128 bytes. */
function faultVector(name: keyof typeof FaultUri, sizeHex: string): RecordVector {
  const uri = FaultUri[name];
  return {
    name: `fault ${name}`,
    bytes: bytes('08', sizeHex, utf8(uri)), // Fault, size, URI
    decoder: { role: 'client' },
    records: [{ type: 'fault', uri }],
    canonical: true,
  };
}

const HELLO = utf8('hello');
const PAYLOAD_200 = Buffer.from(Array.from({ length: 200 }, (_, i) => i));

// The capture's segments, split by direction.
const captureClient = MONO_CALCULATOR_SEGMENTS.filter((s) => s.from === 'client').map((s) => Buffer.from(s.hex, 'hex'));
const captureServer = MONO_CALCULATOR_SEGMENTS.filter((s) => s.from === 'server').map((s) => Buffer.from(s.hex, 'hex'));

/** The client's segments of mono-calculator.pcap (preamble, two sized envelopes, End). */
export const MONO_CALCULATOR_CLIENT_SEGMENTS: readonly Buffer[] = captureClient;
/** The server's segments of mono-calculator.pcap (PreambleAck, two sized envelopes). */
export const MONO_CALCULATOR_SERVER_SEGMENTS: readonly Buffer[] = captureServer;

function segment(list: readonly Buffer[], index: number): Buffer {
  const found = list[index];
  if (found === undefined) throw new Error(`capture segment ${index} is missing`);
  return found;
}

/** Records after the preamble, in both directions. */
export const recordVectors: readonly RecordVector[] = [
  {
    name: 'PreambleAck',
    bytes: bytes('0b'),
    decoder: { role: 'client' },
    records: [{ type: 'preamble-ack' }],
    canonical: true,
  },
  {
    name: 'End (client to server, duplex)',
    bytes: bytes('07'),
    decoder: { role: 'server' },
    records: [{ type: 'end' }],
    canonical: true,
  },
  {
    name: 'sized envelope then End (duplex)',
    bytes: bytes('06 05', HELLO, '07'), // SizedEnvelope size 5 "hello", End
    decoder: { role: 'server' },
    records: [{ type: 'sized-envelope', payload: HELLO }, { type: 'end' }],
    canonical: true,
  },
  {
    name: 'sized envelope of 200 bytes: a two-byte size',
    bytes: bytes('06 c8 01', PAYLOAD_200), // SizedEnvelope, size 0x48 + 1*128 = 200
    decoder: { role: 'server' },
    records: [{ type: 'sized-envelope', payload: PAYLOAD_200 }],
    canonical: true,
  },
  {
    name: 'empty sized envelope (WCF decodes it; the message layer rejects it later)',
    bytes: bytes('06 00 07'),
    decoder: { role: 'server' },
    records: [{ type: 'sized-envelope', payload: Buffer.alloc(0) }, { type: 'end' }],
    canonical: true,
  },
  {
    name: 'simplex: sized envelopes then End',
    bytes: bytes('06 05', HELLO, '06 05', HELLO, '07'),
    decoder: { role: 'server', mode: 3 },
    records: [
      { type: 'sized-envelope', payload: HELLO },
      { type: 'sized-envelope', payload: HELLO },
      { type: 'end' },
    ],
    canonical: true,
  },
  {
    name: 'unsized envelope in two chunks then End (singleton request)',
    bytes: bytes('05', '05', HELLO, '03', utf8('abc'), '00', '07'), // UnsizedEnvelope, chunks, terminator, End
    decoder: { role: 'server', mode: 1 },
    records: [{ type: 'unsized-envelope', chunks: [HELLO, utf8('abc')] }, { type: 'end' }],
    canonical: true,
  },
  {
    name: 'singleton reply: PreambleAck, unsized envelope, End (00 07 written together)',
    bytes: bytes('0b', '05', '05', HELLO, '00', '07'),
    decoder: { role: 'client', mode: 1 },
    records: [{ type: 'preamble-ack' }, { type: 'unsized-envelope', chunks: [HELLO] }, { type: 'end' }],
    canonical: true,
  },
  {
    name: 'singleton reply without a message: PreambleAck, End',
    bytes: bytes('0b', '07'),
    decoder: { role: 'client', mode: 1 },
    records: [{ type: 'preamble-ack' }, { type: 'end' }],
    canonical: true,
  },
  {
    name: 'duplex reply: PreambleAck, sized envelope, End',
    bytes: bytes('0b', '06 05', HELLO, '07'),
    decoder: { role: 'client' },
    records: [{ type: 'preamble-ack' }, { type: 'sized-envelope', payload: HELLO }, { type: 'end' }],
    canonical: true,
  },
  {
    name: 'UpgradeResponse, then (inside the upgraded stream) PreambleAck',
    bytes: bytes('0a', '0b'),
    decoder: { role: 'client' },
    records: [{ type: 'upgrade-response' }, { type: 'preamble-ack' }],
    canonical: true,
  },
  {
    name: 'a fault after a message, then End',
    bytes: bytes('0b', '06 05', HELLO, '08 52', utf8(FaultUri.MaxMessageSizeExceeded), '07'),
    decoder: { role: 'client' },
    records: [
      { type: 'preamble-ack' },
      { type: 'sized-envelope', payload: HELLO },
      { type: 'fault', uri: FaultUri.MaxMessageSizeExceeded },
      { type: 'end' },
    ],
    canonical: true,
  },
  {
    name: 'singleton-sized (mode 4): raw octets to EOF',
    bytes: bytes(HELLO, PAYLOAD_200),
    decoder: { role: 'server', mode: 4 },
    records: [{ type: 'octets', payload: bytes(HELLO, PAYLOAD_200) }],
    canonical: true,
  },
  {
    name: 'non-minimal envelope size (85 80 00 = 5) decodes like WCF',
    bytes: bytes('06 85 80 00', HELLO),
    decoder: { role: 'server' },
    records: [{ type: 'sized-envelope', payload: HELLO }],
    canonical: false,
  },
  faultVector('EndpointNotFound', '47'),
  faultVector('EndpointUnavailable', '4a'),
  faultVector('ConnectionDispatchFailed', '4f'),
  faultVector('ContentTypeInvalid', '49'),
  faultVector('ContentTypeTooLong', '49'),
  faultVector('MaxMessageSizeExceeded', '52'),
  faultVector('ServerTooBusy', '44'),
  faultVector('ServiceActivationFailed', '4e'),
  faultVector('UnsupportedMode', '46'),
  faultVector('UnsupportedVersion', '49'),
  faultVector('UpgradeInvalid', '45'),
  faultVector('ViaTooLong', '41'),
  {
    name: 'mono-calculator.pcap, client to server after the preamble: Add, Divide, End',
    bytes: bytes(...captureClient.slice(1)),
    decoder: { role: 'server' },
    records: [
      // Each segment is one record: 06, a two-byte size, the binary SOAP envelope.
      { type: 'sized-envelope', payload: segment(captureClient, 1).subarray(3) },
      { type: 'sized-envelope', payload: segment(captureClient, 2).subarray(3) },
      { type: 'end' },
    ],
    canonical: true,
  },
  {
    name: 'mono-calculator.pcap, server to client: PreambleAck and two replies (Mono sends no End)',
    bytes: bytes(...captureServer),
    decoder: { role: 'client' },
    records: [
      { type: 'preamble-ack' },
      { type: 'sized-envelope', payload: segment(captureServer, 1).subarray(3) },
      { type: 'sized-envelope', payload: segment(captureServer, 2).subarray(3) },
    ],
    canonical: true,
  },
];

/** The mono-calculator.pcap preamble, as a preamble vector. */
export const monoCalculatorPreamble: PreambleVector = {
  name: 'mono-calculator.pcap, the client preamble',
  bytes: segment(captureClient, 0),
  options: { via: SAMPLE_VIA },
  canonical: true,
  expected: {
    version: { major: 1, minor: 0 },
    mode: 2,
    via: SAMPLE_VIA,
    parsedVia: sampleParsedVia,
    encoding: { known: 8, contentType: 'application/soap+msbinsession1' },
    upgrade: undefined,
    stage: 'complete',
  },
};

/** Bytes a decoder must reject, and how. */
export interface ErrorVector {
  name: string;
  bytes: Buffer;
  /** `'preamble'` for a PreambleDecoder (with optional limits), else RecordDecoder options. */
  decoder: { kind: 'preamble'; options?: PreambleDecoderOptions } | { kind: 'records'; options: RecordDecoderOptions };
  code: FramingErrorCode;
  /** Fault URI attached to the error, if any. */
  faultUri?: string;
  /** Stream offset the error reports. */
  position: number;
}

const preamble = { kind: 'preamble' } as const;

/** Inputs that must fail, with the code, fault and position of the failure. */
export const errorVectors: readonly ErrorVector[] = [
  {
    name: 'first byte is not the Version record (an HTTP request)',
    bytes: bytes(utf8('GET / HTTP/1.1\r\n')),
    decoder: preamble,
    code: FramingErrorCodes.RECORD_TYPE_MISMATCH,
    position: 0,
  },
  {
    name: 'major version 2',
    bytes: bytes('00 02 00'),
    decoder: preamble,
    code: FramingErrorCodes.UNSUPPORTED_VERSION,
    faultUri: FaultUri.UnsupportedVersion,
    position: 1,
  },
  {
    name: 'mode 0',
    bytes: bytes('00 01 00 01 00'),
    decoder: preamble,
    code: FramingErrorCodes.UNSUPPORTED_MODE,
    faultUri: FaultUri.UnsupportedMode,
    position: 4,
  },
  {
    name: 'mode 5',
    bytes: bytes('00 01 00 01 05'),
    decoder: preamble,
    code: FramingErrorCodes.UNSUPPORTED_MODE,
    faultUri: FaultUri.UnsupportedMode,
    position: 4,
  },
  {
    name: 'Mode record missing',
    bytes: bytes('00 01 00 02'),
    decoder: preamble,
    code: FramingErrorCodes.RECORD_TYPE_MISMATCH,
    position: 3,
  },
  {
    name: 'via size 2049 (81 10)',
    bytes: bytes('00 01 00 01 02 02 81 10'),
    decoder: preamble,
    code: FramingErrorCodes.VIA_TOO_LONG,
    faultUri: FaultUri.ViaTooLong,
    position: 7,
  },
  {
    name: 'via is not an absolute URI',
    bytes: bytes('00 01 00 01 02 02 09', utf8('localhost'), '03 08 0c'),
    decoder: preamble,
    code: FramingErrorCodes.VIA_NOT_URI,
    position: 16,
  },
  {
    name: 'empty via',
    bytes: bytes('00 01 00 01 02 02 00 03 08 0c'),
    decoder: preamble,
    code: FramingErrorCodes.VIA_NOT_URI,
    position: 7,
  },
  {
    name: 'via size with a 5th byte of 0x08',
    bytes: bytes('00 01 00 01 02 02 ff ff ff ff 08'),
    decoder: { kind: 'preamble', options: { maxViaBytes: 0x7fffffff } },
    code: FramingErrorCodes.SIZE_TOO_LARGE,
    position: 10,
  },
  {
    name: 'encoding record missing (PreambleEnd right after the via)',
    bytes: bytes('00 01 00 01 02 02 1d', utf8('net.tcp://localhost/MyService'), '0c'),
    decoder: preamble,
    code: FramingErrorCodes.RECORD_TYPE_MISMATCH,
    position: 36,
  },
  {
    name: 'content type size 257',
    bytes: bytes('00 01 00 01 02 02 1d', utf8('net.tcp://localhost/MyService'), '04 81 02'),
    decoder: preamble,
    code: FramingErrorCodes.CONTENT_TYPE_TOO_LONG,
    faultUri: FaultUri.ContentTypeTooLong,
    position: 38,
  },
  {
    name: 'upgrade name size 257',
    bytes: bytes('00 01 00 01 02 02 1d', utf8('net.tcp://localhost/MyService'), '03 08 09 81 02'),
    decoder: preamble,
    code: FramingErrorCodes.UPGRADE_TOO_LONG,
    faultUri: FaultUri.ContentTypeTooLong,
    position: 40,
  },
  {
    name: 'a sized envelope where PreambleEnd belongs',
    bytes: bytes('00 01 00 01 02 02 1d', utf8('net.tcp://localhost/MyService'), '03 08 06'),
    decoder: preamble,
    code: FramingErrorCodes.RECORD_TYPE_MISMATCH,
    position: 38,
  },
  {
    name: 'duplex server: an unsized envelope is not allowed',
    bytes: bytes('05 05', HELLO, '00'),
    decoder: { kind: 'records', options: { role: 'server' } },
    code: FramingErrorCodes.RECORD_TYPE_MISMATCH,
    position: 0,
  },
  {
    name: 'singleton server: a sized envelope is not allowed',
    bytes: bytes('06 05', HELLO),
    decoder: { kind: 'records', options: { role: 'server', mode: 1 } },
    code: FramingErrorCodes.RECORD_TYPE_MISMATCH,
    position: 0,
  },
  {
    name: 'singleton server: End must follow the envelope',
    bytes: bytes('05 01 61 00 05'),
    decoder: { kind: 'records', options: { role: 'server', mode: 1 } },
    code: FramingErrorCodes.RECORD_TYPE_MISMATCH,
    position: 4,
  },
  {
    name: 'sized envelope of 65537 bytes (81 80 04) over the default 65536',
    bytes: bytes('06 81 80 04'),
    decoder: { kind: 'records', options: { role: 'server' } },
    code: FramingErrorCodes.MESSAGE_TOO_LARGE,
    faultUri: FaultUri.MaxMessageSizeExceeded,
    position: 3,
  },
  {
    name: 'client: an HTTP response instead of PreambleAck',
    bytes: bytes(utf8('HTTP/1.1 400 Bad Request\r\n')),
    decoder: { kind: 'records', options: { role: 'client' } },
    code: FramingErrorCodes.NOT_FRAMING,
    position: 0,
  },
  {
    name: 'client: a fault of size 257',
    bytes: bytes('08 81 02'),
    decoder: { kind: 'records', options: { role: 'client' } },
    code: FramingErrorCodes.FAULT_TOO_LONG,
    position: 2,
  },
  {
    name: 'client: a fault of size 0',
    bytes: bytes('08 00'),
    decoder: { kind: 'records', options: { role: 'client' } },
    code: FramingErrorCodes.ZERO_SIZE,
    position: 1,
  },
  {
    name: 'client: after a fault only End may follow',
    bytes: bytes('08 01 78 0b'),
    decoder: { kind: 'records', options: { role: 'client' } },
    code: FramingErrorCodes.RECORD_TYPE_MISMATCH,
    position: 3,
  },
];
