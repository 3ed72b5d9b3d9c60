import { Readable } from 'node:stream';
import {
  classChain,
  contractName,
  defaultValue,
  derivesFrom,
  isArrayType,
  isDataContract,
  isDefaultValue,
  isDictionaryType,
  isEnumType,
  isKnownTypesScope,
  isNullable,
  isNullableType,
  itemNamespace,
  keyValueName,
} from './data-contract.js';
import { KnownTypes, type TypeName, Typed, contractOf, describeTypeName, tagContract, typeNameOf } from './known-types.js';
import { enumText, enumValue } from './enum-contract.js';
import { DateTimeKind, NetDateTime } from './date-time.js';
import { normalizeDecimal, parseDecimalText } from './decimal.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import { isGuid, normalizeGuid } from './guid.js';
import { Ns } from './namespaces.js';
import { ObjectIds, ObjectTable } from './object-references.js';
import { asQualifiedName, readQualifiedName, writeQualifiedName } from './qualified-name.js';
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

/** What writing carries down the tree: the known types in scope and the objects being written. */
interface WriteContext {
  readonly known: KnownTypes;
  /** The arrays and objects enclosing the value, to refuse cycles instead of recursing forever. */
  readonly open: ReadonlySet<object>;
  /** The ids given to objects of isReference contracts so far in this root value (object-references.ts). */
  readonly ids: ObjectIds;
}

/** A fresh context for one root value: .NET scopes z:Id to one WriteObject call (XmlObjectSerializerWriteContext). */
function rootWrite(): WriteContext {
  return { known: KnownTypes.empty, open: new Set(), ids: new ObjectIds() };
}

