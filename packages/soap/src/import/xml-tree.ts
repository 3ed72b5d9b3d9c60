/**
 * A namespace-aware element tree of one WSDL or XSD document, for the importer.
 *
 * Parsing uses `saxes` (already this package's XML reader, see text-encoder.ts) rather than a
 * hand-written reader: metadata comes from other machines, and a conformant parser gets entities,
 * CDATA, namespace scoping and well-formedness right where a small ad-hoc reader would not. Each
 * element keeps the prefixes in scope, because XSD and WSDL put QNames in attribute values
 * (`type="q1:guid"`, XML Schema Part 1 §3.15.2: QNames resolve against the element's in-scope
 * namespaces).
 *
 * @module
 */

import { SaxesParser, type SaxesTagNS } from 'saxes';
import { SoapError, SoapErrorCodes } from '../errors.js';

/** One element: its expanded name, unqualified attributes, children and text. */
export interface XmlElementNode {
  readonly ns: string;
  readonly local: string;
  /** Attributes without a namespace, by local name. */
  readonly attrs: ReadonlyMap<string, string>;
  /** Attributes in a namespace, keyed `{uri}local` (wsaw:Action). */
  readonly qualifiedAttrs: ReadonlyMap<string, string>;
  readonly children: XmlElementNode[];
  text: string;
  /** Prefix → namespace URI in scope at this element ('' is the default namespace). */
  readonly scope: ReadonlyMap<string, string>;
}

/** An expanded name: namespace URI and local name. */
export interface QName {
  readonly ns: string;
  readonly local: string;
}

export const qnameKey = (q: QName): string => `{${q.ns}}${q.local}`;

/** Most elements one document may hold: a bound on memory for hostile metadata. */
const MAX_ELEMENTS = 200_000;

/** Parses `text` (from `location`, named in errors) into its root element. */
export function parseXml(text: string, location: string): XmlElementNode {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElementNode[] = [];
  let root: XmlElementNode | undefined;
  let count = 0;
  let failure: Error | undefined;
  parser.on('error', (error) => {
    failure ??= error;
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (++count > MAX_ELEMENTS) throw importFailed(`${location} has more than ${MAX_ELEMENTS} elements, more than any service's metadata needs.`);
    const parent = stack.at(-1);
    const element = toNode(tag, parent?.scope);
    if (parent === undefined) root = element;
    else parent.children.push(element);
    stack.push(element);
  });
  parser.on('text', (text) => {
    const top = stack.at(-1);
    if (top !== undefined) top.text += text;
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  try {
    parser.write(text).close();
  } catch (error) {
    if (error instanceof SoapError) throw error;
    failure ??= error instanceof Error ? error : new Error(String(error));
  }
  if (failure !== undefined) throw importFailed(`${location} is not well-formed XML: ${failure.message}`);
  if (root === undefined) throw importFailed(`${location} holds no XML element.`);
  return root;
}

function toNode(tag: SaxesTagNS, parentScope: ReadonlyMap<string, string> | undefined): XmlElementNode {
  const scope = new Map(parentScope);
  const attrs = new Map<string, string>();
  const qualifiedAttrs = new Map<string, string>();
  for (const a of Object.values(tag.attributes)) {
    if (a.prefix === 'xmlns') scope.set(a.local, a.value);
    else if (a.prefix === '' && a.local === 'xmlns') scope.set('', a.value);
    else if (a.uri === '') attrs.set(a.local, a.value);
    else qualifiedAttrs.set(`{${a.uri}}${a.local}`, a.value);
  }
  return { ns: tag.uri, local: tag.local, attrs, qualifiedAttrs, children: [], text: '', scope };
}

/** Children of `e` named `{ns}local`. */
export function childrenNamed(e: XmlElementNode, ns: string, local: string): XmlElementNode[] {
  return e.children.filter((c) => c.ns === ns && c.local === local);
}

/** The first child of `e` named `{ns}local`. */
export function childNamed(e: XmlElementNode, ns: string, local: string): XmlElementNode | undefined {
  return e.children.find((c) => c.ns === ns && c.local === local);
}

/**
 * Resolves a QName attribute value against the element's scope. An unprefixed name takes the
 * default namespace (XML Namespaces 1.0 §6.2 applies to QName-valued attributes in XSD).
 */
export function resolveQName(e: XmlElementNode, value: string, where: string): QName {
  const colon = value.indexOf(':');
  const prefix = colon < 0 ? '' : value.slice(0, colon);
  const local = colon < 0 ? value : value.slice(colon + 1);
  const ns = e.scope.get(prefix);
  if (ns === undefined) {
    if (prefix === '') return { ns: '', local };
    throw importFailed(`${where} names '${value}', but the prefix '${prefix}' is not declared there.`);
  }
  return { ns, local };
}

export function importFailed(message: string): SoapError {
  return new SoapError(SoapErrorCodes.IMPORT_FAILED, message);
}
