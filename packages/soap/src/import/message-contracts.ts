/**
 * Message contracts ([MessageContract]) from WSDL, as .NET's MessageContractExporter.cs and
 * DataContractSerializerMessageContractExporter.cs write them:
 *
 * - the wsdl:message is named after the class (TypeLoader.cs gives a typed message its type name);
 * - a wrapped body is one part, `parameters`, whose element is the wrapper (WrapperName in
 *   WrapperNamespace, ExportWrappedPart) with an anonymous sequence of the body members in wire
 *   order; a member in another namespace than the wrapper's is a `ref` to a global element of its
 *   own namespace (ExportLocalElement);
 * - an unwrapped body is one part per body member, each a global element (ExportGlobalElement);
 * - the headers are the parts of a second message, `{Message}_Headers`, each a global element,
 *   named by `soap:header` / `soap12:header` in the wsdl:binding's input or output (WSDL 1.1 §3.7,
 *   MessageBindingExporter.ExportMessageHeaderBinding).
 *
 * The metadata does not carry MessageHeader MustUnderstand, Actor or Relay, nor the C# member names
 * (the element names stand for them).
 *
 * @module
 */

import type { MessageContractModel, MessagePartModel, TypeModel } from './model.js';
import type { Component, SchemaIndex } from './schema-index.js';
import { unsupported, type TypeMapper } from './type-mapper.js';
import { childNamed, childrenNamed, importFailed, qnameKey, resolveQName, type QName, type XmlElementNode } from './xml-tree.js';
import { Xmlns } from './xml-names.js';

/** What a wsdl:input or wsdl:output says about its message, with the headers its bindings add. */
export interface MessageRead {
  /** `input` or `output`. */
  readonly direction: string;
  /** The wsdl:message's expanded name. */
  readonly name: QName;
  /** Its parts (wsdl:part). */
  readonly parts: readonly XmlElementNode[];
  /** The global element declarations of its soap:header bindings, in binding order. */
  readonly headers: readonly { readonly element: QName; readonly node: XmlElementNode }[];
}

/** Reads the message of `io` (a portType's wsdl:input or wsdl:output) and the headers bound to it. */
export function readMessage(io: XmlElementNode, portType: Component, operation: string, index: SchemaIndex, where: string): MessageRead {
  const messageName = io.attrs.get('message');
  if (messageName === undefined) throw importFailed(`The ${io.local} of ${where} names no message.`);
  const name = resolveQName(io, messageName, where);
  const message = index.message(name);
  if (message === undefined) throw importFailed(`The ${io.local} of ${where} names the message '${messageName}', which no WSDL document defines.`);
  return { direction: io.local, name, parts: childrenNamed(message.node, Xmlns.wsdl, 'part'), headers: boundHeaders(io.local, portType, operation, index, where) };
}

/** The soap:header (and soap12:header) elements of every binding of `portType` for this operation's input or output. */
function boundHeaders(direction: string, portType: Component, operation: string, index: SchemaIndex, where: string): MessageRead['headers'] {
  const portTypeKey = qnameKey({ ns: portType.namespace, local: portType.node.attrs.get('name') ?? '' });
  const found = new Map<string, { element: QName; node: XmlElementNode }>();
  for (const binding of index.bindings) {
    const type = binding.node.attrs.get('type');
    if (type === undefined || qnameKey(resolveQName(binding.node, type, 'a wsdl:binding')) !== portTypeKey) continue;
    const op = childrenNamed(binding.node, Xmlns.wsdl, 'operation').find((o) => o.attrs.get('name') === operation);
    const io = op === undefined ? undefined : childNamed(op, Xmlns.wsdl, direction);
    if (io === undefined) continue;
    for (const header of io.children.filter((c) => (c.ns === Xmlns.wsdlSoap || c.ns === Xmlns.wsdlSoap12) && c.local === 'header')) {
      const h = headerElement(header, index, where);
      found.set(qnameKey(h.element), h);
    }
  }
  return [...found.values()];
}

