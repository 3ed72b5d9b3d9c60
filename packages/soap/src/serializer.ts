import { Readable } from 'node:stream';
import {
  contractName,
  defaultValue,
  isArrayType,
  isDataContract,
  isDefaultValue,
  isDictionaryType,
  isEnumType,
  isNullable,
  isNullableType,
  itemNamespace,
  keyValueName,
} from './data-contract.js';
import { enumText, enumValue } from './enum-contract.js';
import { DateTimeKind, NetDateTime } from './date-time.js';
import { normalizeDecimal, parseDecimalText } from './decimal.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import { isGuid, normalizeGuid } from './guid.js';
import { Ns } from './namespaces.js';
import { formatDouble, parseBooleanText, parseDoubleText, parseIntegerText } from './number-text.js';
import { type TextValue, textOf } from './text-value.js';
import { TimeSpan } from './time-span.js';
import type { ArrayType, DataContract, DictionaryType, PrimitiveType, TypeRef } from './types.js';
import {
  type XmlArray,
  type XmlArrayValues,
  type XmlAttribute,
  type XmlElement,
  type XmlNode,
  type XmlnsDeclaration,
  childElements,
  getAttribute,
  textValues,
} from './xml-node.js';

const INT32_MIN = -2147483648n;
const INT32_MAX = 2147483647n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

type IntegerType = 'byte' | 'sbyte' | 'short' | 'ushort' | 'int' | 'uint' | 'long' | 'ulong';

/** The range of each CLR integer type. */
const INTEGER_RANGES: Record<IntegerType, readonly [bigint, bigint]> = {
  byte: [0n, 255n],
  sbyte: [-128n, 127n],
  short: [-32768n, 32767n],
  ushort: [0n, 65535n],
  int: [INT32_MIN, INT32_MAX],
  uint: [0n, 4294967295n],
  long: [INT64_MIN, INT64_MAX],
  ulong: [0n, (1n << 64n) - 1n],
};

/**
 * The prefixes bound inside a message body, innermost last. Outer bindings (the Envelope's `s` and
 * `a`) are deliberately not in it: .NET's writer picks serializer prefixes without looking at them,
 * which is why WCF messages rebind `a` to a data-contract namespace inside the body.
 */
export class PrefixScope {
  readonly #parent: PrefixScope | undefined;
  readonly #bindings = new Map<string, string>();

  constructor(parent?: PrefixScope) {
    this.#parent = parent;
  }

  bind(prefix: string, ns: string): void {
    this.#bindings.set(prefix, ns);
  }

  /** The namespace of `prefix`, or undefined. */
  namespaceOf(prefix: string): string | undefined {
    return this.#bindings.get(prefix) ?? this.#parent?.namespaceOf(prefix);
  }

  /** A prefix currently bound to `ns`, or undefined. */
  prefixOf(ns: string): string | undefined {
    return this.#prefixIn(this, ns);
  }

  #prefixIn(scope: PrefixScope, ns: string): string | undefined {
    // A binding counts only if no inner scope rebinds its prefix.
    for (const [p, u] of scope.#bindings) if (u === ns && this.namespaceOf(p) === ns) return p;
    return scope.#parent ? this.#prefixIn(scope.#parent, ns) : undefined;
  }

  /** The first of a..z (never `i`, which is reserved for XML Schema instance) not bound anywhere in scope. */
  freePrefix(): string {
    for (let c = 0x61; c <= 0x7a; c++) {
      const p = String.fromCharCode(c);
      if (p !== 'i' && this.namespaceOf(p) === undefined) return p;
    }
    for (let n = 0; ; n++) {
      const p = `p${n}`;
      if (this.namespaceOf(p) === undefined) return p;
    }
  }
}

/** Where to write one value: the element's name and prefix, and the scope it appears in. */
interface Target {
  readonly prefix: string;
  readonly localName: string;
  readonly scope: PrefixScope;
  /** True for operation parts and fault details: DataContractSerializer's root element. */
  readonly root: boolean;
  /** A path for error messages, e.g. `p.Scores[2]`; defaults to the element name. */
  readonly path?: string;
}

function invalid(message: string): SoapError {
  return new SoapError(SoapErrorCodes.INVALID_VALUE, message);
}

function failed(message: string): SoapError {
  return new SoapError(SoapErrorCodes.DESERIALIZATION_FAILED, message);
}

