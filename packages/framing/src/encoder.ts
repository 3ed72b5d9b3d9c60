/**
 * Encoders for every [MC-NMF] record. Each call makes exactly one allocation of the exact size.
 *
 * The encoders check what the wire format can carry (sizes up to 2^31−1, bytes 0..255, an absolute
 * via URI) but not the receiving side's quotas: a server may be configured with larger limits
 * than WCF's defaults, and the decoders enforce whatever limits the receiver chose.
 *
 * @module
 */

import type { FramingRecord } from './record-decoder.js';
import { FramingError, FramingErrorCodes } from './errors.js';
import { FRAMING_VERSION, KnownEncoding, knownEncodingOf, Mode, RecordType } from './records.js';
import { encodedSizeLength, writeSize } from './size.js';
import { parseVia } from './via.js';

/** What {@link encodePreamble} writes. */
export interface PreambleOptions {
  /** The communication mode (default Duplex). */
  mode?: Mode;
  /** The via: the absolute URI of the endpoint, e.g. `net.tcp://localhost:9000/calculator/4381`. */
  via: string;
  /**
   * A KnownEncoding byte, or a content type string: one of the nine known strings is sent as its
   * KnownEncoding byte (as WCF's `EncodedContentType.Create` does), any other as an
   * ExtensibleEncoding record. Default: binary with session (0x08) for duplex, binary (0x07)
   * otherwise — what NetTcpBinding sends.
   */
  encoding?: number | string;
  /**
   * An upgrade protocol (e.g. `application/ssl-tls`). When set, an UpgradeRequest record ends the
   * preamble and PreambleEnd is NOT written: it follows inside the upgraded stream ([MC-NMF] 2.2.3.5;
   * FramingChannels.cs `CreatePreamble`). Modes 1 and 2 only.
   */
  upgrade?: string;
  /** The version (default 1.0, the only one WCF accepts). */
  version?: { major: number; minor: number };
}

function invalid(message: string): FramingError {
  return new FramingError(FramingErrorCodes.INVALID_ARGUMENT, message);
}

function checkByte(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw invalid(`${name} must be an integer from 0 to 255, got ${String(value)}.`);
  }
}

/** Bytes of a record made of a type byte, a size and `byteLength` bytes. */
function stringRecordLength(byteLength: number): number {
  return 1 + encodedSizeLength(byteLength) + byteLength;
}

/** Writes type, size and the UTF-8 of `text` (whose UTF-8 length is `byteLength`) at `offset`. */
function writeStringRecord(target: Buffer, offset: number, type: number, text: string, byteLength: number): number {
  target[offset] = type;
  const at = writeSize(target, offset + 1, byteLength);
  return at + target.write(text, at, byteLength, 'utf8');
}

/**
 * The client's preamble: Version, Mode, Via, Encoding, then UpgradeRequest or (modes 1 and 2)
 * PreambleEnd. With SecurityMode.None a WCF client sends exactly this in one write.
 */
