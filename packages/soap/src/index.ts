// @portshare/soap: the WCF message layer for net.tcp. Binary XML ([MC-NBFX], [MC-NBFS], [MC-NBFSE]),
// SOAP 1.2 envelopes with WS-Addressing 1.0, data and service contracts, a dispatcher and a client.

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
export { DEFAULT_READER_QUOTAS, type ReaderQuotas } from './quotas.js';

// Binary XML
export { readNbfx, type NbfxReadOptions } from './nbfx-reader.js';
export { writeNbfx, type NbfxWriteOptions } from './nbfx-writer.js';
export { SessionDictionary, encodeStringTable, type SessionDictionaryOptions } from './session-dictionary.js';
export { StaticIds, staticDictionaryId, staticDictionaryString } from './dictionary.js';
export { STATIC_DICTIONARY_SIZE } from './static-dictionary.js';
export { type DictKind, type TextValue, textOf } from './text-value.js';
export {
  XML_NAMESPACE,
  childElements,
  element,
  getAttribute,
  text,
  textContent,
  textValues,
  type ElementInit,
  type XmlArray,
  type XmlArrayValues,
  type XmlAttribute,
  type XmlComment,
  type XmlElement,
  type XmlNode,
  type XmlText,
  type XmlnsDeclaration,
} from './xml-node.js';
export { toXmlString } from './xml-text.js';

// WSDL import (`portshare-soap import`)
export { generateFromDocuments, importWsdl, type ImportOptions, type ImportResult } from './import/import-wsdl.js';
export { loadDocuments, type LoadedDocument, type LoadOptions } from './import/loader.js';