/** Declares a prefix for `ns` on the element being built, unless one is already in scope. */
function ensurePrefix(ns: string, scope: PrefixScope, decls: XmlnsDeclaration[]): string {
  const existing = scope.prefixOf(ns);
  if (existing !== undefined) return existing;
  const p = scope.freePrefix();
  scope.bind(p, ns);
  decls.push({ prefix: p, uri: ns, uriDict: 'session' });
  return p;
}

function ensureXsi(scope: PrefixScope, decls: XmlnsDeclaration[]): void {
  if (scope.namespaceOf('i') === Ns.xsi) return;
  scope.bind('i', Ns.xsi);
  decls.push({ prefix: 'i', uri: Ns.xsi, uriDict: 'session' });
}

/**
 * Serialises `value` of type `type` as one element, the way DataContractSerializer writes it
 * (docs/protocol.md §14): names and namespaces as session dictionary strings, null as `i:nil="true"`,
 * arrays of bool/int/long/float/double/decimal/DateTime as Array records.
 */
export function serializeElement(type: TypeRef, value: unknown, target: Target): XmlElement {
  const scope = new PrefixScope(target.scope);
  const namespaces: XmlnsDeclaration[] = [];
  const attributes: XmlAttribute[] = [];
  let children: XmlNode[] = [];
  const where = target.path ?? target.localName;

  if (value === null || value === undefined) {
    if (!isNullable(type)) {
      throw invalid(`'${where}' is null, but its type ${describe(type)} cannot be null. Pass a value.`);
    }
    ensureXsi(scope, namespaces);
    attributes.push({ prefix: 'i', localName: 'nil', nameDict: 'session', namespaceUri: Ns.xsi, value: { type: 'bool', value: true } });
  } else if (isArrayType(type)) {
    children = serializeArray(type, value, scope, namespaces, target.root, where);
  } else if (isDataContract(type)) {
    children = serializeObject(type, value, scope, namespaces, target.root, where);
  } else if (isDictionaryType(type)) {
    children = serializeDictionary(type, value, scope, namespaces, target.root, where);
  } else if (isNullableType(type)) {
    // A T? that has a value is written as the T.
    return serializeElement(type.item, value, target);
  } else if (isEnumType(type)) {
    const text = enumText(type, value, where);
    children = text === '' ? [] : [{ kind: 'text', value: { type: 'string', value: text } }];
  } else {
    children = primitiveText(type, value, where).map((v) => ({ kind: 'text', value: v }));
  }
  return {
    kind: 'element',
    prefix: target.prefix,
    localName: target.localName,
    nameDict: 'session',
    namespaceUri: target.prefix === '' ? (target.scope.namespaceOf('') ?? '') : (target.scope.namespaceOf(target.prefix) ?? ''),
    attributes,
    namespaces,
    children,
  };
}

function serializeObject(
  type: DataContract,
  value: unknown,
  scope: PrefixScope,
  namespaces: XmlnsDeclaration[],
  root: boolean,
  where: string,
): XmlNode[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`'${where}' must be an object for data contract '${type.name}', got ${typeof value}.`);
  }
  // DataContractSerializer declares the contract namespace and xmlns:i on the root element.
  const prefix = scope.namespaceOf('') === type.namespace ? '' : ensurePrefix(type.namespace, scope, namespaces);
  if (root) ensureXsi(scope, namespaces);
  const obj = value as Record<string, unknown>;
  const out: XmlNode[] = [];
  for (const m of type.members) {
    const v = obj[m.key];
    if (!m.emitDefaultValue && isDefaultValue(m.type, v)) continue;
    if (v === undefined && m.isRequired) {
      throw invalid(`'${where}.${m.key}' is required by data contract '${type.name}' but missing. Set it.`);
    }
    const mv = v === undefined ? defaultValue(m.type) : v;
    if ((mv === null || mv === undefined) && scope.namespaceOf('i') !== Ns.xsi) ensureXsi(scope, namespaces);
    out.push(serializeElement(m.type, mv, { prefix, localName: m.name, scope, root: false, path: `${where}.${m.key}` }));
  }
  return out;
}

const ARRAY_RECORD_TYPES: Partial<Record<PrimitiveType, XmlArrayValues['type']>> = {
  bool: 'bool',
  int: 'int32',
  long: 'int64',
  float: 'float',
  double: 'double',
  decimal: 'decimal',
  dateTime: 'dateTime',
};

