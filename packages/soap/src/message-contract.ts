/**
 * Message contracts (WCF's [MessageContract]): a type that is an operation's whole request or
 * reply message. Its [MessageHeader] members are SOAP header elements; its [MessageBodyMember]s
 * are the body, inside the contract's own wrapper element (not the operation's `<Op>` wrapper).
 * Names, namespaces and order follow WCF's TypeLoader.cs (CreateTypedMessageDescription,
 * CreateMessagePartDescription, CreateMessageHeaderDescription) and MessageContractAttribute.cs.
 *
 * @module
 */

import { assertNcName, assertTypeRef, defaultValue } from './data-contract.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import { Ns } from './namespaces.js';
import { PrefixScope, deserializeElement, serializeElement } from './serializer.js';
import type { TypeRef, ValueOf } from './types.js';
import { type XmlElement, childElements } from './xml-node.js';

/** Options of one [MessageHeader] member; a bare type stands for `{ type }`. */
export interface MessageHeaderOptions<T extends TypeRef = TypeRef> {
  readonly type: T;
  /** MessageHeader Name: the header element's name; default the property name. */
  readonly name?: string;
  /** MessageHeader Namespace; default the service contract's namespace. */
  readonly namespace?: string;
  /** MessageHeader MustUnderstand: written as `s:mustUnderstand="1"`. */
  readonly mustUnderstand?: boolean;
}

/** Options of one [MessageBodyMember]; a bare type stands for `{ type }`. */
export interface MessageBodyMemberOptions<T extends TypeRef = TypeRef> {
  readonly type: T;
  /** MessageBodyMember Name: the element's name; default the property name. */
  readonly name?: string;
  /** MessageBodyMember Namespace; default the service contract's namespace. */
  readonly namespace?: string;
  /** MessageBodyMember Order: members without one come first, then by order; ties by namespace, then name. */
  readonly order?: number;
}

export type MessageHeaderDef = TypeRef | MessageHeaderOptions;
export type MessageBodyMemberDef = TypeRef | MessageBodyMemberOptions;

/** What `defineMessageContract` takes. */
export interface MessageContractDefinition<H extends Record<string, MessageHeaderDef>, B extends Record<string, MessageBodyMemberDef>> {
  /** The C# type name: the default WrapperName (MessageContractAttribute.cs). */
  readonly name: string;
  /** MessageContract WrapperName; default `name`. */
  readonly wrapperName?: string;
  /** MessageContract WrapperNamespace; default the service contract's namespace. */
  readonly namespace?: string;
  /** MessageContract IsWrapped (default true). Unwrapped, the body members are the Body's children. */
  readonly wrapped?: boolean;
  /** The [MessageHeader] members. */
  readonly headers?: H;
  /** The [MessageBodyMember] members. */
  readonly body?: B;
}

/** One header or body member, resolved except for the namespace default. */
export interface MessagePart {
  /** The property name in TypeScript values. */
  readonly key: string;
  /** The element name on the wire. */
  readonly name: string;
  /** Undefined: the service contract's namespace, known once an operation uses the contract. */
  readonly namespace: string | undefined;
  readonly type: TypeRef;
  readonly order: number | undefined;
  readonly mustUnderstand: boolean;
}

/** A message contract ([MessageContract] class). Build it with `defineMessageContract`. */
export interface MessageContract<
  H extends Record<string, MessageHeaderDef> = Record<string, MessageHeaderDef>,
  B extends Record<string, MessageBodyMemberDef> = Record<string, MessageBodyMemberDef>,
> {
  readonly kind: 'messageContract';
  readonly name: string;
  readonly wrapperName: string;
  /** Undefined: the service contract's namespace. */
  readonly wrapperNamespace: string | undefined;
  readonly wrapped: boolean;
  readonly headers: readonly MessagePart[];
  readonly body: readonly MessagePart[];
  /** The definition as given (carries the member types for inference). */
  readonly definition: { readonly headers: H; readonly body: B };
}