function headerElement(header: XmlElementNode, index: SchemaIndex, where: string): { element: QName; node: XmlElementNode } {
  if (header.attrs.get('use') === 'encoded') {
    throw unsupported(`A SOAP header of ${where} is SOAP-encoded (use="encoded")`, 'only literal headers, as DataContractSerializer writes them, are imported; declare the operation by hand');
  }
  const messageName = header.attrs.get('message') ?? '';
  const partName = header.attrs.get('part') ?? '';
  const message = index.message(resolveQName(header, messageName, where));
  const part = message === undefined ? undefined : childrenNamed(message.node, Xmlns.wsdl, 'part').find((p) => p.attrs.get('name') === partName);
  if (part === undefined) throw importFailed(`A soap:header of ${where} names the part '${partName}' of the message '${messageName}', which no WSDL document defines.`);
  const elementName = part.attrs.get('element');
  if (elementName === undefined) {
    throw unsupported(`The header '${partName}' of ${where} is a type, not an element`, 'only headers declared as elements, as WCF writes them, are imported; declare the operation by hand');
  }
  const element = resolveQName(part, elementName, where);
  const node = index.element(element)?.node;
  if (node === undefined) throw importFailed(`The header '${partName}' of ${where} is the element '${element.local}' (namespace '${element.ns}'), which no schema defines.`);
  return { element, node };
}

/**
 * The single element part of a message when that element declares its type inline: a wrapper, as
 * WCF writes every wrapped body (the `parameters` part, ExportWrappedPart). An unwrapped body
 * member's element always names its type.
 */
export function wrapperElementOf(read: MessageRead, index: SchemaIndex, where: string): { readonly element: QName; readonly node: XmlElementNode } | undefined {
  const [part, ...more] = read.parts;
  const elementName = part?.attrs.get('element');
  if (part === undefined || more.length > 0 || elementName === undefined) return undefined;
  const element = resolveQName(part, elementName, where);
  const node = index.element(element)?.node;
  if (node === undefined) throw importFailed(`The ${read.direction} message of ${where} uses the element '${element.local}' (namespace '${element.ns}'), which no schema defines.`);
  return node.attrs.has('type') || childNamed(node, Xmlns.xsd, 'complexType') === undefined ? undefined : { element, node };
}

/** Builds (once per message and service contract) the message contract models the operations use. */
export class MessageContractMapper {
  readonly #index: SchemaIndex;
  readonly #types: TypeMapper;
  readonly #models = new Map<string, MessageContractModel>();

  constructor(index: SchemaIndex, types: TypeMapper) {
    this.#index = index;
    this.#types = types;
  }