function serializeArray(
  type: ArrayType,
  value: unknown,
  scope: PrefixScope,
  namespaces: XmlnsDeclaration[],
  root: boolean,
  where: string,
): XmlNode[] {
  if (!Array.isArray(value)) throw invalid(`'${where}' must be an array, got ${typeof value}.`);
  const item = type.item;
  const ns = itemNamespace(item);
  const prefix = scope.namespaceOf('') === ns ? '' : ensurePrefix(ns, scope, namespaces);
  if (root) ensureXsi(scope, namespaces);
  const itemName = contractName(item);
  if (value.length === 0) return [];
  const recordType = typeof item === 'string' ? ARRAY_RECORD_TYPES[item] : undefined;
  if (recordType !== undefined) {
    // docs/protocol.md §14: .NET writes arrays of these primitives as one Array record.
    const template: XmlElement = {
      kind: 'element',
      prefix,
      localName: itemName,
      nameDict: 'session',
      namespaceUri: ns,
      attributes: [],
      namespaces: [],
      children: [],
    };
    const node: XmlArray = { kind: 'array', element: template, items: arrayValues(item as PrimitiveType, recordType, value, where) };
    return [node];
  }
  if (value.some((v) => v === null || v === undefined)) ensureXsi(scope, namespaces);
  return value.map((v, i) => serializeElement(item, v, { prefix, localName: itemName, scope, root: false, path: `${where}[${i}]` }));
}

/** A dictionary's entries: `<KeyValueOf{K}{V}><Key>…</Key><Value>…</Value></…>` in the Arrays namespace (CollectionDataContract of KeyValue<K, V>). */
function serializeDictionary(
  type: DictionaryType,
  value: unknown,
  scope: PrefixScope,
  namespaces: XmlnsDeclaration[],
  root: boolean,
  where: string,
): XmlNode[] {
  if (!(value instanceof Map)) throw invalid(`'${where}' must be a Map, got ${Array.isArray(value) ? 'an array' : typeof value}.`);
  const ns = Ns.serializationArrays;
  const prefix = scope.namespaceOf('') === ns ? '' : ensurePrefix(ns, scope, namespaces);
  if (root) ensureXsi(scope, namespaces);
  const itemName = keyValueName(type);
  const out: XmlNode[] = [];
  let i = 0;
  for (const [k, v] of value) {
    const path = `${where}[${i++}]`;
    if (k === null || k === undefined) throw invalid(`'${path}' has a null key; dictionary keys cannot be null.`);
    if (v === null || v === undefined) ensureXsi(scope, namespaces);
    const entry = new PrefixScope(scope);
    out.push({
      kind: 'element',
      prefix,
      localName: itemName,
      nameDict: 'session',
      namespaceUri: ns,
      attributes: [],
      namespaces: [],
      children: [
        serializeElement(type.key, k, { prefix, localName: 'Key', scope: entry, root: false, path: `${path}.Key` }),
        serializeElement(type.value, v, { prefix, localName: 'Value', scope: entry, root: false, path: `${path}.Value` }),
      ],
    });
  }
  return out;
}

function arrayValues(item: PrimitiveType, recordType: XmlArrayValues['type'], value: unknown[], where: string): XmlArrayValues {
  const each = <T>(f: (v: unknown, i: number) => T): T[] => value.map((v, i) => {
    if (v === null || v === undefined) throw invalid(`'${where}[${i}]' is null, but ${item} values cannot be null.`);
    return f(v, i);
  });
  switch (recordType) {
    case 'bool':
      return { type: 'bool', values: each((v, i) => asBool(v, `${where}[${i}]`)) };
    case 'int32':
      return { type: 'int32', values: each((v, i) => Number(asInt(v, INT32_MIN, INT32_MAX, 'int', `${where}[${i}]`))) };
    case 'int64':
      return { type: 'int64', values: each((v, i) => asInt(v, INT64_MIN, INT64_MAX, 'long', `${where}[${i}]`)) };
    case 'float':
      return { type: 'float', values: each((v, i) => Math.fround(asNumber(v, `${where}[${i}]`))) };
    case 'double':
      return { type: 'double', values: each((v, i) => asNumber(v, `${where}[${i}]`)) };
    case 'decimal':
      return { type: 'decimal', values: each((v, i) => asDecimal(v, `${where}[${i}]`)) };
    case 'dateTime':
      return { type: 'dateTime', values: each((v, i) => asDateTime(v, `${where}[${i}]`)) };
    default:
      throw invalid(`${item} arrays are not written as Array records.`);
  }
}

