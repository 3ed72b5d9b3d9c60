/**
 * The namespaces of WCF's published metadata (WsdlExporter.cs, XsdDataContractExporter.cs in
 * .NET's System.ServiceModel and System.Runtime.Serialization).
 *
 * @module
 */

export const Xmlns = {
  /** WSDL 1.1 §A.2. */
  wsdl: 'http://schemas.xmlsoap.org/wsdl/',
  /** WSDL 1.1 §3 SOAP 1.1 binding (soap:header, soap:body). */
  wsdlSoap: 'http://schemas.xmlsoap.org/wsdl/soap/',
  /** The WSDL 1.1 binding for SOAP 1.2 (soap12:header, soap12:body), as WCF writes it for NetTcpBinding. */
  wsdlSoap12: 'http://schemas.xmlsoap.org/wsdl/soap12/',
  /** XML Schema 1.0. */
  xsd: 'http://www.w3.org/2001/XMLSchema',
  /** WS-Addressing 1.0 – Metadata / the 2006 WSDL binding: wsaw:Action on wsdl:input and wsdl:output. */
  wsaw: 'http://www.w3.org/2006/05/addressing/wsdl',
  /** WS-Addressing 1.0 – Metadata (the W3C Recommendation's namespace, also used for wsam:Action). */
  wsam: 'http://www.w3.org/2007/05/addressing/metadata',
  /** DataContractSerializer's own types (guid, char, duration) and annotations (EnumerationValue, IsDictionary). */
  ser: 'http://schemas.microsoft.com/2003/10/Serialization/',
  /** Arrays and dictionaries of primitives (ArrayOfint, ArrayOfKeyValueOfstringint). */
  arrays: 'http://schemas.microsoft.com/2003/10/Serialization/Arrays',
  /** The System namespace data contracts (DateTimeOffset). */
  system: 'http://schemas.datacontract.org/2004/07/System',
} as const;