export function encodePreamble(options: PreambleOptions): Buffer {
  const mode = options.mode ?? Mode.Duplex;
  if (!Number.isInteger(mode) || mode < Mode.SingletonUnsized || mode > Mode.SingletonSized) {
    throw invalid(`Preamble mode must be 1..4, got ${String(mode)}.`);
  }
  const version = options.version ?? FRAMING_VERSION;
  checkByte('Preamble version major', version.major);
  checkByte('Preamble version minor', version.minor);
  if (typeof options.via !== 'string') throw invalid('Preamble via must be a string (an absolute URI).');
  // Fails with NMF_ERR_VIA_NOT_URI, as the server would.
  parseVia(options.via);
  const viaBytes = Buffer.byteLength(options.via, 'utf8');

  const encoding =
    options.encoding ?? (mode === Mode.Duplex ? KnownEncoding.BinarySession : KnownEncoding.Binary);
  let knownByte: number | undefined;
  let contentTypeBytes = 0;
  if (typeof encoding === 'number') {
    checkByte('Preamble encoding byte', encoding);
    knownByte = encoding;
  } else if (typeof encoding === 'string') {
    knownByte = knownEncodingOf(encoding);
    contentTypeBytes = Buffer.byteLength(encoding, 'utf8');
  } else {
    throw invalid('Preamble encoding must be a KnownEncoding byte or a content type string.');
  }

  const upgrade = options.upgrade;
  let upgradeBytes = 0;
  if (upgrade !== undefined) {
    if (mode === Mode.Simplex || mode === Mode.SingletonSized) {
      // [MC-NMF] 2.2: simplex and singleton-sized streams have no upgrade records.
      throw invalid(`Mode ${mode} cannot carry an UpgradeRequest; use mode 1 or 2, or omit upgrade.`);
    }
    if (typeof upgrade !== 'string') throw invalid('Preamble upgrade must be a protocol name string.');
    upgradeBytes = Buffer.byteLength(upgrade, 'utf8');
  }

  const hasPreambleEnd = upgrade === undefined && (mode === Mode.SingletonUnsized || mode === Mode.Duplex);
  const length =
    3 + // Version
    2 + // Mode
    stringRecordLength(viaBytes) +
    (knownByte !== undefined ? 2 : stringRecordLength(contentTypeBytes)) +
    (upgrade !== undefined ? stringRecordLength(upgradeBytes) : 0) +
    (hasPreambleEnd ? 1 : 0);

  const out = Buffer.allocUnsafe(length);
  out[0] = RecordType.Version;
  out[1] = version.major;
  out[2] = version.minor;
  out[3] = RecordType.Mode;
  out[4] = mode;
  let at = writeStringRecord(out, 5, RecordType.Via, options.via, viaBytes);
  if (knownByte !== undefined) {
    out[at++] = RecordType.KnownEncoding;
    out[at++] = knownByte;
  } else {
    at = writeStringRecord(out, at, RecordType.ExtensibleEncoding, encoding as string, contentTypeBytes);
  }
  if (upgrade !== undefined) {
    at = writeStringRecord(out, at, RecordType.UpgradeRequest, upgrade, upgradeBytes);
  }
  if (hasPreambleEnd) out[at++] = RecordType.PreambleEnd;
  return out;
}

/** PreambleAck (0x0B): the server accepts the preamble. */
export function encodePreambleAck(): Buffer {
  return Buffer.from([RecordType.PreambleAck]);
}

/** PreambleEnd (0x0C): the client's preamble is over (after an upgrade, inside the upgraded stream). */
export function encodePreambleEnd(): Buffer {
  return Buffer.from([RecordType.PreambleEnd]);
}

/** End (0x07): the stream is over. */
export function encodeEnd(): Buffer {
  return Buffer.from([RecordType.End]);
}

/** UpgradeResponse (0x0A): the server accepts the upgrade; its handshake follows at once. */
export function encodeUpgradeResponse(): Buffer {
  return Buffer.from([RecordType.UpgradeResponse]);
}

/** UpgradeRequest (0x09) for `protocol`, e.g. `application/ssl-tls`. */
export function encodeUpgradeRequest(protocol: string): Buffer {
  if (typeof protocol !== 'string') throw invalid('The upgrade protocol must be a string.');
  const bytes = Buffer.byteLength(protocol, 'utf8');
  const out = Buffer.allocUnsafe(stringRecordLength(bytes));
  writeStringRecord(out, 0, RecordType.UpgradeRequest, protocol, bytes);
  return out;
}

/** Fault (0x08) carrying the full fault URI, e.g. `FaultUri.EndpointNotFound`. */
export function encodeFault(faultUri: string): Buffer {
  if (typeof faultUri !== 'string' || faultUri.length === 0) {
    // [MC-NMF] 2.2.5: the size MUST NOT be 0.
    throw invalid('A fault needs a non-empty fault URI, such as FaultUri.EndpointNotFound.');
  }
  const bytes = Buffer.byteLength(faultUri, 'utf8');
  const out = Buffer.allocUnsafe(stringRecordLength(bytes));
  writeStringRecord(out, 0, RecordType.Fault, faultUri, bytes);
  return out;
}

/** SizedEnvelope (0x06): type, size, then a copy of the payload. */
export function encodeSizedEnvelope(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(1 + encodedSizeLength(payload.length) + payload.length);
  out[0] = RecordType.SizedEnvelope;
  const at = writeSize(out, 1, payload.length);
  out.set(payload, at);
  return out;
}