// ---- primitives ----------------------------------------------------------------------------

function asBool(v: unknown, where: string): boolean {
  if (typeof v !== 'boolean') throw invalid(`'${where}' must be a boolean, got ${typeof v}.`);
  return v;
}

function asNumber(v: unknown, where: string): number {
  if (typeof v !== 'number') throw invalid(`'${where}' must be a number, got ${typeof v}.`);
  return v;
}

function asInt(v: unknown, min: bigint, max: bigint, typeName: string, where: string): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
  else throw invalid(`'${where}' must be an integer (${typeName}), got ${typeof v === 'number' ? v : typeof v}.`);
  if (b < min || b > max) throw invalid(`'${where}' = ${b} is outside the range of ${typeName} (${min}..${max}).`);
  return b;
}

function asDecimal(v: unknown, where: string): string {
  if (typeof v === 'string') return normalizeDecimal(v);
  if (typeof v === 'number' && Number.isFinite(v)) return normalizeDecimal(numberToPlain(v));
  if (typeof v === 'bigint') return normalizeDecimal(v.toString());
  throw invalid(`'${where}' must be a decimal string such as "123.45", got ${typeof v}.`);
}

/** A finite number in plain (non-exponent) decimal notation. */
function numberToPlain(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  const [mant = '', expText = '0'] = s.split(/e/i);
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace(/^-/, '').replace('.', '');
  const point = (mant.replace(/^-/, '').indexOf('.') === -1 ? mant.replace(/^-/, '').length : mant.replace(/^-/, '').indexOf('.')) + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return neg ? `-${out}` : out;
}

function asDateTime(v: unknown, where: string): NetDateTime {
  if (v instanceof NetDateTime) return v;
  if (v instanceof Date) return NetDateTime.fromDate(v, DateTimeKind.Utc);
  throw invalid(`'${where}' must be a NetDateTime or a Date.`);
}

/** The text records of a primitive value, as DataContractSerializer writes it (docs/protocol.md §14). */
function primitiveText(type: PrimitiveType, v: unknown, where: string): TextValue[] {
  switch (type) {
    case 'string':
      if (typeof v !== 'string') throw invalid(`'${where}' must be a string, got ${typeof v}.`);
      // .NET writes nothing for an empty string (XmlBaseWriter.WriteString skips empty values).
      return v === '' ? [] : [{ type: 'string', value: v }];
    case 'int':
      return [{ type: 'int', value: asInt(v, INT32_MIN, INT32_MAX, 'int', where) }];
    case 'long':
      return [{ type: 'int', value: asInt(v, INT64_MIN, INT64_MAX, 'long', where) }];
    case 'bool':
      return [{ type: 'bool', value: asBool(v, where) }];
    case 'float':
      return [{ type: 'float', value: Math.fround(asNumber(v, where)) }];
    case 'double':
      return [{ type: 'double', value: asNumber(v, where) }];
    case 'decimal':
      return [{ type: 'decimal', value: asDecimal(v, where) }];
    case 'dateTime':
      return [{ type: 'dateTime', value: asDateTime(v, where) }];
    case 'guid':
      // XmlWriterDelegator.WriteGuid writes the D-form text, not a UuidText record.
      if (typeof v !== 'string') throw invalid(`'${where}' must be a GUID string, got ${typeof v}.`);
      return [{ type: 'string', value: normalizeGuid(v) }];
    case 'timeSpan':
      // XmlWriterDelegator.WriteTimeSpan writes xs:duration text.
      if (!(v instanceof TimeSpan)) throw invalid(`'${where}' must be a TimeSpan.`);
      return [{ type: 'string', value: v.toString() }];
    case 'bytes': {
      if (!(v instanceof Uint8Array)) throw invalid(`'${where}' must be a Uint8Array, got ${typeof v}.`);
      // XmlBaseWriter.WriteBase64: whole 3-byte groups in one record, the 1–2 trailing bytes in a second.
      const whole = v.length - (v.length % 3);
      const out: TextValue[] = [];
      if (whole > 0) out.push({ type: 'bytes', value: v.subarray(0, whole) });
      if (whole < v.length) out.push({ type: 'bytes', value: v.subarray(whole) });
      return out;
    }
    case 'byte':
    case 'sbyte':
    case 'short':
    case 'ushort':
    case 'uint':
    case 'ulong': {
      // XmlWriterDelegator writes each as an integer (the binary writer picks the smallest record).
      const [min, max] = INTEGER_RANGES[type];
      const b = asInt(v, min, max, type, where);
      return [{ type: b > INT64_MAX ? 'uint64' : 'int', value: b }];
    }
    case 'char':
      // XmlWriterDelegator.WriteChar writes the UTF-16 code unit as an integer.
      if (typeof v !== 'string' || v.length !== 1) throw invalid(`'${where}' must be a string of one UTF-16 code unit (char), got ${typeof v === 'string' ? `${v.length} units` : typeof v}.`);
      return [{ type: 'int', value: BigInt(v.charCodeAt(0)) }];
    case 'uri':
      if (typeof v !== 'string') throw invalid(`'${where}' must be a URI string, got ${typeof v}.`);
      return v === '' ? [] : [{ type: 'string', value: v }];
    case 'stream':
      // Read whole beforehand (streamed-body.ts materializeStreams) or, on a streamed channel,
      // a marker whose record is replaced by the stream's bytes as they are produced.
      if (!(v instanceof Uint8Array)) throw invalid(`'${where}' must be a stream that was read before serializing; give a Readable.`);
      return v.length === 0 ? [] : [{ type: 'bytes', value: v }];
  }
}

