import { SoapError, SoapErrorCodes } from './errors.js';
import type { XmlNode } from './xml-node.js';

/**
 * Reader limits, named like WCF's (docs/protocol.md §16: NetTcpBinding.MaxReceivedMessageSize,
 * XmlDictionaryReaderQuotas, BinaryMessageEncodingBindingElement.MaxSessionSize). Defaults are
 * .NET's defaults, so a payload this layer accepts is one a stock WCF peer would accept too.
 */
export interface ReaderQuotas {
  /** Largest envelope payload (StringTable + binary XML), in bytes. WCF MaxReceivedMessageSize. */
  readonly maxReceivedMessageSize: number;
  /** Deepest element nesting. WCF MaxDepth. */
  readonly maxDepth: number;
  /** Longest string in one text record or attribute value, in UTF-16 code units. WCF MaxStringContentLength. */
  readonly maxStringContentLength: number;
  /** Most items in one Array record, or bytes in one byte-array text record. WCF MaxArrayLength. */
  readonly maxArrayLength: number;
  /** Largest start tag (the element record and all its attribute records), in bytes. WCF MaxBytesPerRead. */
  readonly maxBytesPerRead: number;
  /** Most characters of distinct literal names (prefixes, local names, namespace URIs) in one message. WCF MaxNameTableCharCount. */
  readonly maxNameTableCharCount: number;
  /** Most bytes of session strings the peer may define over the connection ([MC-NBFSE]). WCF MaxSessionSize. */
  readonly maxSessionSize: number;
  /**
   * Streamed transfer: the most bytes of a message read in memory before its streamed part starts
   * (its headers and the body's start). WCF MaxBufferSize. A message whose streamed part starts
   * later is read whole, bounded by maxReceivedMessageSize, if its headers end within it; headers
   * larger than this are refused (SOAP_ERR_BUFFER_QUOTA_EXCEEDED), as WCF refuses them.
   */
  readonly maxBufferSize: number;
}

/** .NET's defaults (WCF's TransportDefaults.cs; docs/protocol.md §15 and §16). */
export const DEFAULT_READER_QUOTAS: ReaderQuotas = Object.freeze({
  maxReceivedMessageSize: 65_536,
  maxDepth: 32,
  maxStringContentLength: 8_192,
  maxArrayLength: 16_384,
  maxBytesPerRead: 4_096,
  maxNameTableCharCount: 16_384,
  maxSessionSize: 2_048,
  maxBufferSize: 65_536,
});

/** Fills in defaults for the quotas not given. */
export function resolveQuotas(partial?: Partial<ReaderQuotas>): ReaderQuotas {
  return { ...DEFAULT_READER_QUOTAS, ...partial };
}

/**
 * The codes of a reader quota exceeded, as opposed to a malformed message. WCF reads a message's
 * body only when the operation's formatter deserializes it, so a quota exceeded there fails that
 * one request (a DeserializationFailed fault) or reply, and the session goes on.
 */
export const QUOTA_ERROR_CODES: ReadonlySet<string> = new Set([
  SoapErrorCodes.MAX_DEPTH_EXCEEDED,
  SoapErrorCodes.STRING_CONTENT_TOO_LONG,
  SoapErrorCodes.ARRAY_TOO_LONG,
  SoapErrorCodes.BYTES_PER_READ_EXCEEDED,
  SoapErrorCodes.NAME_TABLE_EXCEEDED,
]);

/** A decoded message; with `quotaError` when a reader quota was exceeded and the message was read again past it. */
export interface DecodedMessage {
  readonly nodes: XmlNode[];
  readonly quotaError?: SoapError;
}

/**
 * Reads with `quotas`; if a reader quota (not the size) is exceeded, reads once more with the
 * quotas lifted, so that the caller learns which request it was and can answer it. The work stays
 * linear: the message's size was checked first, and the depth stays bounded.
 */
export function decodeWithinQuotas(read: (quotas: ReaderQuotas) => XmlNode[], quotas: ReaderQuotas): DecodedMessage {
  try {
    return { nodes: read(quotas) };
  } catch (error) {
    if (!(error instanceof SoapError) || !QUOTA_ERROR_CODES.has(error.code)) throw error;
    const lifted: ReaderQuotas = {
      ...quotas,
      maxDepth: Math.max(quotas.maxDepth, 256),
      maxStringContentLength: Number.MAX_SAFE_INTEGER,
      maxArrayLength: Number.MAX_SAFE_INTEGER,
      maxBytesPerRead: Number.MAX_SAFE_INTEGER,
      maxNameTableCharCount: Number.MAX_SAFE_INTEGER,
    };
    let nodes: XmlNode[];
    try {
      nodes = read(lifted);
    } catch {
      throw error;
    }
    return { nodes, quotaError: error };
  }
}

/** maxReceivedMessageSize, checked before a byte is read. */
export function checkSize(payload: Uint8Array, quotas: ReaderQuotas): void {
  if (payload.length > quotas.maxReceivedMessageSize) {
    throw new SoapError(
      SoapErrorCodes.MESSAGE_TOO_LARGE,
      `A message of ${payload.length} bytes exceeds maxReceivedMessageSize (${quotas.maxReceivedMessageSize}). ` +
        'Raise maxReceivedMessageSize on this side if such messages are expected.',
    );
  }
}

/** decode() over decodeMessage(): a quota exceeded throws. */
export function decodedOrThrow(decoded: DecodedMessage): XmlNode[] {
  if (decoded.quotaError !== undefined) throw decoded.quotaError;
  return decoded.nodes;
}