type PartTypeOf<D> = D extends { readonly type: infer T } ? T : D;

/** The TypeScript object of a message contract: its headers' and body members' values, by property name. */
export type MessageObject<H, B> = {
  -readonly [K in keyof H | keyof B]: K extends keyof H ? ValueOf<PartTypeOf<H[K]>> : K extends keyof B ? ValueOf<PartTypeOf<B[K]>> : never;
};

/** The (non-null) object type of a message contract: `type TransferRequest = MessageOf<typeof TransferRequest>`. */
export type MessageOf<M> = M extends MessageContract<infer H, infer B> ? MessageObject<H, B> : never;

function contractError(message: string): SoapError {
  return new SoapError(SoapErrorCodes.INVALID_CONTRACT, message);
}

export function isMessageContract(t: unknown): t is MessageContract {
  return typeof t === 'object' && t !== null && (t as { kind?: unknown }).kind === 'messageContract';
}

/**
 * Declares a message contract, usable as an operation's only parameter and/or as its result.
 *
 * ```ts
 * // [MessageContract] class TransferRequest { [MessageHeader] Guid Id; [MessageBodyMember] decimal Amount; }
 * const TransferRequest = defineMessageContract({
 *   name: 'TransferRequest',
 *   headers: { Id: 'guid' },
 *   body: { Amount: 'decimal', Note: { type: 'string', order: 1 } },
 * });
 * ```
 */
export function defineMessageContract<
  const H extends Record<string, MessageHeaderDef> = Record<never, never>,
  const B extends Record<string, MessageBodyMemberDef> = Record<never, never>,
>(def: MessageContractDefinition<H, B>): MessageContract<H, B> {
  assertNcName(def.name, 'The message contract name');
  const wrapperName = def.wrapperName ?? def.name;
  assertNcName(wrapperName, `The wrapperName of message contract '${def.name}'`);
  const wrapped = def.wrapped ?? true;
  const headersDef = (def.headers ?? {}) as H;
  const bodyDef = (def.body ?? {}) as B;
  const headers = Object.entries(headersDef).map(([key, d]) => resolvePart(def.name, 'header', key, d));
  const body = Object.entries(bodyDef).map(([key, d]) => resolvePart(def.name, 'body member', key, d));
  const keys = new Set<string>();
  for (const p of [...headers, ...body]) {
    // The TypeScript value is one flat object of headers and body members.
    if (keys.has(p.key)) throw contractError(`Message contract '${def.name}' has a header and a body member both called '${p.key}'. Give each its own key (and \`name\` for the wire).`);
    keys.add(p.key);
  }
  return {
    kind: 'messageContract',
    name: def.name,
    wrapperName,
    wrapperNamespace: def.namespace,
    wrapped,
    headers,
    body,
    definition: { headers: headersDef, body: bodyDef },
  };
}

function resolvePart(contract: string, what: 'header' | 'body member', key: string, d: MessageHeaderDef | MessageBodyMemberDef): MessagePart {
  const opts: MessageHeaderOptions & MessageBodyMemberOptions = typeof d === 'object' && d !== null && 'type' in d ? d : { type: d };
  assertTypeRef(opts.type, `${what} '${key}' of message contract '${contract}'`);
  const name = opts.name ?? key;
  assertNcName(name, `The ${what} name of '${contract}.${key}'`);
  if (opts.order !== undefined && !Number.isInteger(opts.order)) throw contractError(`The order of '${contract}.${key}' is ${opts.order}; it must be a whole number.`);
  return { key, name, namespace: opts.namespace, type: opts.type, order: what === 'header' ? undefined : opts.order, mustUnderstand: what === 'header' && opts.mustUnderstand === true };
}