/** A value with the type it is written as; `name` is set when that is not the declared type (`i:type`). */
interface RuntimeValue {
  readonly type: TypeRef;
  readonly value: unknown;
  readonly name?: TypeName;
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
export function serializeElement(declared: TypeRef, value: unknown, target: Target, context: WriteContext = rootWrite()): XmlElement {
  const where = target.path ?? target.localName;
  if (isKnownTypesScope(declared)) return serializeElement(declared.item, value, target, { ...context, known: context.known.forDeclared(declared) });
  const scope = new PrefixScope(target.scope);
  const namespaces: XmlnsDeclaration[] = [];
  const attributes: XmlAttribute[] = [];
  let children: XmlNode[] = [];
  let prefix = target.prefix;
  const known = context.known.forDeclared(declared);
  const runtime = value === null || value === undefined ? { type: declared, value } : runtimeValue(declared, value, known, where);
  const type = runtime.type;
  value = runtime.value;
  const reference = isReferenceType(type) && typeof value === 'object' && value !== null ? context.ids.idOf(value) : undefined;
  if (reference !== undefined && !reference.isNew) {
    // A later occurrence: an empty element naming the first one (OnHandleIsReference returns true
    // and the writer skips the content). i:type still comes first (WriteTypeInfo precedes it).
    if (runtime.name !== undefined) attributes.push(xsiTypeAttribute(runtime.name, scope, namespaces));
    attributes.push(serializationAttribute('Ref', reference.id, scope, namespaces));
    return { kind: 'element', prefix, localName: target.localName, nameDict: 'session', namespaceUri: elementNamespace(target), attributes, namespaces, children: [] };
  }
  // Bound before the content, so nested z:Id/z:Ref reuse it; declared after the contract's own
  // prefixes, as Mono's writer orders them (xmlns:a, xmlns:i, then xmlns:z).
  const zDeclared = reference !== undefined && scope.namespaceOf('z') !== Ns.serialization;
  if (zDeclared) scope.bind('z', Ns.serialization);
  const inner = enter(context, runtime, known, where);

  if (value === null || value === undefined) {
    if (!isNullable(type)) {
      throw invalid(`'${where}' is null, but its type ${describe(type)} cannot be null. Pass a value.`);
    }
    ensureXsi(scope, namespaces);
    attributes.push({ prefix: 'i', localName: 'nil', nameDict: 'session', namespaceUri: Ns.xsi, value: { type: 'bool', value: true } });
  } else if (isArrayType(type)) {
    children = serializeArray(type, value, scope, namespaces, target.root, where, inner);
  } else if (isDataContract(type)) {
    children = serializeObject(type, value, scope, namespaces, target.root, where, inner);
  } else if (isDictionaryType(type)) {
    children = serializeDictionary(type, value, scope, namespaces, target.root, where, inner);
  } else if (isNullableType(type)) {
    // A T? that has a value is written as the T.
    return serializeElement(type.item, value, target, inner);
  } else if (isKnownTypesScope(type)) {
    return serializeElement(type, value, target, inner);
  } else if (isEnumType(type)) {
    const text = enumText(type, value, where);
    children = text === '' ? [] : [{ kind: 'text', value: { type: 'string', value: text } }];
  } else if (type === 'qname') {
    const q = writeQualifiedName(asQualifiedName(value, where), target.prefix, elementNamespace(target), scope, namespaces);
    prefix = q.prefix;
    children = q.text.map((v) => ({ kind: 'text', value: v }));
  } else {
    children = primitiveText(type, value, where).map((v) => ({ kind: 'text', value: v }));
  }
  if (runtime.name !== undefined) attributes.push(xsiTypeAttribute(runtime.name, scope, namespaces));
  if (reference !== undefined) attributes.push(serializationAttribute('Id', reference.id, scope, namespaces, zDeclared));
  return {
    kind: 'element',
    prefix,
    localName: target.localName,
    nameDict: 'session',
    namespaceUri: elementNamespace(target),
    attributes,
    namespaces,
    children,
  };
}

/** The namespace the target's element is in: its prefix's, in the enclosing scope. */
function elementNamespace(target: Target): string {
  return target.prefix === '' ? (target.scope.namespaceOf('') ?? '') : (target.scope.namespaceOf(target.prefix) ?? '');
}

/**
 * The type `value` is written as where `declared` is expected: a derived contract (`typed(Manager,
 * …)` or read through `i:type`) where its base is declared, and for `object` the value's own type.
 * Such a type must be known there, as DataContractSerializer insists (XmlObjectSerializerWriteContext.cs,
 * SerializeWithXsiType: "Type … is not expected").
 */
function runtimeValue(declared: TypeRef, value: unknown, known: KnownTypes, where: string): RuntimeValue {
  if (isDataContract(declared)) {
    const actual = contractOf(value);
    if (actual === undefined || actual === declared) return { type: declared, value };
    if (!derivesFrom(actual, declared)) {
      throw invalid(`'${where}' holds a value of data contract '${actual.name}', which does not derive from the declared '${declared.name}'. Pass a '${declared.name}' or one of its derived contracts.`);
    }
    return checkedKnown({ type: actual, value, name: typeNameOf(actual) }, known, where);
  }
  if (declared !== 'object') return { type: declared, value: value instanceof Typed && value.type === declared ? value.value : value };
  if (typeof value === 'string') return { type: 'string', value, name: typeNameOf('string') };
  if (typeof value === 'boolean') return { type: 'bool', value, name: typeNameOf('bool') };
  if (value instanceof Typed) {
    const t = isKnownTypesScope(value.type) ? value.type.item : value.type;
    if (t === 'object' || t === 'stream') throw invalid(`'${where}' is typed('${t}', …); an object member holds a value of a concrete type such as 'int' or a data contract.`);
    if (value.value === null || value.value === undefined) return { type: 'object', value: null };
    const inner = isDataContract(t) ? tagContract({ ...(value.value as object) }, t) : value.value;
    return checkedKnown({ type: t, value: inner, name: typeNameOf(t) }, known, where);
  }
  const actual = contractOf(value);
  if (actual !== undefined) return checkedKnown({ type: actual, value, name: typeNameOf(actual) }, known, where);
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0) {
    // A plain System.Object: its type is the declared one, so no i:type and no content.
    return { type: 'object', value };
  }
  const hint = typeof value === 'number' || typeof value === 'bigint' ? ` Say which CLR type it is: typed('int', ${String(value)}), typed('double', ${String(value)}), typed('long', …).` : " Use typed(Contract, value) for a data contract or typed('int', 5) for another type.";
  throw invalid(`'${where}' is declared object, and ${describeJs(value)} does not say which CLR type it has.${hint}`);
}

