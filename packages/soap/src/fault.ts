import type { PortshareErrorOptions } from '@portshare/framing';
import { soapElement } from './envelope.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import { Addressing, Ns } from './namespaces.js';
import { PrefixScope, deserializeElement, serializeElement } from './serializer.js';
import { textOf } from './text-value.js';
import type { DataContract } from './types.js';
import { XML_NAMESPACE, type XmlElement, type XmlNode, childElements, getAttribute, textValues } from './xml-node.js';

/** A SOAP 1.2 fault code (a QName) with an optional subcode chain. */
export interface FaultCode {
  readonly name: string;
  readonly namespace: string;
  readonly subcode?: FaultCode;
}

/** The SOAP 1.2 top-level fault codes. */
export const FaultCodes = {
  sender: { name: 'Sender', namespace: Ns.soap12 },
  receiver: { name: 'Receiver', namespace: Ns.soap12 },
  mustUnderstand: { name: 'MustUnderstand', namespace: Ns.soap12 },
  versionMismatch: { name: 'VersionMismatch', namespace: Ns.soap12 },
  dataEncodingUnknown: { name: 'DataEncodingUnknown', namespace: Ns.soap12 },
} as const satisfies Record<string, FaultCode>;

/** A SOAP 1.2 fault as carried in a Body. */
export interface MessageFault {
  readonly code: FaultCode;
  readonly reason: string;
  /** The `xml:lang` of the reason text. */
  readonly lang: string;
  /** The Detail's first child element, if any. */
  readonly detail?: XmlElement;
}

export interface FaultExceptionOptions<TDetail> {
  /** Default `s:Sender`, as WCF's FaultException. */
  readonly code?: FaultCode;
  /** A typed detail ([FaultContract]); needs `detailType` unless the operation declares exactly one fault contract. */
  readonly detail?: TDetail;
  readonly detailType?: DataContract;
  /** The fault message's Action; default the fault contract's action, or `…/addressing/soap/fault`. */
  readonly action?: string;
  /** `xml:lang` of the reason; default the dispatcher's `faultLanguage` (`en-US`). */
  readonly lang?: string;
  /** The received Detail element (set by the client when a fault arrives). */
  readonly detailElement?: XmlElement;
  readonly cause?: unknown;
}

/**
 * A SOAP fault: thrown by a service implementation to send one, and thrown to a client's caller
 * when one arrives (WCF's FaultException / FaultException<T>). Its `code` is SOAP_ERR_FAULT; the
 * fault code itself is `faultCode`.
 */
export class FaultException<TDetail = unknown> extends SoapError {
  readonly reason: string;
  readonly faultCode: FaultCode;
  readonly detail: TDetail | undefined;
  readonly detailType: DataContract | undefined;
  readonly action: string | undefined;
  /** `xml:lang` of the reason; when undefined, the dispatcher uses its `faultLanguage` (default `en-US`). */
  readonly lang: string | undefined;
  readonly detailElement: XmlElement | undefined;

  constructor(reason: string, options: FaultExceptionOptions<TDetail> = {}) {
    const errOptions: PortshareErrorOptions = options.cause === undefined ? {} : { cause: options.cause };
    super(SoapErrorCodes.FAULT, reason, errOptions);
    this.reason = reason;
    this.faultCode = options.code ?? FaultCodes.sender;
    this.detail = options.detail;
    this.detailType = options.detailType;
    this.action = options.action;
    this.lang = options.lang;
    this.detailElement = options.detailElement;
  }
}

/**
 * `<s:Value>prefix:name</s:Value>`, the QName written as three text records as .NET's
 * XmlBaseWriter.WriteQualifiedName does (docs/protocol.md §11). A namespace with no prefix in scope
 * gets `xmlns:a` on the Value element (MessageFault.WriteFaultCode12Driver).
 */
function codeValue(code: FaultCode): XmlElement {
  const str = (value: string): XmlNode => ({ kind: 'text', value: { type: 'string', value } });
  if (code.namespace === '') return soapElement('Value', [str(code.name)]);
  if (code.namespace === Ns.soap12) return soapElement('Value', [str('s'), str(':'), str(code.name)]);
  if (code.namespace === Ns.addressing) return soapElement('Value', [str('a'), str(':'), str(code.name)]);
  return soapElement('Value', [str('a'), str(':'), str(code.name)], { namespaces: [{ prefix: 'a', uri: code.namespace }] });
}