/** A message contract as one operation of a service contract uses it: every namespace known, parts in wire order. */
export interface BoundMessageContract {
  readonly contract: MessageContract;
  readonly wrapped: boolean;
  readonly wrapperName: string;
  readonly wrapperNamespace: string;
  readonly headers: readonly (MessagePart & { readonly namespace: string })[];
  readonly body: readonly (MessagePart & { readonly namespace: string })[];
}

/**
 * TypeLoader.cs AddSortedParts with MessagePartDescription's comparison: SerializationPosition
 * (the Order, -1 when none is given, and always -1 for headers), then namespace, then name, both
 * ordinal.
 */
function comparePart(a: MessagePart & { namespace: string }, b: MessagePart & { namespace: string }): number {
  const oa = a.order ?? -1;
  const ob = b.order ?? -1;
  if (oa !== ob) return oa - ob;
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Binds `mc` to the service contract namespace `defaultNs` (TypeLoader.cs passes the contract's
 * namespace as every part's and the wrapper's default), for the operation `where`.
 */
export function bindMessageContract(mc: MessageContract, defaultNs: string, where: string): BoundMessageContract {
  const bind = (p: MessagePart): MessagePart & { namespace: string } => ({ ...p, namespace: p.namespace ?? defaultNs });
  const headers = mc.headers.map(bind).sort(comparePart);
  const body = mc.body.map(bind).sort(comparePart);
  const seen = new Set<string>();
  for (const p of [...headers, ...body]) {
    // TypeLoader.cs: SFxDuplicateMessageParts.
    const qname = `{${p.namespace}}${p.name}`;
    if (seen.has(qname)) throw contractError(`Message contract '${mc.name}' (in ${where}) has two parts named '${p.name}' in '${p.namespace}'. Give each header and body member its own name.`);
    seen.add(qname);
  }
  if (!mc.wrapped && body.length > 1) {
    // Unwrapped bodies with several parts are rare in practice and would need a body of several
    // root elements here; WCF's own guidance (MessageContractAttribute.IsWrapped) is to keep them wrapped.
    throw contractError(`Message contract '${mc.name}' (in ${where}) is not wrapped but has ${body.length} body members. Unwrapped message contracts may have at most one body member; set wrapped: true.`);
  }
  return { contract: mc, wrapped: mc.wrapped, wrapperName: mc.wrapperName, wrapperNamespace: mc.wrapperNamespace ?? defaultNs, headers, body };
}

// --- Writing -------------------------------------------------------------------------------------

/**
 * A message as the operation formatter makes it: the headers a message contract adds to the
 * envelope's Header (after the addressing headers, as WCF adds them to Message.Headers), and the
 * Body's elements (one wrapper, several unwrapped members, or none).
 */
export interface MessageParts {
  readonly headers: readonly XmlElement[];
  readonly body: readonly XmlElement[];
}

/** `type` as one element `name` in `ns`, declaring `ns` as the default namespace unless `parent` has it so already. */
function partElement(type: TypeRef, value: unknown, name: string, ns: string, parent: PrefixScope | undefined, where: string): XmlElement {
  const declared = parent?.namespaceOf('') === ns;
  const scope = new PrefixScope(parent);
  if (!declared) scope.bind('', ns);
  const el = serializeElement(type, value, { prefix: '', localName: name, scope, root: true, path: where });
  return declared ? el : { ...el, namespaces: [{ prefix: '', uri: ns, uriDict: 'session' }, ...el.namespaces] };
}

const MUST_UNDERSTAND = { prefix: 's', localName: 'mustUnderstand', nameDict: 'static', namespaceUri: Ns.soap12, value: { type: 'string', value: '1' } } as const;

function messageValues(mc: BoundMessageContract, value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) {
    const keys = [...mc.headers, ...mc.body].map((p) => p.key).join(', ');
    throw new SoapError(SoapErrorCodes.INVALID_VALUE, `${where} is the message contract '${mc.contract.name}', so its value is an object { ${keys} }, not ${value === null ? 'null' : typeof value}.`);
  }
  return value as Record<string, unknown>;
}