// ---- reading --------------------------------------------------------------------------------

function isNil(el: XmlElement): boolean {
  const a = getAttribute(el, 'nil', Ns.xsi);
  if (!a) return false;
  const v = a.value;
  if (v.type === 'bool') return v.value;
  if (v.type === 'int') return v.value === 1n;
  return textOf(v).trim() === 'true' || textOf(v).trim() === '1';
}

/**
 * Reads a value of `type` from an element written by DataContractSerializer (or by Mono, or by
 * this package). Numbers are accepted from any numeric record and from text (docs/protocol.md §13).
 */
export function deserializeElement(type: TypeRef, el: XmlElement, where = el.localName): unknown {
  if (isNil(el)) {
    if (!isNullable(type)) throw failed(`'${where}' is nil, but its type ${describe(type)} cannot be null.`);
    return null;
  }
  if (isArrayType(type)) return deserializeArray(type, el, where);
  if (isDataContract(type)) return deserializeObject(type, el, where);
  if (isDictionaryType(type)) return deserializeDictionary(type, el, where);
  if (isNullableType(type)) return deserializeElement(type.item, el, where);
  if (isEnumType(type)) return enumValue(type, joined(textValues(el)), where);
  return readPrimitive(type, textValues(el), where);
}

function deserializeArray(type: ArrayType, el: XmlElement, where: string): unknown[] {
  const item = type.item;
  const ns = itemNamespace(item);
  const name = contractName(item);
  return childElements(el).map((c, i) => {
    if (c.localName !== name || c.namespaceUri !== ns) {
      throw failed(`'${where}' holds <${c.localName}> in '${c.namespaceUri}'; expected <${name}> in '${ns}'.`);
    }
    return deserializeElement(item, c, `${where}[${i}]`);
  });
}

function deserializeDictionary(type: DictionaryType, el: XmlElement, where: string): Map<unknown, unknown> {
  const ns = Ns.serializationArrays;
  const name = keyValueName(type);
  const out = new Map<unknown, unknown>();
  childElements(el).forEach((c, i) => {
    if (c.localName !== name || c.namespaceUri !== ns) {
      throw failed(`'${where}' holds <${c.localName}> in '${c.namespaceUri}'; expected <${name}> in '${ns}'.`);
    }
    const parts = childElements(c);
    const key = parts.find((p) => p.localName === 'Key' && p.namespaceUri === ns);
    const value = parts.find((p) => p.localName === 'Value' && p.namespaceUri === ns);
    if (key === undefined) throw failed(`'${where}[${i}]' has no <Key>.`);
    const k = deserializeElement(type.key, key, `${where}[${i}].Key`);
    if (out.has(k)) throw failed(`'${where}' has the key ${String(k)} twice.`);
    out.set(k, value === undefined ? defaultValue(type.value) : deserializeElement(type.value, value, `${where}[${i}].Value`));
  });
  return out;
}

