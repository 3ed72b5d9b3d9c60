import type { NetDateTime } from './date-time.js';
import { type DictKind, type TextValue, textOf } from './text-value.js';
import type { TimeSpan } from './time-span.js';

/** The namespace bound to the `xml` prefix without a declaration. */
export const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';

/** `xmlns="uri"` (prefix '') or `xmlns:prefix="uri"`. */
export interface XmlnsDeclaration {
  readonly prefix: string;
  readonly uri: string;
  readonly uriDict?: DictKind;
}

export interface XmlAttribute {
  readonly prefix: string;
  readonly localName: string;
  readonly nameDict?: DictKind;
  /** Resolved by the reader; '' for an unprefixed attribute. The writer ignores it. */
  readonly namespaceUri: string;
  readonly value: TextValue;
}

/**
 * An element. The writer emits `prefix`, `localName` and the declarations in `namespaces`; it does
 * not invent declarations, so a tree built by hand must declare what its prefixes use.
 * `namespaceUri` is filled in by the reader (prefixes resolved with XML scoping) and is ignored by
 * the writer.
 */
export interface XmlElement {
  readonly kind: 'element';
  readonly prefix: string;
  readonly localName: string;
  readonly nameDict?: DictKind;
  readonly namespaceUri: string;
  readonly attributes: readonly XmlAttribute[];
  readonly namespaces: readonly XmlnsDeclaration[];
  readonly children: readonly XmlNode[];
}

export interface XmlText {
  readonly kind: 'text';
  readonly value: TextValue;
}

export interface XmlComment {
  readonly kind: 'comment';
  readonly text: string;
}

/** The fixed-size item types of an Array record ([MC-NBFX] 2.3.3), with their values. */
export type XmlArrayValues =
  | { readonly type: 'bool'; readonly values: readonly boolean[] }
  | { readonly type: 'int16'; readonly values: readonly number[] }
  | { readonly type: 'int32'; readonly values: readonly number[] }
  | { readonly type: 'int64'; readonly values: readonly bigint[] }
  | { readonly type: 'float'; readonly values: readonly number[] }
  | { readonly type: 'double'; readonly values: readonly number[] }
  | { readonly type: 'decimal'; readonly values: readonly string[] }
  | { readonly type: 'dateTime'; readonly values: readonly NetDateTime[] }
  | { readonly type: 'timeSpan'; readonly values: readonly TimeSpan[] }
  | { readonly type: 'guid'; readonly values: readonly string[] };

/**
 * An [MC-NBFX] Array record: `values.length` copies of `element` (which has no children), each
 * holding one value. Kept as one node so large arrays stay compact; `childElements` expands it.
 */
export interface XmlArray {
  readonly kind: 'array';
  readonly element: XmlElement;
  readonly items: XmlArrayValues;
}

export type XmlNode = XmlElement | XmlText | XmlComment | XmlArray;

/** Options for building an element with `element()`. */
export interface ElementInit {
  readonly prefix?: string;
  readonly nameDict?: DictKind;
  readonly namespaceUri?: string;
  readonly attributes?: readonly XmlAttribute[];
  readonly namespaces?: readonly XmlnsDeclaration[];
  readonly children?: readonly XmlNode[];
}

/** Builds an element node. */
export function element(localName: string, init: ElementInit = {}): XmlElement {
  const base = {
    kind: 'element' as const,
    prefix: init.prefix ?? '',
    localName,
    namespaceUri: init.namespaceUri ?? '',
    attributes: init.attributes ?? [],
    namespaces: init.namespaces ?? [],
    children: init.children ?? [],
  };
  return init.nameDict === undefined ? base : { ...base, nameDict: init.nameDict };
}

/** Builds a text node. */
export function text(value: TextValue): XmlText {
  return { kind: 'text', value };
}

/** The concatenated text of an element's text children (element children are skipped). */
export function textContent(el: XmlElement): string {
  let out = '';
  for (const c of el.children) {
    if (c.kind === 'text') out += textOf(c.value);
  }
  return out;
}

/** An element's text children, in order. */
export function textValues(el: XmlElement): TextValue[] {
  const out: TextValue[] = [];
  for (const c of el.children) if (c.kind === 'text') out.push(c.value);
  return out;
}

/** The child elements, with Array records expanded into one element per item. */
export function childElements(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    if (c.kind === 'element') out.push(c);
    else if (c.kind === 'array') out.push(...expandArray(c));
  }
  return out;
}

/** The elements an Array record stands for. */
export function expandArray(a: XmlArray): XmlElement[] {
  return arrayItemValues(a.items).map((v) => ({ ...a.element, children: [text(v)] }));
}

/** The items of an Array record as text values. */
export function arrayItemValues(items: XmlArrayValues): TextValue[] {
  switch (items.type) {
    case 'bool':
      return items.values.map((value) => ({ type: 'bool', value }));
    case 'int16':
    case 'int32':
      return items.values.map((value) => ({ type: 'int', value: BigInt(value) }));
    case 'int64':
      return items.values.map((value) => ({ type: 'int', value }));
    case 'float':
      return items.values.map((value) => ({ type: 'float', value }));
    case 'double':
      return items.values.map((value) => ({ type: 'double', value }));
    case 'decimal':
      return items.values.map((value) => ({ type: 'decimal', value }));
    case 'dateTime':
      return items.values.map((value) => ({ type: 'dateTime', value }));
    case 'timeSpan':
      return items.values.map((value) => ({ type: 'timeSpan', value }));
    case 'guid':
      return items.values.map((value) => ({ type: 'guid', value }));
  }
}

/** The attribute with this local name and namespace ('' = unprefixed), if any. */
export function getAttribute(el: XmlElement, localName: string, namespaceUri = ''): XmlAttribute | undefined {
  return el.attributes.find((a) => a.localName === localName && a.namespaceUri === namespaceUri);
}