/**
 * The parts of a message of message contract `mc` holding `value`. Headers are written as
 * DataContractSerializerOperationFormatter.cs SerializeHeaders writes them: each a root element in
 * its namespace (with `s:mustUnderstand="1"` when declared). Without `mc` (the operation's other
 * message is a message contract and this one is void) the message is empty: WCF clears its
 * wrapper (TypeLoader.cs CreateOperationDescription).
 */
export function buildMessageParts(mc: BoundMessageContract | undefined, value: unknown, where: string): MessageParts {
  if (mc === undefined) return { headers: [], body: [] };
  const values = messageValues(mc, value, where);
  const headers = mc.headers.map((p) => {
    const el = partElement(p.type, values[p.key], p.name, p.namespace, undefined, `${where}.${p.key}`);
    return p.mustUnderstand ? { ...el, attributes: [MUST_UNDERSTAND, ...el.attributes] } : el;
  });
  if (!mc.wrapped) {
    return { headers, body: mc.body.map((p) => partElement(p.type, values[p.key], p.name, p.namespace, undefined, `${where}.${p.key}`)) };
  }
  const scope = new PrefixScope();
  scope.bind('', mc.wrapperNamespace);
  const wrapper: XmlElement = {
    kind: 'element',
    prefix: '',
    localName: mc.wrapperName,
    nameDict: 'session',
    namespaceUri: mc.wrapperNamespace,
    attributes: [],
    namespaces: [{ prefix: '', uri: mc.wrapperNamespace, uriDict: 'session' }],
    children: mc.body.map((p) => partElement(p.type, values[p.key], p.name, p.namespace, scope, `${where}.${p.key}`)),
  };
  return { headers, body: [wrapper] };
}

// --- Reading -------------------------------------------------------------------------------------

function find(elements: readonly XmlElement[], name: string, ns: string): XmlElement | undefined {
  return elements.find((e) => e.localName === name && e.namespaceUri === ns);
}

/**
 * The value of a message of message contract `mc`: headers picked from the envelope's Header by
 * name and namespace, body members from the contract's wrapper (or the Body, unwrapped). A missing
 * header or member reads as its default value, as WCF leaves the field unset.
 */
export function parseMessageBody(mc: BoundMessageContract, body: readonly XmlElement[], headers: readonly XmlElement[]): Record<string, unknown> {
  const hs = headers;
  let parts: readonly XmlElement[] = body;
  if (mc.wrapped) {
    const w = find(body, mc.wrapperName, mc.wrapperNamespace);
    if (w === undefined) {
      const first = body[0];
      const found = first ? `<${first.localName}> in '${first.namespaceUri}'` : 'an empty body';
      throw new SoapError(
        SoapErrorCodes.DESERIALIZATION_FAILED,
        `Expected the message contract wrapper <${mc.wrapperName}> in '${mc.wrapperNamespace}' but found ${found}. Sender and receiver use different contracts.`,
      );
    }
    parts = childElements(w);
  }
  const read = (p: BoundMessageContract['body'][number], from: readonly XmlElement[]): readonly [string, unknown] => {
    const el = find(from, p.name, p.namespace);
    return [p.key, el === undefined ? defaultValue(p.type) : deserializeElement(p.type, el, p.key)];
  };
  // fromEntries defines own properties, so a member named like an Object.prototype member stays a value.
  return Object.fromEntries([...mc.headers.map((p) => read(p, hs)), ...mc.body.map((p) => read(p, parts))]);
}

// --- mustUnderstand ------------------------------------------------------------------------------

/** True if `header` is one of `mc`'s headers: the operation reads it, so a mustUnderstand one is understood. */
export function declaresHeader(mc: BoundMessageContract | undefined, header: XmlElement): boolean {
  return mc !== undefined && mc.headers.some((h) => h.name === header.localName && h.namespace === header.namespaceUri);
}
