import { PortshareError } from '@portshare/framing';

/**
 * Every error code this package raises. Codes are stable API: match on `err.code`, never on the
 * message text. The package README's "Errors" table lists the same codes (a test keeps them equal).
 */
export const SoapErrorCodes = {
  /** The binary XML is not well formed: unknown record, truncated record, bad MB31, invalid UTF-8, unbalanced elements. */
  MALFORMED: 'SOAP_ERR_MALFORMED',
  /** A DictionaryString id names no static entry or no session string received so far. */
  UNDEFINED_DICTIONARY_ID: 'SOAP_ERR_UNDEFINED_DICTIONARY_ID',
  /** An element or attribute uses a prefix with no namespace declaration in scope. */
  UNDECLARED_PREFIX: 'SOAP_ERR_UNDECLARED_PREFIX',
  /** The [MC-NBFSE] StringTable at the start of a payload is malformed. */
  STRING_TABLE_INVALID: 'SOAP_ERR_STRING_TABLE_INVALID',
  /** An earlier StringTable error left the session dictionary unusable for the rest of the connection. */
  SESSION_FAULTED: 'SOAP_ERR_SESSION_FAULTED',
  /** The payload is larger than maxReceivedMessageSize. */
  MESSAGE_TOO_LARGE: 'SOAP_ERR_MESSAGE_TOO_LARGE',
  /**
   * On a streamed channel, a message's headers (everything before its Body) are larger than
   * maxBufferSize, the most WCF buffers of a streamed message.
   */
  BUFFER_QUOTA_EXCEEDED: 'SOAP_ERR_BUFFER_QUOTA_EXCEEDED',
  /** Elements are nested deeper than maxDepth. */
  MAX_DEPTH_EXCEEDED: 'SOAP_ERR_MAX_DEPTH_EXCEEDED',
  /** A string is longer than maxStringContentLength. */
  STRING_CONTENT_TOO_LONG: 'SOAP_ERR_STRING_CONTENT_TOO_LONG',
  /** An Array record or a byte array is longer than maxArrayLength. */
  ARRAY_TOO_LONG: 'SOAP_ERR_ARRAY_TOO_LONG',
  /** A start tag (element and attribute records) is larger than maxBytesPerRead. */
  BYTES_PER_READ_EXCEEDED: 'SOAP_ERR_BYTES_PER_READ_EXCEEDED',
  /** The literal names of one message hold more characters than maxNameTableCharCount. */
  NAME_TABLE_EXCEEDED: 'SOAP_ERR_NAME_TABLE_EXCEEDED',
  /** The peer's session strings add up to more than maxSessionSize bytes. */
  SESSION_SIZE_EXCEEDED: 'SOAP_ERR_SESSION_SIZE_EXCEEDED',
  /** The document is well-formed binary XML but not a SOAP 1.2 envelope this layer can use. */
  INVALID_ENVELOPE: 'SOAP_ERR_INVALID_ENVELOPE',
  /** A value cannot be written: out of range for its type, not a GUID, not a decimal, etc. */
  INVALID_VALUE: 'SOAP_ERR_INVALID_VALUE',
  /** A message body does not match the contract (missing part, wrong text for the type, etc.). */
  DESERIALIZATION_FAILED: 'SOAP_ERR_DESERIALIZATION_FAILED',
  /** A service or data contract definition is inconsistent. */
  INVALID_CONTRACT: 'SOAP_ERR_INVALID_CONTRACT',
  /** The service answered with a SOAP fault (thrown as FaultException). */
  FAULT: 'SOAP_ERR_FAULT',
  /** The channel ended while calls were waiting for replies, or a call was made after close. */
  CHANNEL_CLOSED: 'SOAP_ERR_CHANNEL_CLOSED',
  /** A call got no reply within operationTimeout. */
  TIMEOUT: 'SOAP_ERR_TIMEOUT',
  /** A reply arrived that matches no outstanding call. */
  UNEXPECTED_MESSAGE: 'SOAP_ERR_UNEXPECTED_MESSAGE',
  /** An `i:type` names no known type, or a value's type is not among the known types where it is written ([KnownType], [ServiceKnownType]). */
  UNKNOWN_TYPE: 'SOAP_ERR_UNKNOWN_TYPE',
  /** `portshare-soap import`: the WSDL or XSD uses a construct or type that contracts cannot express. */
  IMPORT_UNSUPPORTED: 'SOAP_ERR_IMPORT_UNSUPPORTED',
  /** `portshare-soap import`: a WSDL or XSD document could not be read (network, timeout, size limit, not XML, broken reference). */
  IMPORT_FAILED: 'SOAP_ERR_IMPORT_FAILED',
} as const;

export type SoapErrorCode = (typeof SoapErrorCodes)[keyof typeof SoapErrorCodes];

/** Base class of every error raised by @portshare/soap. */
export class SoapError extends PortshareError<SoapErrorCode> {}