function codeElement(localName: 'Code' | 'Subcode', code: FaultCode): XmlElement {
  const children: XmlNode[] = [codeValue(code)];
  if (code.subcode) children.push(codeElement('Subcode', code.subcode));
  return soapElement(localName, children);
}

/** The `s:Fault` element in .NET's SOAP 1.2 shape (WCF's MessageFault.cs WriteTo12Driver; docs/protocol.md §11). */
export function buildFault(f: MessageFault): XmlElement {
  const text = soapElement('Text', [{ kind: 'text', value: { type: 'string', value: f.reason } }], {
    attributes: [{ prefix: 'xml', localName: 'lang', namespaceUri: XML_NAMESPACE, value: { type: 'string', value: f.lang } }],
  });
  const children: XmlNode[] = [codeElement('Code', f.code), soapElement('Reason', [text])];
  if (f.detail) children.push(soapElement('Detail', [f.detail]));
  return soapElement('Fault', children);
}

/** The Detail element of a typed fault: `<Name xmlns="ns" xmlns:i="…">members</Name>`, as DataContractSerializer writes it. */
export function buildFaultDetail(detailType: DataContract, detail: unknown): XmlElement {
  const scope = new PrefixScope();
  scope.bind('', detailType.namespace);
  const el = serializeElement(detailType, detail, { prefix: '', localName: detailType.name, scope, root: true });
  return { ...el, namespaces: [{ prefix: '', uri: detailType.namespace, uriDict: 'session' }, ...el.namespaces] };
}

/** Reads a typed fault detail. */
export function readFaultDetail(detailType: DataContract, el: XmlElement): unknown {
  return deserializeElement(detailType, el, detailType.name);
}

/** True when the body is a SOAP 1.2 fault. */
export function isFaultBody(body: readonly XmlElement[]): boolean {
  const f = body[0];
  return f !== undefined && f.localName === 'Fault' && f.namespaceUri === Ns.soap12;
}

function resolveQName(qname: string, chain: readonly XmlElement[]): { name: string; namespace: string } {
  const colon = qname.indexOf(':');
  const prefix = colon < 0 ? '' : qname.slice(0, colon);
  const name = colon < 0 ? qname : qname.slice(colon + 1);
  if (prefix === 'xml') return { name, namespace: XML_NAMESPACE };
  for (let i = chain.length - 1; i >= 0; i--) {
    const d = (chain[i] as XmlElement).namespaces.find((n) => n.prefix === prefix);
    if (d) return { name, namespace: d.uri };
  }
  return { name, namespace: '' };
}

const SOAP12_CODES = new Set(['Sender', 'Receiver', 'MustUnderstand', 'VersionMismatch', 'DataEncodingUnknown']);

function readCode(codeEl: XmlElement, chain: readonly XmlElement[], top: boolean): FaultCode {
  const kids = childElements(codeEl).filter((c) => c.namespaceUri === Ns.soap12);
  const valueEl = kids.find((c) => c.localName === 'Value');
  if (!valueEl) throw new SoapError(SoapErrorCodes.INVALID_ENVELOPE, 'A SOAP fault Code has no Value. The peer sent an invalid fault.');
  // docs/protocol.md §13: the QName may arrive as several text records; concatenate them first.
  const q = textValues(valueEl).map(textOf).join('').trim();
  const resolved = resolveQName(q, [...chain, codeEl, valueEl]);
  const name = resolved.name;
  let namespace = resolved.namespace;
  // Mono writes the top-level code without a prefix ("Sender"); read it as the SOAP 1.2 code.
  if (top && namespace === '' && SOAP12_CODES.has(name)) namespace = Ns.soap12;
  const subEl = kids.find((c) => c.localName === 'Subcode');
  const code: FaultCode = { name, namespace };
  return subEl ? { ...code, subcode: readCode(subEl, [...chain, codeEl], false) } : code;
}

/** Reads the `s:Fault` of a body; `ancestors` are the Envelope and Body elements (for prefix scoping). */
export function parseFault(fault: XmlElement, ancestors: readonly XmlElement[]): MessageFault {
  const chain = [...ancestors, fault];
  const kids = childElements(fault).filter((c) => c.namespaceUri === Ns.soap12);
  const codeEl = kids.find((c) => c.localName === 'Code');
  if (!codeEl) throw new SoapError(SoapErrorCodes.INVALID_ENVELOPE, 'A SOAP fault has no Code. The peer sent an invalid fault.');
  const code = readCode(codeEl, chain, true);
  const reasonEl = kids.find((c) => c.localName === 'Reason');
  const textEl = reasonEl ? childElements(reasonEl).find((c) => c.localName === 'Text' && c.namespaceUri === Ns.soap12) : undefined;
  const reason = textEl ? textValues(textEl).map(textOf).join('') : '';
  const langAttr = textEl ? getAttribute(textEl, 'lang', XML_NAMESPACE) : undefined;
  const detailEl = kids.find((c) => c.localName === 'Detail');
  const detail = detailEl ? childElements(detailEl)[0] : undefined;
  const base = { code, reason, lang: langAttr ? textOf(langAttr.value) : '' };
  return detail ? { ...base, detail } : base;
}