  /** The message contracts mapped so far, in the order first used. */
  get messageContracts(): readonly MessageContractModel[] {
    return [...this.#models.values()];
  }

  /** The message contract of `read`, bound to the service contract namespace `contractNs`. */
  map(read: MessageRead, contractNs: string, where: string): MessageContractModel {
    const key = `${qnameKey(read.name)} ${contractNs}`;
    const done = this.#models.get(key);
    if (done !== undefined) return done;
    const model = this.#build(read, contractNs, key, where);
    this.#models.set(key, model);
    return model;
  }

  #build(read: MessageRead, contractNs: string, key: string, where: string): MessageContractModel {
    const name = read.name.local;
    const keys = new Set<string>();
    const headers = read.headers.map((h) => this.#part(h.element, h.node, contractNs, keys, `header '${h.element.local}' of ${where}`));
    const wrapper = wrapperElementOf(read, this.#index, where);
    if (wrapper !== undefined) {
      const members = wrapperMembers(wrapper, this.#index, where).map((m) => this.#part(m.element, m.node, contractNs, keys, `body member '${m.element.local}' of ${where}`));
      return {
        kind: 'messageContract',
        key,
        name,
        wrapperName: wrapper.element.local === name ? undefined : wrapper.element.local,
        wrapperNamespace: wrapper.element.ns === contractNs ? undefined : wrapper.element.ns,
        wrapped: true,
        headers,
        body: withOrder(members, contractNs),
      };
    }
    const body = read.parts.map((part) => {
      const elementName = part.attrs.get('element');
      if (elementName === undefined) {
        throw unsupported(`The ${read.direction} message '${name}' of ${where} has the part '${part.attrs.get('name') ?? ''}' declared by type (rpc style or XmlSerializerFormat)`, 'only document/literal messages, as DataContractSerializer writes them, are imported; declare the operation by hand');
      }
      const element = resolveQName(part, elementName, where);
      const node = this.#index.element(element)?.node;
      if (node === undefined) throw importFailed(`The ${read.direction} message '${name}' of ${where} uses the element '${element.local}' (namespace '${element.ns}'), which no schema defines.`);
      return this.#part(element, node, contractNs, keys, `body member '${element.local}' of ${where}`);
    });
    if (body.length > 1) {
      throw unsupported(
        `The ${read.direction} message '${name}' of ${where} is an unwrapped message contract (IsWrapped = false) with ${body.length} body members`,
        'contracts take at most one body member in an unwrapped message contract; make the [MessageContract] wrapped in the service, or declare the operation by hand',
      );
    }
    return { kind: 'messageContract', key, name, wrapperName: undefined, wrapperNamespace: undefined, wrapped: false, headers, body };
  }

  /** One header or body member: its element's name, namespace and type; the key numbered if a part already took the name. */
  #part(element: QName, node: XmlElementNode, contractNs: string, keys: Set<string>, where: string): MessagePartModel {
    const type: TypeModel = this.#types.elementType(node, where);
    let key = element.local;
    for (let i = 2; keys.has(key); i++) key = `${element.local}${i}`;
    keys.add(key);
    return { key, name: element.local, namespace: element.ns === contractNs ? undefined : element.ns, type, order: undefined };
  }
}

/** The body members of a wrapper element: local elements (in the wrapper's namespace) and refs to global elements. */
function wrapperMembers(wrapper: { readonly element: QName; readonly node: XmlElementNode }, index: SchemaIndex, where: string): { element: QName; node: XmlElementNode }[] {
  const complex = childNamed(wrapper.node, Xmlns.xsd, 'complexType');
  const extra = complex?.children.find((c) => c.ns === Xmlns.xsd && c.local !== 'sequence' && c.local !== 'annotation');
  if (complex === undefined || extra !== undefined) {
    throw unsupported(`The message element of ${where} uses xs:${extra?.local ?? 'simpleType'}`, 'only a sequence of body members is imported; declare the operation by hand');
  }
  const sequence = childNamed(complex, Xmlns.xsd, 'sequence');
  const members: { element: QName; node: XmlElementNode }[] = [];
  for (const child of sequence?.children ?? []) {
    if (child.ns !== Xmlns.xsd || child.local === 'annotation') continue;
    if (child.local !== 'element') throw unsupported(`The message of ${where} has xs:${child.local} among its body members`, 'declare the operation by hand');
    const max = child.attrs.get('maxOccurs');
    if (max !== undefined && max !== '1') {
      throw unsupported(`A body member of ${where} repeats (maxOccurs="${max}", an XmlSerializer array)`, 'declare the operation by hand with the array as one member');
    }
    const ref = child.attrs.get('ref');
    if (ref === undefined) {
      // WCF's schemas are elementFormDefault="qualified": a local element is in the wrapper's namespace.
      members.push({ element: { ns: wrapper.element.ns, local: child.attrs.get('name') ?? '' }, node: child });
      continue;
    }
    const element = resolveQName(child, ref, where);
    const global = index.element(element)?.node;
    if (global === undefined) throw importFailed(`A body member of ${where} refers to the element '${element.local}' (namespace '${element.ns}'), which no schema defines.`);
    members.push({ element, node: global });
  }
  return members;
}

/**
 * MessageBodyMember Order for members whose schema order is not the default one. TypeLoader.cs
 * sorts body members by Order (none is -1), then namespace, then name (ordinal); the schema lists
 * them in that order. The longest prefix already in namespace-then-name order keeps no Order, the
 * members after it get 1, 2, 3… in schema order, which sorts back to the same sequence.
 */
function withOrder(members: readonly MessagePartModel[], contractNs: string): MessagePartModel[] {
  const ns = (m: MessagePartModel): string => m.namespace ?? contractNs;
  const before = (a: MessagePartModel, b: MessagePartModel): boolean => (ns(a) === ns(b) ? a.name < b.name : ns(a) < ns(b));
  let sorted = 1;
  while (sorted < members.length && before(members[sorted - 1] as MessagePartModel, members[sorted] as MessagePartModel)) sorted++;
  return members.map((m, i) => (i < sorted ? m : { ...m, order: i - sorted + 1 }));
}
