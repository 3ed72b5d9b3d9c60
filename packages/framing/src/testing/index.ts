/**
 * `@portshare/framing/testing`: golden vectors, chunking helpers, decoder drivers and a pcap
 * writer, shared by the tests of every package that speaks [MC-NMF].
 *
 * @packageDocumentation
 */

export { MONO_CALCULATOR_SEGMENTS, type CaptureSegment } from './capture.js';
export { writePcap, type PcapOptions, type PcapSegment } from './pcap.js';
export { normalizeRecords, runPreamble, runRecords, type DecodeRun } from './run.js';
export { chunkRandomly, oneByteAtATime, seededRandom, splitEverywhere, type Random } from './split.js';
export {
  bytes,
  errorVectors,
  MONO_CALCULATOR_CLIENT_SEGMENTS,
  MONO_CALCULATOR_SERVER_SEGMENTS,
  monoCalculatorPreamble,
  preambleVectors,
  recordVectors,
  SAMPLE_VIA,
  utf8,
  type ErrorVector,
  type PreambleVector,
  type RecordVector,
} from './vectors.js';