/** The reason WCF sends for an unhandled exception when IncludeExceptionDetailInFaults is false (docs/protocol.md §11). */
export const INTERNAL_SERVICE_FAULT_REASON =
  'The server was unable to process the request due to an internal error.  For more information about the error, ' +
  'either turn on IncludeExceptionDetailInFaults (either from ServiceBehaviorAttribute or from the <serviceDebug> ' +
  'configuration behavior) on the server in order to send the exception information back to the client, or turn on ' +
  'tracing as per the Microsoft .NET Framework SDK documentation and inspect the server trace logs.';

/** WCF's fault of last resort (CoreWCF ErrorBehavior.ProvideFaultOfLastResort): Receiver / a:InternalServiceFault. */
export function internalServiceFault(lang = 'en-US'): { fault: MessageFault; action: string } {
  return {
    fault: {
      code: { ...FaultCodes.receiver, subcode: { name: 'InternalServiceFault', namespace: Ns.dispatcher } },
      reason: INTERNAL_SERVICE_FAULT_REASON,
      lang,
    },
    action: Addressing.dispatcherFaultAction,
  };
}

/** WCF's reply to a message whose Action no operation handles (EndpointDispatcher ContractFilter mismatch). */
export function actionNotSupportedFault(action: string, lang = 'en-US'): { fault: MessageFault; action: string } {
  return {
    fault: {
      code: { ...FaultCodes.sender, subcode: { name: 'ActionNotSupported', namespace: Ns.addressing } },
      reason:
        `The message with Action '${action}' cannot be processed at the receiver, due to a ContractFilter mismatch at the EndpointDispatcher. ` +
        'This may be because of either a contract mismatch (mismatched Actions between sender and receiver) or a binding/security mismatch ' +
        'between the sender and the receiver.  Check that sender and receiver have the same contract and the same binding (including security ' +
        'requirements, e.g. Message, Transport, None).',
      lang,
    },
    action: Addressing.addressingFaultAction,
  };
}

/**
 * WCF's reply to a request carrying a `mustUnderstand` header it does not process (SOAP 1.2
 * part 1, 5.4.8: code MustUnderstand, and a NotUnderstood header naming the header; the reason is
 * WCF's text).
 */
export function mustUnderstandFault(header: { localName: string; namespaceUri: string }, lang = 'en-US'): { fault: MessageFault; action: string; headers: XmlElement[] } {
  return {
    fault: {
      code: FaultCodes.mustUnderstand,
      reason:
        `The header '${header.localName}' from the namespace '${header.namespaceUri}' was not understood by the recipient of this message, ` +
        'causing the message to not be processed.  This error typically indicates that the sender of this message has enabled a communication ' +
        "protocol that the receiver cannot process.  Please ensure that the configuration of the client's binding is consistent with the service's binding.",
      lang,
    },
    action: Addressing.soapFaultAction,
    headers: [
      {
        kind: 'element',
        prefix: 's',
        localName: 'NotUnderstood',
        namespaceUri: Ns.soap12,
        // A header in no namespace is named without a prefix (an empty prefix binding is not XML).
        attributes: [
          { prefix: '', localName: 'qname', namespaceUri: '', value: { type: 'string', value: header.namespaceUri === '' ? header.localName : `h:${header.localName}` } },
        ],
        namespaces: header.namespaceUri === '' ? [] : [{ prefix: 'h', uri: header.namespaceUri }],
        children: [],
      },
    ],
  };
}

/** WCF's reply to a request body the operation formatter cannot read (Sender / a:DeserializationFailed). */
export function deserializationFailedFault(detail: string, lang = 'en-US'): { fault: MessageFault; action: string } {
  return {
    fault: {
      code: { ...FaultCodes.sender, subcode: { name: 'DeserializationFailed', namespace: Ns.dispatcher } },
      reason: `The formatter threw an exception while trying to deserialize the message: ${detail}`,
      lang,
    },
    action: Addressing.dispatcherFaultAction,
  };
}