function deserializeObject(type: DataContract, el: XmlElement, where: string): Record<string, unknown> {
  const byName = new Map<string, XmlElement>();
  for (const c of childElements(el)) {
    if (c.namespaceUri === type.namespace && !byName.has(c.localName)) byName.set(c.localName, c);
  }
  const out: Record<string, unknown> = {};
  for (const m of type.members) {
    const c = byName.get(m.name);
    if (!c) {
      if (m.isRequired) throw failed(`'${where}' lacks the required member <${m.name}> of data contract '${type.name}'.`);
      out[m.key] = defaultValue(m.type);
      continue;
    }
    out[m.key] = deserializeElement(m.type, c, `${where}.${m.key}`);
  }
  return out;
}

function single(values: TextValue[]): TextValue | undefined {
  return values.length === 1 ? values[0] : undefined;
}

function joined(values: TextValue[]): string {
  return values.map(textOf).join('');
}

function readPrimitive(type: PrimitiveType, values: TextValue[], where: string): unknown {
  const one = single(values);
  try {
    switch (type) {
      case 'string':
        return joined(values);
      case 'byte':
      case 'sbyte':
      case 'short':
      case 'ushort':
      case 'uint':
      case 'ulong':
      case 'int':
      case 'long': {
        const [min, max] = INTEGER_RANGES[type];
        let b: bigint;
        if (one?.type === 'int' || one?.type === 'uint64') b = one.value;
        else if ((one?.type === 'float' || one?.type === 'double') && Number.isInteger(one.value)) b = BigInt(one.value);
        else return finishInt(parseIntegerText(joined(values), min, max, type), type);
        if (b < min || b > max) throw failed(`${b} is outside the range of ${type}.`);
        return finishInt(b, type);
      }
      case 'bool':
        if (one?.type === 'bool') return one.value;
        return parseBooleanText(joined(values));
      case 'float':
      case 'double': {
        let d: number;
        if (one?.type === 'float' || one?.type === 'double') d = one.value;
        else if (one?.type === 'int' || one?.type === 'uint64') d = Number(one.value);
        else if (one?.type === 'decimal') d = Number(one.value);
        else d = parseDoubleText(joined(values));
        return type === 'float' ? Math.fround(d) : d;
      }
      case 'decimal':
        if (one?.type === 'decimal') return one.value;
        if (one?.type === 'int' || one?.type === 'uint64') return one.value.toString();
        if (one?.type === 'float' || one?.type === 'double') {
          if (!Number.isFinite(one.value)) throw failed(`${formatDouble(one.value)} is not a decimal.`);
          return parseDecimalText(numberToPlain(one.value));
        }
        return parseDecimalText(joined(values));
      case 'dateTime':
        if (one?.type === 'dateTime') return one.value;
        return NetDateTime.parse(joined(values));
      case 'guid': {
        if (one?.type === 'guid' || one?.type === 'uniqueId') return one.value;
        const t = joined(values).trim();
        if (!isGuid(t)) throw failed(`'${t.slice(0, 64)}' is not a GUID.`);
        return t.toLowerCase();
      }
      case 'timeSpan':
        if (one?.type === 'timeSpan') return one.value;
        return TimeSpan.parse(joined(values));
      case 'bytes':
        return readBytes(values);
      case 'char': {
        const code = readPrimitive('ushort', values, where) as number;
        return String.fromCharCode(code);
      }
      case 'uri':
        return joined(values);
      case 'stream':
        return Readable.from([Buffer.from(readBytes(values))]);
    }
  } catch (err) {
    if (err instanceof SoapError && err.code === SoapErrorCodes.DESERIALIZATION_FAILED) {
      throw failed(`Cannot read '${where}' as ${type}: ${err.message}`);
    }
    throw err;
  }
}

/** 64-bit types are bigint in TypeScript; the others fit a number. */
function finishInt(b: bigint, type: IntegerType): number | bigint {
  return type === 'long' || type === 'ulong' ? b : Number(b);
}

function readBytes(values: TextValue[]): Uint8Array {
  // docs/protocol.md §13: consecutive Bytes records concatenate before use.
  if (values.every((v) => v.type === 'bytes')) {
    const parts = values.map((v) => (v as { value: Uint8Array }).value);
    return Uint8Array.from(Buffer.concat(parts));
  }
  const t = joined(values).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 !== 0) throw failed(`'${t.slice(0, 64)}' is not base64.`);
  return Uint8Array.from(Buffer.from(t, 'base64'));
}

function describe(t: TypeRef): string {
  return typeof t === 'string' ? t : contractName(t);
}