function describeJs(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'a plain object';
  return `the ${typeof value} ${String(value)}`;
}

/** `v` if its type may be written here: a primitive, or a type known where it appears. */
function checkedKnown(v: RuntimeValue, known: KnownTypes, where: string): RuntimeValue {
  if (known.has(v.type)) return v;
  const n = v.name ?? typeNameOf(v.type);
  throw new SoapError(
    SoapErrorCodes.UNKNOWN_TYPE,
    `Type '${n.name}' with data contract name '${describeTypeName(n)}' is not expected at '${where}'. Add it to the known types: \`knownTypes\` of the declared data contract ([KnownType]) or of the service contract ([ServiceKnownType]).`,
  );
}

/** The context for the value's content: its known types, and it among the open objects. */
function enter(context: WriteContext, runtime: RuntimeValue, known: KnownTypes, where: string): WriteContext {
  const v = runtime.value;
  const k = known.forDeclared(runtime.type);
  if (typeof v !== 'object' || v === null) return k === context.known ? context : { ...context, known: k };
  // DataContractSerializer without reference tracking refuses cycles the same way (XmlObjectSerializerWriteContext.OnHandleIsReference).
  if (context.open.has(v)) {
    throw invalid(`'${where}' refers back to an object that contains it. The object graph has a cycle and cannot be serialized without reference tracking (isReference: true on its data contract).`);
  }
  return { known: k, open: new Set(context.open).add(v), ids: context.ids };
}

/**
 * `z:Id="i1"` or `z:Ref="i1"`: the names are session dictionary strings and the value plain text,
 * as Mono's binary writer sends them ([MC-NBFX] 2.2.3.14 PrefixDictionaryAttribute z, Chars8Text);
 * `xmlns:z` is declared on the element unless an enclosing one has it.
 */
function serializationAttribute(localName: 'Id' | 'Ref', id: string, scope: PrefixScope, namespaces: XmlnsDeclaration[], declare = scope.namespaceOf('z') !== Ns.serialization): XmlAttribute {
  if (declare) {
    scope.bind('z', Ns.serialization);
    namespaces.push({ prefix: 'z', uri: Ns.serialization, uriDict: 'session' });
  }
  return { prefix: 'z', localName, nameDict: 'session', namespaceUri: Ns.serialization, value: { type: 'string', value: id } };
}

/**
 * `i:type="p:Name"`: the type's name as a QName (XmlObjectSerializerWriteContext.WriteTypeInfo
 * writes it with WriteAttributeQualifiedName; the binary writer makes it a QNameDictionaryText
 * record, [MC-NBFX] 2.2.3.30), its namespace declared on this element unless in scope.
 */
function xsiTypeAttribute(name: TypeName, scope: PrefixScope, namespaces: XmlnsDeclaration[]): XmlAttribute {
  ensureXsi(scope, namespaces);
  const prefix = ensurePrefix(name.namespace, scope, namespaces);
  return { prefix: 'i', localName: 'type', nameDict: 'session', namespaceUri: Ns.xsi, value: { type: 'qname', prefix, localName: name.name, dict: 'session' } };
}

function serializeObject(
  type: DataContract,
  value: unknown,
  scope: PrefixScope,
  namespaces: XmlnsDeclaration[],
  root: boolean,
  where: string,
  context: WriteContext,
): XmlNode[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`'${where}' must be an object for data contract '${type.name}', got ${typeof value}.`);
  }
  // DataContractSerializer declares the contract namespace and xmlns:i on the root element; a
  // derived contract's members are in their own classes' namespaces, the base's first (ClassDataContract.cs).
  const chain = classChain(type);
  const prefixes = chain.map((c) => (scope.namespaceOf('') === c.namespace ? '' : ensurePrefix(c.namespace, scope, namespaces)));
  if (root) ensureXsi(scope, namespaces);
  const obj = value as Record<string, unknown>;
  const out: XmlNode[] = [];
  chain.forEach((c, i) => {
    for (const m of c.members) {
      const node = serializeMember(c, m, obj[m.key], { prefix: prefixes[i] ?? '', scope, namespaces, where }, context);
      if (node !== undefined) out.push(node);
    }
  });
  return out;
}

