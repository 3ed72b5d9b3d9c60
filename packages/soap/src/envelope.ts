import { SoapError, SoapErrorCodes } from './errors.js';
import { isGuid } from './guid.js';
import { Addressing, Ns } from './namespaces.js';
import { type TextValue, textOf } from './text-value.js';
import { type XmlElement, type XmlNode, childElements, textValues } from './xml-node.js';

/** The WS-Addressing 1.0 headers this layer reads and writes (docs/protocol.md §10). */
export interface AddressingHeaders {
  readonly action: string;
  /** `urn:uuid:…` (written as a UniqueIdText record) or any other URI (written as text). */
  readonly messageId?: string;
  readonly relatesTo?: string;
  /** The ReplyTo address; requests use the anonymous address. */
  readonly replyTo?: string;
  readonly to?: string;
}

/** An envelope to write. */
export interface OutgoingEnvelope extends AddressingHeaders {
  /** Further header elements, written after the addressing headers. */
  readonly headers?: readonly XmlElement[];
  /** The Body's children. */
  readonly body: readonly XmlNode[];
}

/** A received envelope: the addressing headers found, plus every header and body element. */
export interface IncomingEnvelope {
  readonly action: string | undefined;
  readonly messageId: string | undefined;
  readonly relatesTo: string | undefined;
  readonly replyTo: string | undefined;
  readonly to: string | undefined;
  readonly headers: readonly XmlElement[];
  readonly body: readonly XmlElement[];
  /** The Envelope element itself (for namespace scoping of QName text such as fault codes). */
  readonly root: XmlElement;
  /** The Body element. */
  readonly bodyElement: XmlElement;
}

const MUST_UNDERSTAND = {
  prefix: 's',
  localName: 'mustUnderstand',
  nameDict: 'static',
  namespaceUri: Ns.soap12,
  value: { type: 'string', value: '1' },
} as const;

function header(localName: string, children: XmlNode[], mustUnderstand = false): XmlElement {
  return {
    kind: 'element',
    prefix: 'a',
    localName,
    nameDict: 'static',
    namespaceUri: Ns.addressing,
    attributes: mustUnderstand ? [MUST_UNDERSTAND] : [],
    namespaces: [],
    children,
  };
}

/** A URI as text: the static dictionary's anonymous address, otherwise a session string (.NET: ToDictionary). */
function uriText(uri: string): TextValue {
  return uri === Addressing.anonymous ? { type: 'string', value: uri, dict: 'static' } : { type: 'string', value: uri, dict: 'session' };
}

/** A UniqueId: `urn:uuid:<guid>` becomes a UniqueIdText record, anything else is text. */
function uniqueIdText(id: string): TextValue {
  const m = /^urn:uuid:(.*)$/i.exec(id);
  if (m && isGuid(m[1] as string)) return { type: 'uniqueId', value: (m[1] as string).toLowerCase() };
  return { type: 'string', value: id };
}

/** An element of the SOAP 1.2 vocabulary, `s:` prefix and static dictionary name, as ServiceModel writes them. */
export function soapElement(localName: string, children: readonly XmlNode[], extra: Partial<XmlElement> = {}): XmlElement {
  return {
    kind: 'element',
    prefix: 's',
    localName,
    nameDict: 'static',
    namespaceUri: Ns.soap12,
    attributes: [],
    namespaces: [],
    children,
    ...extra,
  };
}

/**
 * Builds an envelope in .NET's shape (docs/protocol.md §10; WCF's BinaryMessageEncoder.cs
 * MessagePatterns): `s:Envelope` with `xmlns:s`/`xmlns:a` from the static dictionary, headers in
 * the order Action, MessageID, RelatesTo, ReplyTo, To; Action and To carry `s:mustUnderstand="1"`;
 * the Action and a non-anonymous To are session dictionary strings.
 */
export function buildEnvelope(e: OutgoingEnvelope): XmlElement {
  const headers: XmlElement[] = [header('Action', [{ kind: 'text', value: { type: 'string', value: e.action, dict: 'session' } }], true)];
  if (e.messageId !== undefined) headers.push(header('MessageID', [{ kind: 'text', value: uniqueIdText(e.messageId) }]));
  if (e.relatesTo !== undefined) headers.push(header('RelatesTo', [{ kind: 'text', value: uniqueIdText(e.relatesTo) }]));
  if (e.replyTo !== undefined) headers.push(header('ReplyTo', [header('Address', [{ kind: 'text', value: uriText(e.replyTo) }])]));
  if (e.to !== undefined) headers.push(header('To', [{ kind: 'text', value: uriText(e.to) }], true));
  if (e.headers) headers.push(...e.headers);
  return soapElement('Envelope', [soapElement('Header', headers), soapElement('Body', e.body)], {
    namespaces: [
      { prefix: 's', uri: Ns.soap12, uriDict: 'static' },
      { prefix: 'a', uri: Ns.addressing, uriDict: 'static' },
    ],
  });
}

