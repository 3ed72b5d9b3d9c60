// @portshare/soap: the WCF message layer for net.tcp: data and service contracts, a dispatcher and
// a client, and the message encoders they run on. Lower levels have subpaths of their own:
// `@portshare/soap/message` (SOAP 1.2 envelopes with WS-Addressing 1.0, the operation formatter,
// faults), `@portshare/soap/xml` (binary XML: [MC-NBFX], [MC-NBFS], [MC-NBFSE]) and
// `@portshare/soap/import` (contracts from WSDL, as `portshare-soap import`).

// Errors
export { SoapError, SoapErrorCodes, type SoapErrorCode } from './errors.js';

// Session channel seam (implemented by the net.tcp session layer)
export type { ChannelSecurity, MessageChannel } from './channel.js';
export { OperationContext, type SessionDescription } from './operation-context.js';

// Contracts and values
export {
  defineContract,
  defaultAction,
  type ClientProxy,
  type ContractDefinition,
  type FaultDescription,
  type OperationDefinition,
  type OperationDescription,
  type ParamDefinition,
  type ParamDirection,
  type ParamOptions,
  type PartType,
  type ServiceContract,
  type ServiceImplementation,
  type SessionMode,
} from './contract.js';
export { defineDataContract, type DataContractDefinition } from './data-contract.js';
export {
  defineMessageContract,
  type MessageBodyMemberDef,
  type MessageBodyMemberOptions,
  type MessageContract,
  type MessageContractDefinition,
  type MessageHeaderDef,
  type MessageHeaderOptions,
  type MessageObject,
  type MessageOf,
  type MessagePart,
} from './message-contract.js';
export { Typed, contractOf, typed, type TypedFunction, type TypedInput, type TypedOutput } from './known-types.js';
export { defineEnum, type EnumDefinition } from './enum-contract.js';
export { defineCollectionContract, type CollectionContractDefinition, type DictionaryContractDefinition } from './collection-contract.js';
export { DateTimeOffset } from './date-time-offset.js';
export {
  arrayOf,
  dictionaryOf,
  nullable,
  PrimitiveTypes,
  withKnownTypes,
  type ArrayType,
  type CollectionNames,
  type DataContract,
  type DataMember,
  type DataObject,
  type DictionaryNames,
  type DictionaryType,
  type EnumMember,
  type EnumType,
  type NullableType,
  type InstanceOf,
  type KnownTypesList,
  type KnownTypesScope,
  type MemberDef,
  type ObjectValue,
  type MemberOptions,
  type PrimitiveType,
  type QualifiedName,
  type TypeRef,
  type ValueOf,
} from './types.js';
export { DateTimeKind, NetDateTime } from './date-time.js';
export { TimeSpan } from './time-span.js';

// Service and client
export {
  ServiceDispatcher,
  implement,
  implementPerSession,
  type DispatchErrorContext,
  type ServiceDispatcherOptions,
  type ServiceEndpoint,
  type ServeOptions,
} from './dispatcher.js';
export { createClient, type CallbackImplementation, type ClientOptions } from './client.js';
export {
  FaultCodes,
  FaultException,
  INTERNAL_SERVICE_FAULT_REASON,
  type FaultCode,
  type FaultExceptionOptions,
  type MessageFault,
} from './fault.js';

// Message level
export { BinaryMessageEncoder, BinarySessionEncoder, type BinarySessionEncoderOptions, type MessageEncoder } from './message-encoder.js';
export { TEXT_SOAP12_CONTENT_TYPE, TextMessageEncoder, type TextMessageEncoderOptions } from './text-encoder.js';
export { BINARY_CONTENT_TYPE, BINARY_SESSION_CONTENT_TYPE, SUPPORTED_CONTENT_TYPES } from './encoding.js';
export { DEFAULT_READER_QUOTAS, type ReaderQuotas } from './quotas.js';
