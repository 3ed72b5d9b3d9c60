/** Namespace URIs of the SOAP 1.2 / WS-Addressing 1.0 message version that net.tcp uses. */
export const Ns = {
  /** SOAP 1.2 envelope ([MC-NBFS] static id 4). */
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  /** SOAP 1.1 envelope (static id 962); only recognised to report a version mismatch. */
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  /** WS-Addressing 1.0 (static id 6). */
  addressing: 'http://www.w3.org/2005/08/addressing',
  /** XML Schema instance: `i:nil` (static id 882, but DataContractSerializer sends it as a session string). */
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  /** XML Schema: the `i:type` names of most primitives (`xs:int`, `xs:string`; PrimitiveDataContract.cs). */
  xs: 'http://www.w3.org/2001/XMLSchema',
  /** DataContractSerializer's own namespace: the `i:type` names of char, guid and duration (TimeSpan). */
  serialization: 'http://schemas.microsoft.com/2003/10/Serialization/',
  /** DataContractSerializer's namespace for arrays of primitives (`ArrayOfint` items are `int`). */
  serializationArrays: 'http://schemas.microsoft.com/2003/10/Serialization/Arrays',
  /** WCF dispatcher fault subcodes (InternalServiceFault, DeserializationFailed). */
  dispatcher: 'http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher',
} as const;

/** Well-known WS-Addressing values (docs/protocol.md §10). */
export const Addressing = {
  /** The anonymous reply address ([MC-NBFS] static id 20). */
  anonymous: 'http://www.w3.org/2005/08/addressing/anonymous',
  /** Default action of a SOAP fault (AddressingVersion.WSAddressing10 DefaultFaultAction). */
  soapFaultAction: 'http://www.w3.org/2005/08/addressing/soap/fault',
  /** Action of addressing faults such as ActionNotSupported. */
  addressingFaultAction: 'http://www.w3.org/2005/08/addressing/fault',
  /** Action of the fault WCF sends for an unhandled exception. */
  dispatcherFaultAction: 'http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher/fault',
} as const;
