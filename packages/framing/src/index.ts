/**
 * `@portshare/framing`: the .NET Message Framing ([MC-NMF]) codec used by net.tcp.
 *
 * Constants, the size encoding, a sans-I/O preamble decoder (what a port-sharing daemon reads), a
 * sans-I/O record decoder for everything after the preamble, encoders, and WCF's client-side fault
 * texts. Golden vectors and test helpers are in `@portshare/framing/testing`.
 *
 * @packageDocumentation
 */

export {
  FramingError,
  FramingErrorCodes,
  PortshareError,
  type FramingErrorCode,
  type FramingErrorOptions,
  type PortshareErrorOptions,
} from './errors.js';
export {
  DEFAULT_MAX_MESSAGE_SIZE,
  FAULT_NAMESPACE,
  FaultUri,
  FRAMING_VERSION,
  FramingLimits,
  KNOWN_ENCODING_CONTENT_TYPES,
  KnownEncoding,
  knownEncodingContentType,
  knownEncodingOf,
  Mode,
  NET_TCP_DEFAULT_PORT,
  RecordType,
  recordTypeName,
  UpgradeProtocol,
} from './records.js';
export {
  encodedSizeLength,
  encodeSize,
  MAX_ENCODED_SIZE_LENGTH,
  readSize,
  SizeDecoder,
  writeSize,
  type DecodedSize,
} from './size.js';
export { parseVia, type ParsedVia } from './via.js';
export {
  PreambleDecoder,
  type PreambleDecoderOptions,
  type PreambleEncoding,
  type PreambleStage,
} from './preamble-decoder.js';
export { RecordDecoder, type FramingRecord, type RecordDecoderOptions } from './record-decoder.js';
export {
  encodeEnd,
  encodeFault,
  encodePreamble,
  encodePreambleAck,
  encodePreambleEnd,
  encodeRecord,
  encodeSizedEnvelope,
  encodeSizedEnvelopeHeader,
  encodeUnsizedChunkHeader,
  encodeUnsizedEnvelope,
  encodeUnsizedEnvelopeEnd,
  encodeUnsizedEnvelopeStart,
  encodeUpgradeRequest,
  encodeUpgradeResponse,
  type PreambleOptions,
} from './encoder.js';
export { faultMessage, type FaultMessage } from './fault-messages.js';
