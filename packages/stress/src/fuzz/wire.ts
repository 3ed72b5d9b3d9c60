/**
 * The few [MC-NMF] wire facts the fuzzer's reference model needs, written out here on purpose
 * rather than taken from @portshare/framing: the model must not share the decoders' code, or a
 * bug in them would be "expected".
 *
 * @module
 */

/** Record type bytes ([MC-NMF] 2.2.3). */
export const Rec = {
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
  PreambleAck: 0x0b,
  PreambleEnd: 0x0c,
} as const;

/** Content types of the KnownEncoding bytes 0..8 ([MC-NMF] 2.2.3.4). */
export const KNOWN_CONTENT_TYPES = [
  'text/xml; charset=utf-8',
  'text/xml; charset=utf16',
  'text/xml; charset=unicodeFFFE',
  'application/soap+xml; charset=utf-8',
  'application/soap+xml; charset=utf16',
  'application/soap+xml; charset=unicodeFFFE',
  'multipart/related',
  'application/soap+msbin1',
  'application/soap+msbinsession1',
] as const;

/** The fault URI namespace ([MC-NMF] 2.2.5). */
export const FAULT_NS = 'http://schemas.microsoft.com/ws/2006/05/framing/faults/';

export type SizeRead = { value: number; next: number } | { error: true; at: number } | { incomplete: true };

/**
 * Reads a record size at `at` ([MC-NMF] 2.2.2): 7 bits per byte, least significant first, at most
 * 5 bytes; on the 5th byte a continuation bit or a value bit above 2^31−1 is an error (WCF's
 * IntDecoder).
 */
export function readSize(bytes: Uint8Array, at: number): SizeRead {
  let value = 0;
  for (let k = 0; k < 5; k++) {
    const i = at + k;
    if (i >= bytes.length) return { incomplete: true };
    const b = bytes[i] as number;
    if (k === 4 && (b & 0xf8) !== 0) return { error: true, at: i };
    value += (b & 0x7f) * 2 ** (7 * k);
    if ((b & 0x80) === 0) return { value, next: i + 1 };
  }
  return { error: true, at: at + 4 };
}

/** Encodes a record size. */
export function size(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return Buffer.from(out);
}

/** A record with a size-prefixed UTF-8 string (Via, ExtensibleEncoding, UpgradeRequest, Fault). */
export function stringRecord(type: number, text: string | Buffer): Buffer {
  const body = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return Buffer.concat([Buffer.from([type]), size(body.length), body]);
}

/** The bytes of a Fault record for a fault name such as "EndpointNotFound". */
export function faultBytes(name: string): Buffer {
  return stringRecord(Rec.Fault, FAULT_NS + name);
}

/** Server reply framing: a SizedEnvelope (duplex) or an UnsizedEnvelope in one chunk (singleton). */
export function envelope(mode: number, payload: Buffer): Buffer {
  if (mode === 2) return Buffer.concat([Buffer.from([Rec.SizedEnvelope]), size(payload.length), payload]);
  const chunk = payload.length === 0 ? Buffer.alloc(0) : Buffer.concat([size(payload.length), payload]);
  return Buffer.concat([Buffer.from([Rec.UnsizedEnvelope]), chunk, Buffer.from([0x00])]);
}

export interface PreambleSpec {
  mode?: number;
  via: string | Buffer;
  /** A KnownEncoding byte, or a content type for ExtensibleEncoding. */
  encoding?: number | string;
  upgrade?: string;
  /** Append PreambleEnd (default true for modes 1 and 2). */
  end?: boolean;
}

/** Builds a client preamble. */
export function preamble(spec: PreambleSpec): Buffer {
  const mode = spec.mode ?? 2;
  const encoding = spec.encoding ?? (mode === 1 ? 7 : 8);
  const parts = [
    Buffer.from([Rec.Version, 1, 0, Rec.Mode, mode]),
    stringRecord(Rec.Via, typeof spec.via === 'string' ? Buffer.from(spec.via, 'utf8') : spec.via),
    typeof encoding === 'number' ? Buffer.from([Rec.KnownEncoding, encoding]) : stringRecord(Rec.ExtensibleEncoding, encoding),
  ];
  if (spec.upgrade !== undefined) parts.push(stringRecord(Rec.UpgradeRequest, spec.upgrade));
  if (spec.end ?? (mode === 1 || mode === 2)) parts.push(Buffer.from([Rec.PreambleEnd]));
  return Buffer.concat(parts);
}

/** Client records after a duplex preamble: SizedEnvelopes, then End if asked. */
export function duplexRecords(messages: readonly Buffer[], end = true): Buffer {
  const parts = messages.map((m) => Buffer.concat([Buffer.from([Rec.SizedEnvelope]), size(m.length), m]));
  if (end) parts.push(Buffer.from([Rec.End]));
  return Buffer.concat(parts);
}

/** Client records after a singleton preamble: one UnsizedEnvelope in `chunks`, then End if asked. */
export function singletonRecords(chunks: readonly Buffer[], end = true): Buffer {
  const parts: Buffer[] = [Buffer.from([Rec.UnsizedEnvelope])];
  for (const c of chunks) if (c.length > 0) parts.push(size(c.length), c);
  parts.push(Buffer.from([0x00]));
  if (end) parts.push(Buffer.from([Rec.End]));
  return Buffer.concat(parts);
}