/** One data member's element, or undefined when EmitDefaultValue=false leaves it out. */
function serializeMember(
  type: DataContract,
  m: DataContract['members'][number],
  v: unknown,
  at: { readonly prefix: string; readonly scope: PrefixScope; readonly namespaces: XmlnsDeclaration[]; readonly where: string },
  context: WriteContext,
): XmlElement | undefined {
  if (!m.emitDefaultValue && isDefaultValue(m.type, v)) return undefined;
  if (v === undefined && m.isRequired) {
    throw invalid(`'${at.where}.${m.key}' is required by data contract '${type.name}' but missing. Set it.`);
  }
  const mv = v === undefined ? defaultValue(m.type) : v;
  if ((mv === null || mv === undefined) && at.scope.namespaceOf('i') !== Ns.xsi) ensureXsi(at.scope, at.namespaces);
  return serializeElement(m.type, mv, { prefix: at.prefix, localName: m.name, scope: at.scope, root: false, path: `${at.where}.${m.key}` }, context);
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
  context: WriteContext,
): XmlNode[] {
  if (!Array.isArray(value)) throw invalid(`'${where}' must be an array, got ${typeof value}.`);
  const item = type.item;
  // A [CollectionDataContract]'s items are in its own namespace, named ItemName (CollectionDataContract.cs).
  const ns = type.contract?.namespace ?? itemNamespace(item);
  const prefix = scope.namespaceOf('') === ns ? '' : ensurePrefix(ns, scope, namespaces);
  if (root) ensureXsi(scope, namespaces);
  const itemName = type.contract?.itemName ?? contractName(item);
  if (value.length === 0) return [];
  // Array records are for CLR arrays (XmlFormatWriter TryWritePrimitiveArray); a collection class writes each item.
  const recordType = typeof item === 'string' && type.contract === undefined ? ARRAY_RECORD_TYPES[item] : undefined;
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
  return value.map((v, i) => serializeElement(item, v, { prefix, localName: itemName, scope, root: false, path: `${where}[${i}]` }, context));
}

/** A dictionary's entries: `<KeyValueOf{K}{V}><Key>…</Key><Value>…</Value></…>` in the Arrays namespace (CollectionDataContract of KeyValue<K, V>). */
function serializeDictionary(
  type: DictionaryType,
  value: unknown,
  scope: PrefixScope,
  namespaces: XmlnsDeclaration[],
  root: boolean,
  where: string,
  context: WriteContext,
): XmlNode[] {
  if (!(value instanceof Map)) throw invalid(`'${where}' must be a Map, got ${Array.isArray(value) ? 'an array' : typeof value}.`);
  const { ns, itemName, keyName, valueName } = dictionaryNames(type);
  const prefix = scope.namespaceOf('') === ns ? '' : ensurePrefix(ns, scope, namespaces);
  if (root) ensureXsi(scope, namespaces);
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
        serializeElement(type.key, k, { prefix, localName: keyName, scope: entry, root: false, path: `${path}.Key` }, context),
        serializeElement(type.value, v, { prefix, localName: valueName, scope: entry, root: false, path: `${path}.Value` }, context),
      ],
    });
  }
  return out;
}

