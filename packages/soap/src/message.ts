// `@portshare/soap/message`: the message level under the contracts — SOAP 1.2 envelopes with
// WS-Addressing 1.0, the operation formatter's bodies and messages, faults, and the namespaces.
// For tools and tests that read or write messages themselves; services and clients need only the root.
export {
  buildEnvelope,
  parseEnvelope,
  type AddressingHeaders,
  type IncomingEnvelope,
  type OutgoingEnvelope,
} from './envelope.js';
export { buildFault, parseFault } from './fault.js';
export { buildReplyBody, buildReplyMessage, buildRequestBody, buildRequestMessage, parseReplyBody, parseRequestBody } from './operation-formatter.js';
export type { MessageParts } from './message-contract.js';
export { Addressing, Ns } from './namespaces.js';