function invalidEnvelope(message: string): SoapError {
  return new SoapError(SoapErrorCodes.INVALID_ENVELOPE, message);
}

/** The text of a header (UniqueIdText is rendered as `urn:uuid:…`). */
function headerText(el: XmlElement): string {
  return textValues(el).map(textOf).join('').trim();
}

/**
 * Reads a SOAP 1.2 envelope. Accepts .NET's shape and Mono's (docs/protocol.md §12: literal
 * strings, no To on replies, no RelatesTo on faults, extra MessageID on one-way requests).
 */
/** SOAP 1.2 roles a header may name and still be this node's to process (part 1, 5.2.2). */
const OUR_ROLES = new Set([undefined, '', `${Ns.soap12}/role/next`, `${Ns.soap12}/role/ultimateReceiver`]);

/**
 * The first header this side must understand but does not: `mustUnderstand` true, targeted at
 * this node (no role, next or ultimateReceiver), and neither a WS-Addressing header nor one of the
 * request's message contract (the only headers this layer processes). WCF answers such a request with the MustUnderstand fault.
 */
export function notUnderstoodHeader(env: IncomingEnvelope, understood: (header: XmlElement) => boolean = () => false): XmlElement | undefined {
  for (const h of env.headers) {
    if (h.namespaceUri === Ns.addressing) continue;
    // A header of the request's message contract is understood: the operation reads it.
    if (understood(h)) continue;
    const attr = (name: string): string | undefined => {
      const a = h.attributes.find((x) => x.localName === name && x.namespaceUri === Ns.soap12);
      return a === undefined ? undefined : textOf(a.value).trim();
    };
    const must = attr('mustUnderstand');
    if (must !== '1' && must !== 'true') continue;
    if (!OUR_ROLES.has(attr('role'))) continue;
    return h;
  }
  return undefined;
}

export function parseEnvelope(nodes: readonly XmlNode[]): IncomingEnvelope {
  const roots = nodes.filter((n): n is XmlElement => n.kind === 'element');
  const root = roots[0];
  if (roots.length !== 1 || !root) {
    throw invalidEnvelope(`A message must hold exactly one root element (the SOAP Envelope); this one has ${roots.length}.`);
  }
  if (root.localName !== 'Envelope' || (root.namespaceUri !== Ns.soap12 && root.namespaceUri !== Ns.soap11)) {
    throw invalidEnvelope(`The root element is <${root.localName}> in '${root.namespaceUri}', not a SOAP Envelope. The peer is not sending SOAP.`);
  }
  if (root.namespaceUri === Ns.soap11) {
    // WCF's VersionMismatch case: net.tcp carries SOAP 1.2 only.
    throw invalidEnvelope('The envelope is SOAP 1.1, but net.tcp uses SOAP 1.2 (Soap12WSAddressing10). Configure the peer with the default NetTcpBinding message version.');
  }
  let headerEl: XmlElement | undefined;
  let bodyEl: XmlElement | undefined;
  for (const c of childElements(root)) {
    if (c.namespaceUri !== Ns.soap12) continue;
    if (c.localName === 'Header' && !headerEl && !bodyEl) headerEl = c;
    else if (c.localName === 'Body' && !bodyEl) bodyEl = c;
  }
  if (!bodyEl) throw invalidEnvelope('The SOAP Envelope has no Body. The peer sent an incomplete message.');
  const headers = headerEl ? childElements(headerEl) : [];
  let action: string | undefined;
  let messageId: string | undefined;
  let relatesTo: string | undefined;
  let replyTo: string | undefined;
  let to: string | undefined;
  for (const h of headers) {
    if (h.namespaceUri !== Ns.addressing) continue;
    switch (h.localName) {
      case 'Action':
        action = headerText(h);
        break;
      case 'MessageID':
        messageId = headerText(h);
        break;
      case 'RelatesTo':
        // WS-Addressing 1.0: RelationshipType defaults to reply; other relationships are not replies.
        if (!h.attributes.some((a) => a.localName === 'RelationshipType' && textOf(a.value) !== `${Ns.addressing}/reply`)) {
          relatesTo = headerText(h);
        }
        break;
      case 'ReplyTo': {
        const address = childElements(h).find((c) => c.localName === 'Address' && c.namespaceUri === Ns.addressing);
        replyTo = address ? headerText(address) : undefined;
        break;
      }
      case 'To':
        to = headerText(h);
        break;
    }
  }
  return { action, messageId, relatesTo, replyTo, to, headers, body: childElements(bodyEl), root, bodyElement: bodyEl };
}