/** A dictionary's element names: a [CollectionDataContract]'s, or KeyValue<K, V>'s in the Arrays namespace. */
function dictionaryNames(type: DictionaryType): { ns: string; itemName: string; keyName: string; valueName: string } {
  const c = type.contract;
  if (c !== undefined) return { ns: c.namespace, itemName: c.itemName, keyName: c.keyName, valueName: c.valueName };
  return { ns: Ns.serializationArrays, itemName: keyValueName(type), keyName: 'Key', valueName: 'Value' };
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
    case 'qname':
      // Needs the element's prefixes: serializeElement writes it (qualified-name.ts).
      throw invalid(`'${where}' is a qname, which is written with its element.`);
    case 'stream':
      // Read whole beforehand (streamed-body.ts materializeStreams) or, on a streamed channel,
      // a marker whose record is replaced by the stream's bytes as they are produced.
      if (!(v instanceof Uint8Array)) throw invalid(`'${where}' must be a stream that was read before serializing; give a Readable.`);
      return v.length === 0 ? [] : [{ type: 'bytes', value: v }];
    case 'object':
      // A plain System.Object (runtimeValue let only an empty object through): an empty element.
      return [];
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

/** The elements enclosing the one being read, innermost first: where `i:type` prefixes resolve. */
interface ElementScope {
  readonly el: XmlElement;
  readonly parent: ElementScope | undefined;
}

/** What reading carries down the tree: the known types in scope and the enclosing elements. */
interface ReadContext {
  readonly known: KnownTypes;
  readonly scope: ElementScope | undefined;
  /** The objects read so far with `z:Id` in this root value (object-references.ts). */
  readonly refs: ObjectTable;
}

/** A fresh context for one root value: .NET scopes z:Id to one ReadObject call (XmlObjectSerializerReadContext). */
function rootRead(): ReadContext {
  return { known: KnownTypes.empty, scope: undefined, refs: new ObjectTable() };
}

/**
 * Reads a value of `type` from an element written by DataContractSerializer (or by Mono, or by
 * this package). Numbers are accepted from any numeric record and from text (docs/protocol.md §13).
 * An `i:type` naming a known type derived from `type` (or any known type, for `object`) reads the
 * value as that type.
 */
export function deserializeElement(type: TypeRef, el: XmlElement, where = el.localName, context: ReadContext = rootRead()): unknown {
  if (isKnownTypesScope(type)) return deserializeElement(type.item, el, where, { ...context, known: context.known.forDeclared(type) });
  const inner: ReadContext = { known: context.known.forDeclared(type), scope: { el, parent: context.scope }, refs: context.refs };
  if (isNil(el)) {
    if (!isNullable(type)) throw failed(`'${where}' is nil, but its type ${describe(type)} cannot be null.`);
    return null;
  }
  const ref = getAttribute(el, 'Ref', Ns.serialization);
  if (ref !== undefined) return referenced(type, el, textOf(ref.value), where, context.refs);
  const xsiType = readXsiType(el, inner.scope, where);
  if (type === 'object') return readObject(el, where, xsiType, inner);
  if (xsiType === undefined || sameName(xsiType, typeNameOf(type))) return readAs(type, el, where, inner);
  const actual = resolveKnown(type, xsiType, inner.known, where);
  if (!isDataContract(type) || !isDataContract(actual) || !derivesFrom(actual, type)) {
    throw failed(`'${where}' holds a '${describeTypeName(xsiType)}' (i:type), which is not the declared type ${describe(type)} or derived from it. Sender and receiver use different contracts.`);
  }
  return tagContract(readAs(actual, el, where, { ...inner, known: inner.known.forDeclared(actual) }) as object, actual);
}

/** Reads `el` as `type`, whatever its `i:type` said. */
function readAs(type: TypeRef, el: XmlElement, where: string, context: ReadContext): unknown {
  if (isArrayType(type)) return deserializeArray(type, el, where, context);
  if (isDataContract(type)) return deserializeObject(type, el, where, context);
  if (isDictionaryType(type)) return deserializeDictionary(type, el, where, context);
  if (isNullableType(type)) return readAs(type.item, el, where, context);
  if (isEnumType(type)) return enumValue(type, joined(textValues(el)), where);
  if (isKnownTypesScope(type)) return readAs(type.item, el, where, { ...context, known: context.known.forDeclared(type) });
  if (type === 'object') return {};
  if (type === 'qname') return readQualifiedName(joined(textValues(el)), (p) => lookupNamespace(p, context.scope), where);
  return readPrimitive(type, textValues(el), where);
}

/**
 * An `object` member: the type `i:type` names, as its TypeScript value (see ObjectValue): strings
 * and booleans as they are, data contracts tagged with their contract, other types as `Typed`.
 * Without `i:type` it is a plain System.Object, read as `{}`.
 */
function readObject(el: XmlElement, where: string, xsiType: TypeName | undefined, context: ReadContext): unknown {
  if (xsiType === undefined) return {};
  const actual = resolveKnown('object', xsiType, context.known, where);
  const value = readAs(actual, el, where, { ...context, known: context.known.forDeclared(actual) });
  if (actual === 'string' || actual === 'bool' || actual === 'object') return value;
  if (isDataContract(actual)) return tagContract(value as object, actual);
  return new Typed(actual, value);
}

function sameName(a: TypeName, b: TypeName): boolean {
  return a.name === b.name && a.namespace === b.namespace;
}

/**
 * The known type `name` maps to, or the error WCF gives when none does
 * (XmlObjectSerializerReadContext.cs, ResolveDataContractFromKnownTypes / DcTypeNotFoundOnDeserialize).
 */
function resolveKnown(declared: TypeRef, name: TypeName, known: KnownTypes, where: string): TypeRef {
  const t = known.resolve(name);
  if (t !== undefined) return t;
  throw new SoapError(
    SoapErrorCodes.UNKNOWN_TYPE,
    `Element '${where}' contains data from a type that maps to the name '${name.namespace}:${name.name}'. The deserializer has no knowledge of any type that maps to this name. ` +
      `Consider using a DataContractResolver or add the type corresponding to '${name.name}' to the list of known types: \`knownTypes\` of ${isDataContract(declared) ? `data contract '${declared.name}'` : 'the enclosing data contract'} ([KnownType]) or of the service contract ([ServiceKnownType]).`,
  );
}

/** The `i:type` of `el` as a name and namespace, its prefix resolved in the enclosing elements. */
function readXsiType(el: XmlElement, scope: ElementScope | undefined, where: string): TypeName | undefined {
  const a = getAttribute(el, 'type', Ns.xsi);
  if (a === undefined) return undefined;
  let prefix: string;
  let name: string;
  if (a.value.type === 'qname') {
    prefix = a.value.prefix;
    name = a.value.localName;
  } else {
    const text = textOf(a.value).trim();
    const colon = text.indexOf(':');
    prefix = colon < 0 ? '' : text.slice(0, colon);
    name = colon < 0 ? text : text.slice(colon + 1);
  }
  if (name === '') throw failed(`'${where}' has an empty i:type.`);
  const namespace = lookupNamespace(prefix, scope);
  if (namespace === undefined) throw failed(`The i:type of '${where}' uses the prefix '${prefix}', which no enclosing element declares.`);
  return { name, namespace };
}

/** The namespace `prefix` stands for at `scope`: a declaration, or an element's own prefix (XML scoping). */
function lookupNamespace(prefix: string, scope: ElementScope | undefined): string | undefined {
  for (let s = scope; s !== undefined; s = s.parent) {
    const decl = s.el.namespaces.find((d) => d.prefix === prefix);
    if (decl !== undefined) return decl.uri;
    if (s.el.prefix === prefix) return s.el.namespaceUri;
  }
  return prefix === '' ? '' : undefined;
}

function deserializeArray(type: ArrayType, el: XmlElement, where: string, context: ReadContext): unknown[] {
  const item = type.item;
  const ns = type.contract?.namespace ?? itemNamespace(item);
  const name = type.contract?.itemName ?? contractName(item);
  const out: unknown[] = [];
  recordId(type, el, out, where, context);
  childElements(el).forEach((c, i) => {
    if (c.localName !== name || c.namespaceUri !== ns) {
      throw failed(`'${where}' holds <${c.localName}> in '${c.namespaceUri}'; expected <${name}> in '${ns}'.`);
    }
    out.push(deserializeElement(item, c, `${where}[${i}]`, context));
  });
  return out;
}

function deserializeDictionary(type: DictionaryType, el: XmlElement, where: string, context: ReadContext): Map<unknown, unknown> {
  const { ns, itemName: name, keyName, valueName } = dictionaryNames(type);
  const out = new Map<unknown, unknown>();
  recordId(type, el, out, where, context);
  childElements(el).forEach((c, i) => {
    if (c.localName !== name || c.namespaceUri !== ns) {
      throw failed(`'${where}' holds <${c.localName}> in '${c.namespaceUri}'; expected <${name}> in '${ns}'.`);
    }
    const parts = childElements(c);
    const key = parts.find((p) => p.localName === keyName && p.namespaceUri === ns);
    const value = parts.find((p) => p.localName === valueName && p.namespaceUri === ns);
    if (key === undefined) throw failed(`'${where}[${i}]' has no <${keyName}>.`);
    const entry: ReadContext = { ...context, scope: { el: c, parent: context.scope } };
    const k = deserializeElement(type.key, key, `${where}[${i}].Key`, entry);
    if (out.has(k)) throw failed(`'${where}' has the key ${String(k)} twice.`);
    out.set(k, value === undefined ? defaultValue(type.value) : deserializeElement(type.value, value, `${where}[${i}].Value`, entry));
  });
  return out;
}

/**
 * The object an element with `z:Ref` stands for; its content, if any, is ignored as .NET does
 * (XmlObjectSerializerReadContext.ReadAttributes, then GetExistingObject).
 */
function referenced(type: TypeRef, el: XmlElement, id: string, where: string, refs: ObjectTable): unknown {
  if (getAttribute(el, 'Id', Ns.serialization) !== undefined) throw failed(`'${where}' has both z:Id and z:Ref; an element either defines an object or refers to one.`);
  if (!isDataContract(type) && !isReferenceType(type) && type !== 'object') {
    throw failed(`'${where}' has z:Ref, but its type ${describe(type)} is not a data contract or collection contract with isReference.`);
  }
  const found = refs.get(id, where);
  const fits = isDataContract(type) ? isDataContract(found.type) && derivesFrom(found.type, type) : type === 'object' || found.type === type;
  if (!fits) {
    const declared = isDataContract(type) ? `data contract '${describe(type)}' or derived from it` : `collection contract '${describe(type)}'`;
    throw failed(`'${where}' refers to z:Ref '${id}', a '${describe(found.type)}', which is not the declared ${declared}.`);
  }
  return found.value;
}

/** A data contract or [CollectionDataContract] with isReference: its values keep their identity (object-references.ts). */
function isReferenceType(type: TypeRef): boolean {
  if (isDataContract(type)) return type.isReference === true;
  if (isArrayType(type) || isDictionaryType(type)) return type.contract?.isReference === true;
  return false;
}

/** Records an isReference value under its z:Id, before its content is read, so a cycle back to it resolves. */
function recordId(type: TypeRef, el: XmlElement, value: object, where: string, context: ReadContext): void {
  if (!isReferenceType(type)) return;
  const id = getAttribute(el, 'Id', Ns.serialization);
  if (id !== undefined) context.refs.add(textOf(id.value), { value, type }, where);
}

function deserializeObject(type: DataContract, el: XmlElement, where: string, context: ReadContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  recordId(type, el, out, where, context);
  // Members are elements in their class's namespace: a derived contract's base members in the base's.
  const byName = new Map<string, XmlElement>();
  for (const c of childElements(el)) {
    const key = `${c.namespaceUri}\n${c.localName}`;
    if (!byName.has(key)) byName.set(key, c);
  }
  for (const cls of classChain(type)) {
    for (const m of cls.members) {
      const c = byName.get(`${cls.namespace}\n${m.name}`);
      if (!c) {
        if (m.isRequired) throw failed(`'${where}' lacks the required member <${m.name}> of data contract '${cls.name}'.`);
        out[m.key] = defaultValue(m.type);
        continue;
      }
      out[m.key] = deserializeElement(m.type, c, `${where}.${m.key}`, context);
    }
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
      case 'qname':
        // Needs the element's declarations: readAs reads it (qualified-name.ts).
        throw failed('a qname is read with its element.');
      case 'stream':
        return Readable.from([Buffer.from(readBytes(values))]);
      case 'object':
        return {};
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