/**
 * Just the type and size of a SizedEnvelope of `size` bytes, to send before the payload with a
 * vectored write (`socket.cork()`/`writev`) without copying the payload.
 */
export function encodeSizedEnvelopeHeader(size: number): Buffer {
  const out = Buffer.allocUnsafe(1 + encodedSizeLength(size));
  out[0] = RecordType.SizedEnvelope;
  writeSize(out, 1, size);
  return out;
}

/**
 * The start of an UnsizedEnvelope sent as it is produced (streamed transfer): the record type, and
 * with it the size of the first data chunk when `firstChunkSize` is given. Each further chunk is
 * {@link encodeUnsizedChunkHeader} + its bytes; a single `0x00` ({@link encodeUnsizedEnvelopeEnd})
 * ends the envelope.
 */
export function encodeUnsizedEnvelopeStart(firstChunkSize?: number): Buffer {
  if (firstChunkSize === undefined) return Buffer.from([RecordType.UnsizedEnvelope]);
  checkChunkSize(firstChunkSize);
  const out = Buffer.allocUnsafe(1 + encodedSizeLength(firstChunkSize));
  out[0] = RecordType.UnsizedEnvelope;
  writeSize(out, 1, firstChunkSize);
  return out;
}

/** The size prefix of one data chunk of an UnsizedEnvelope ([MC-NMF] 2.2.3.4); zero is not a chunk. */
export function encodeUnsizedChunkHeader(size: number): Buffer {
  checkChunkSize(size);
  const out = Buffer.allocUnsafe(encodedSizeLength(size));
  writeSize(out, 0, size);
  return out;
}

/** The zero-size chunk that ends an UnsizedEnvelope. */
export function encodeUnsizedEnvelopeEnd(): Buffer {
  return Buffer.from([0]);
}

function checkChunkSize(size: number): void {
  if (!Number.isInteger(size) || size < 1) {
    throw new FramingError(
      FramingErrorCodes.INVALID_ARGUMENT,
      `A data chunk of an unsized envelope must hold at least one byte, got a size of ${String(size)}; a zero size would end the envelope.`,
    );
  }
}

/**
 * UnsizedEnvelope (0x05): each chunk as size + bytes, then the zero-size terminator. Empty chunks
 * are skipped, since a zero size would end the envelope early. The End record is separate
 * ({@link encodeEnd}); a WCF singleton server writes the envelope and End together.
 */
export function encodeUnsizedEnvelope(chunks: readonly Uint8Array[]): Buffer {
  let length = 2; // type byte + terminator
  for (const chunk of chunks) {
    if (chunk.length > 0) length += encodedSizeLength(chunk.length) + chunk.length;
  }
  const out = Buffer.allocUnsafe(length);
  out[0] = RecordType.UnsizedEnvelope;
  let at = 1;
  for (const chunk of chunks) {
    if (chunk.length === 0) continue;
    at = writeSize(out, at, chunk.length);
    out.set(chunk, at);
    at += chunk.length;
  }
  out[at] = 0;
  return out;
}

/** Encodes any record a {@link RecordDecoder} yields (mode-4 octets are written as they are). */
export function encodeRecord(record: FramingRecord): Buffer {
  switch (record.type) {
    case 'sized-envelope':
      return encodeSizedEnvelope(record.payload);
    case 'unsized-envelope':
      return encodeUnsizedEnvelope(record.chunks);
    case 'unsized-piece':
      // A piece of a streamed envelope, as one data chunk (the 0x05 before it is
      // encodeUnsizedEnvelopeStart()).
      return Buffer.concat([encodeUnsizedChunkHeader(record.payload.length), record.payload]);
    case 'unsized-end':
      return encodeUnsizedEnvelopeEnd();
    case 'octets':
      return Buffer.from(record.payload);
    case 'end':
      return encodeEnd();
    case 'fault':
      return encodeFault(record.uri);
    case 'preamble-ack':
      return encodePreambleAck();
    case 'upgrade-response':
      return encodeUpgradeResponse();
  }
}
