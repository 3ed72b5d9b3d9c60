/**
 * Drivers that push chunks through the decoders the way a connection handler would, for tests.
 *
 * @module
 */

import type { FramingRecord, RecordDecoder } from '../record-decoder.js';
import type { PreambleDecoder } from '../preamble-decoder.js';

/** What a decoder made of a list of chunks. */
export interface DecodeRun<T> {
  /** What was decoded. */
  result: T;
  /** Bytes consumed over all chunks. */
  consumed: number;
  /** Bytes left over after the decoder stopped (the next layer's), concatenated. */
  rest: Buffer;
}

/**
 * Feeds `chunks` to a PreambleDecoder until it completes or stops at an UpgradeRequest. With
 * `resumeUpgrades`, it resumes after each UpgradeRequest and reads on (treating the following bytes
 * as the upgraded stream's plaintext).
 */
export function runPreamble(
  decoder: PreambleDecoder,
  chunks: readonly Uint8Array[],
  resumeUpgrades = false,
): DecodeRun<PreambleDecoder> {
  let consumed = 0;
  const rest: Buffer[] = [];
  for (const chunk of chunks) {
    let at = 0;
    for (;;) {
      at += decoder.decode(chunk.subarray(at));
      if (at < chunk.length && resumeUpgrades && decoder.stage === 'upgrade-requested') {
        decoder.resumeAfterUpgrade();
        continue;
      }
      break;
    }
    consumed += at;
    if (at < chunk.length) rest.push(Buffer.from(chunk.subarray(at)));
  }
  return { result: decoder, consumed, rest: Buffer.concat(rest) };
}

/**
 * Feeds `chunks` to a RecordDecoder and collects the records until End. It resumes after each
 * UpgradeResponse (treating the following bytes as the upgraded stream's plaintext) and reads on
 * after a Fault.
 */
export function runRecords(decoder: RecordDecoder, chunks: readonly Uint8Array[]): DecodeRun<FramingRecord[]> {
  const records: FramingRecord[] = [];
  const onRecord = (record: FramingRecord): void => {
    records.push(record);
  };
  let consumed = 0;
  const rest: Buffer[] = [];
  for (const chunk of chunks) {
    let at = 0;
    if (!decoder.ended) {
      while (at < chunk.length) {
        const taken = decoder.decode(chunk.subarray(at), onRecord);
        at += taken;
        if (decoder.ended) break;
        if (decoder.upgradePending) decoder.resumeAfterUpgrade();
        else if (taken === 0) break;
      }
    }
    consumed += at;
    if (at < chunk.length) rest.push(Buffer.from(chunk.subarray(at)));
  }
  return { result: records, consumed, rest: Buffer.concat(rest) };
}

/**
 * Records in a form that does not depend on chunking: consecutive mode-4 `octets` pieces are
 * merged, and payloads are copied out of the input chunks.
 */
export function normalizeRecords(records: readonly FramingRecord[]): FramingRecord[] {
  const out: FramingRecord[] = [];
  for (const record of records) {
    const last = out.at(-1);
    if (record.type === 'octets') {
      if (last?.type === 'octets') {
        out[out.length - 1] = { type: 'octets', payload: Buffer.concat([last.payload, record.payload]) };
      } else {
        out.push({ type: 'octets', payload: Buffer.from(record.payload) });
      }
    } else if (record.type === 'sized-envelope') {
      out.push({ type: 'sized-envelope', payload: Buffer.from(record.payload) });
    } else if (record.type === 'unsized-envelope') {
      out.push({ type: 'unsized-envelope', chunks: record.chunks.map((chunk) => Buffer.from(chunk)) });
    } else {
      out.push(record);
    }
  }
  return out;
}
