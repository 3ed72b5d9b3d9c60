/**
 * Reader limits, named like WCF's (binary-soap.md §10: NetTcpBinding.MaxReceivedMessageSize,
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
   * later is read whole, bounded by maxReceivedMessageSize.
   */
  readonly maxBufferSize: number;
}

/** .NET's defaults (S5 TransportDefaults; binary-soap.md §8 and §10). */
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
