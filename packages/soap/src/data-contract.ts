import { Readable } from 'node:stream';
import { NetDateTime } from './date-time.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import { genericNameDigest } from './namespace-digest.js';
import { Ns } from './namespaces.js';
import { TimeSpan } from './time-span.js';
import {
  type ArrayType,
  type DataContract,
  type DataMember,
  type DictionaryType,
  type EnumType,
  type KnownTypesList,
  type KnownTypesScope,
  type NullableType,
  type MemberDef,
  type PrimitiveType,
  PrimitiveTypes,
  type TypeRef,
} from './types.js';

/** What `defineDataContract` takes. */
export interface DataContractDefinition<M extends Record<string, MemberDef>, B extends DataContract | undefined = DataContract | undefined> {
  /** The contract name (DataContract Name), also the element name of array items of this type. */
  readonly name: string;
  /** The contract namespace (DataContract Namespace); members are elements in it. */
  readonly namespace: string;
  /**
   * This class's own members (a derived contract's base members come from `base`); a function
   * when a member refers to this contract itself (`Next: Node`), which only exists once this returns.
   */
  readonly members: M | (() => M);
  /** The base data contract, for a class derived from another [DataContract] class. */
  readonly base?: B;
  /**
   * [KnownType]: the types a value declared as this contract may hold, usually its derived
   * contracts; a function when they are declared after this one (`() => [Manager]`).
   */
  readonly knownTypes?: KnownTypesList;
  /**
   * [DataContract(IsReference = true)]: values keep their identity in a message. The first
   * occurrence of an object is written with `z:Id="i1"`, later ones as an empty element with
   * `z:Ref="i1"`, so shared objects and cycles round-trip (object-references.ts). A derived
   * contract takes its base's setting; .NET refuses a derived class that differs from its base.
   */
  readonly isReference?: boolean;
}

/** The members of a derived contract as TypeScript sees them: the base's, then its own. */
type MergedMembers<M extends Record<string, MemberDef>, B> = B extends DataContract<infer BM extends Record<string, MemberDef>> ? BM & M : M;

const NCNAME = /^[A-Za-z_][\w.-]*$/u;

/** Checks a name used as an XML element name. */
export function assertNcName(name: string, what: string): void {
  if (!NCNAME.test(name)) {
    throw new SoapError(
      SoapErrorCodes.INVALID_CONTRACT,
      `${what} '${name}' is not a valid XML name. Use letters, digits, '_', '-' and '.', starting with a letter or '_'.`,
    );
  }
}

/**
 * Declares a data contract. Members are written in DataContractSerializer order: members without
 * an `order` first, then by `order`; ties sort by name, ordinal (so "Age" < "Name" < "Scores").
 *
 * ```ts
 * const Person = defineDataContract({
 *   name: 'Person', namespace: 'http://example.org/people',
 *   members: { Name: 'string', Age: 'int', Scores: arrayOf('double') },
 * });
 * ```
 */
export function defineDataContract<const M extends Record<string, MemberDef>, const B extends DataContract | undefined = undefined>(
  def: DataContractDefinition<M, B>,
): DataContract<MergedMembers<M, B>> {
  assertNcName(def.name, 'The data contract name');
  const base = def.base;
  if (base !== undefined && !isDataContract(base)) {
    throw new SoapError(SoapErrorCodes.INVALID_CONTRACT, `The base of data contract '${def.name}' is not a data contract. Pass the result of defineDataContract.`);
  }
  if (def.knownTypes !== undefined && typeof def.knownTypes !== 'function') {
    def.knownTypes.forEach((t, i) => assertTypeRef(t, `known type ${i} of data contract '${def.name}'`));
  }
  const isReference = def.isReference ?? base?.isReference ?? false;
  if (base !== undefined && (base.isReference ?? false) !== isReference) {
    // ClassDataContract.cs: "Derived types must have the same value for IsReference as the base type."
    throw new SoapError(SoapErrorCodes.INVALID_CONTRACT, `Data contract '${def.name}' has isReference ${String(isReference)}, but its base '${base.name}' has ${String(base.isReference ?? false)}. A derived contract must have the same isReference as its base.`);
  }
  const resolve = (): { members: DataMember[]; definition: MergedMembers<M, B> } => {
    const own = typeof def.members === 'function' ? def.members() : def.members;
    const members: DataMember[] = [];
    const wireNames = new Set<string>();
    const inherited = base === undefined ? new Set<string>() : new Set(Object.keys(base.definition));
    for (const [key, d] of Object.entries(own)) {
      // The TypeScript value is one flat object, so a derived member cannot reuse a base member's key.
      if (inherited.has(key)) {
        throw new SoapError(SoapErrorCodes.INVALID_CONTRACT, `Data contract '${def.name}' declares '${key}', which its base '${base?.name ?? ''}' already has. Give the member another key (and \`name\` for the wire).`);
      }
      const opts = isMemberOptions(d) ? d : { type: d };
      assertTypeRef(opts.type, `member '${key}' of data contract '${def.name}'`);
      const name = opts.name ?? key;
      assertNcName(name, `The member name of '${def.name}.${key}'`);
      if (wireNames.has(name)) {
        throw new SoapError(SoapErrorCodes.INVALID_CONTRACT, `Data contract '${def.name}' has two members named '${name}'. Give each member its own name.`);
      }
      wireNames.add(name);
      members.push({
        key,
        name,
        type: opts.type,
        order: opts.order,
        isRequired: opts.isRequired ?? false,
        emitDefaultValue: opts.emitDefaultValue ?? true,
      });
    }
    members.sort((a, b) => {
      const oa = a.order ?? -1;
      const ob = b.order ?? -1;
      if (oa !== ob) return oa - ob;
      // DataContractSerializer sorts names with string.CompareOrdinal (UTF-16 code units).
      return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    });
    // The base's members are its own business: each class sorts its own, and the base's come first
    // when written (DataContract.cs, ClassDataContract: BaseContract members precede).
    const definition = (base === undefined ? own : { ...base.definition, ...own }) as MergedMembers<M, B>;
    return { members, definition };
  };
  if (typeof def.members !== 'function') {
    const { members, definition } = resolve();
    return { kind: 'dataContract', name: def.name, namespace: def.namespace, members, definition, base, knownTypes: def.knownTypes, ...(isReference ? { isReference } : {}) };
  }
  // Resolved on first use: by then the function can see the contract it refers to.
  let resolved: { members: DataMember[]; definition: MergedMembers<M, B> } | undefined;
  const get = (): { members: DataMember[]; definition: MergedMembers<M, B> } => (resolved ??= resolve());
  return {
    kind: 'dataContract',
    name: def.name,
    namespace: def.namespace,
    get members() {
      return get().members;
    },
    get definition() {
      return get().definition;
    },
    base,
    knownTypes: def.knownTypes,
    ...(isReference ? { isReference } : {}),
  };
}

/** The contract and its bases, the root base first: the order their members are written in. */
export function classChain(type: DataContract): DataContract[] {
  const chain: DataContract[] = [];
  for (let t: DataContract | undefined = type; t !== undefined; t = t.base) {
    // A chain only grows through defineDataContract, so it cannot loop; the bound guards hand-made ones.
    if (chain.length > 64) throw new SoapError(SoapErrorCodes.INVALID_CONTRACT, `Data contract '${type.name}' has more than 64 base contracts.`);
    chain.unshift(t);
  }
  return chain;
}

/** True when `derived` is `base` or derives from it. */
export function derivesFrom(derived: DataContract, base: DataContract): boolean {
  return classChain(derived).includes(base);
}

export function isKnownTypesScope(t: TypeRef): t is KnownTypesScope {
  return typeof t === 'object' && t.kind === 'knownTypes';
}

function isMemberOptions(d: MemberDef): d is Exclude<MemberDef, TypeRef> {
  return typeof d === 'object' && !('kind' in d);
}

export function isPrimitive(t: TypeRef): t is PrimitiveType {
  return typeof t === 'string';
}

export function isArrayType(t: TypeRef): t is ArrayType {
  return typeof t === 'object' && t.kind === 'array';
}

export function isDataContract(t: TypeRef): t is DataContract {
  return typeof t === 'object' && t.kind === 'dataContract';
}

/** Throws INVALID_CONTRACT unless `t` is a TypeRef. */
export function assertTypeRef(t: unknown, where: string, options: { part?: boolean } = {}): asserts t is TypeRef {
  if (t === 'stream' && options.part !== true) {
    throw new SoapError(
      SoapErrorCodes.INVALID_CONTRACT,
      `The type of ${where} is 'stream', which can only be an operation's parameter or result (WCF's Stream). Use 'bytes' here.`,
    );
  }
  if (typeof t === 'string' && (PrimitiveTypes as readonly string[]).includes(t)) return;
  if (typeof t === 'object' && t !== null) {
    const k = (t as { kind?: unknown }).kind;
    if (k === 'array') {
      assertTypeRef((t as ArrayType).item, where);
      return;
    }
    if (k === 'nullable') {
      const item = (t as NullableType).item;
      assertTypeRef(item, where);
      if (isNullable(item) || item === 'stream') {
        throw new SoapError(
          SoapErrorCodes.INVALID_CONTRACT,
          `The type of ${where} is nullable(${describeType(item)}), but only value types (numbers, bool, decimal, dateTime, guid, timeSpan, char, enums) take nullable(); ${describeType(item)} can be null already.`,
        );
      }
      return;
    }
    if (k === 'enum') return;
    if (k === 'knownTypes') {
      assertTypeRef((t as KnownTypesScope).item, where, options);
      return;
    }
    if (k === 'dictionary') {
      const { key, value } = t as DictionaryType;
      assertTypeRef(key, where);
      assertTypeRef(value, where);
      // A key is compared and hashed: a primitive value, an enum or a data contract (by reference, as .NET does).
      const keyOk = (isPrimitive(key) && key !== 'object' && key !== 'bytes') || isEnumType(key) || isDataContract(key);
      if (!keyOk) {
        throw new SoapError(
          SoapErrorCodes.INVALID_CONTRACT,
          `The key type of the dictionary of ${where} is ${describeType(key)}; dictionaryOf() takes a primitive (not bytes or object), an enum or a data contract as the key.`,
        );
      }
      return;
    }
    if (k === 'dataContract') return;
  }
  throw new SoapError(
    SoapErrorCodes.INVALID_CONTRACT,
    `The type of ${where} is ${JSON.stringify(t)}; use one of ${PrimitiveTypes.join(', ')}, arrayOf(...) or a data contract.`,
  );
}

/** DataContractSerializer's name of each primitive (the item element name in arrays). */
const PRIMITIVE_NAMES: Record<PrimitiveType, string> = {
  string: 'string',
  int: 'int',
  long: 'long',
  bool: 'boolean',
  float: 'float',
  double: 'double',
  decimal: 'decimal',
  dateTime: 'dateTime',
  guid: 'guid',
  timeSpan: 'duration',
  bytes: 'base64Binary',
  byte: 'unsignedByte',
  sbyte: 'byte',
  short: 'short',
  ushort: 'unsignedShort',
  uint: 'unsignedInt',
  ulong: 'unsignedLong',
  char: 'char',
  uri: 'anyURI',
  qname: 'QName',
  stream: 'base64Binary',
  object: 'anyType',
};

/** The data contract name of a type: `int`, `ArrayOfint`, `Person`, `ArrayOfPerson`, a [CollectionDataContract]'s Name. */
export function contractName(t: TypeRef): string {
  if (isPrimitive(t)) return PRIMITIVE_NAMES[t];
  if (isArrayType(t)) return t.contract?.name ?? `ArrayOf${contractName(t.item)}`;
  // Nullable<T> has T's contract name (DataContractSerializer sees through it).
  if (isNullableType(t)) return contractName(t.item);
  if (isDictionaryType(t)) return t.contract?.name ?? `ArrayOf${keyValueName(t)}`;
  if (isKnownTypesScope(t)) return contractName(t.item);
  return t.name;
}

/**
 * The namespace of the items of an array of `item`: the Arrays namespace for primitives and
 * arrays of primitives, the contract namespace for data contracts (as DataContractSerializer).
 */
export function itemNamespace(item: TypeRef): string {
  if (isDataContract(item) || isEnumType(item)) return item.namespace;
  if (isArrayType(item)) return item.contract?.namespace ?? itemNamespace(item.item);
  if (isNullableType(item) || isKnownTypesScope(item)) return itemNamespace(item.item);
  if (isDictionaryType(item)) return item.contract?.namespace ?? Ns.serializationArrays;
  return Ns.serializationArrays;
}

// DataContractSerializer names char, Guid and TimeSpan in its own namespace, the other primitives
// in XML Schema's (PrimitiveDataContract.cs: CharDataContract, GuidDataContract, TimeSpanDataContract).
const SERIALIZATION_NAMESPACE_PRIMITIVES: ReadonlySet<PrimitiveType> = new Set(['char', 'guid', 'timeSpan']);

/** The contract namespace of a type: XML Schema's for most primitives, a contract's own, an array's items'. */
export function contractNamespace(t: TypeRef): string {
  if (isKnownTypesScope(t) || isNullableType(t)) return contractNamespace(t.item);
  if (isPrimitive(t)) return SERIALIZATION_NAMESPACE_PRIMITIVES.has(t) ? Ns.serialization : Ns.xs;
  if (isDataContract(t) || isEnumType(t)) return t.namespace;
  if (isDictionaryType(t)) return t.contract?.namespace ?? Ns.serializationArrays;
  return t.contract?.namespace ?? itemNamespace(t.item);
}

/** True for types whose values may be null (CLR reference types). */
export function isNullable(t: TypeRef): boolean {
  if (isEnumType(t)) return false;
  if (isKnownTypesScope(t)) return isNullable(t.item);
  return !isPrimitive(t) || t === 'string' || t === 'bytes' || t === 'uri' || t === 'qname' || t === 'object';
}

export function isNullableType(t: TypeRef): t is NullableType {
  return typeof t === 'object' && t.kind === 'nullable';
}

export function isDictionaryType(t: TypeRef): t is DictionaryType {
  return typeof t === 'object' && t.kind === 'dictionary';
}

/**
 * The item name of a plain dictionary, KeyValue<K, V>'s contract name: `KeyValueOf{K}{V}` with the
 * contract names of K and V (`KeyValueOfstringint`), then the namespace digest when K or V is not
 * in a built-in namespace (`KeyValueOfstringPersonZKz6VVYG`; namespace-digest.ts).
 */
export function keyValueName(t: DictionaryType): string {
  return `KeyValueOf${contractName(t.key)}${contractName(t.value)}${genericNameDigest([contractNamespace(t.key), contractNamespace(t.value)])}`;
}

export function isEnumType(t: TypeRef): t is EnumType {
  return typeof t === 'object' && t.kind === 'enum';
}

function describeType(t: TypeRef): string {
  return typeof t === 'string' ? t : contractName(t);
}

const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

/** default(T): what a missing element reads as, and what EmitDefaultValue=false omits. */
export function defaultValue(t: TypeRef): unknown {
  if (isKnownTypesScope(t)) return defaultValue(t.item);
  if (isEnumType(t)) {
    // default(TEnum) is 0: the member numbered 0, or 0 itself for [Flags].
    if (t.flags) return 0;
    return (t.members.find((m) => m.value === 0) ?? t.members[0])?.name ?? null;
  }
  switch (t) {
    case 'int':
    case 'float':
    case 'double':
    case 'byte':
    case 'sbyte':
    case 'short':
    case 'ushort':
    case 'uint':
      return 0;
    case 'long':
    case 'ulong':
      return 0n;
    case 'char':
      return '\0';
    case 'bool':
      return false;
    case 'decimal':
      return '0';
    case 'dateTime':
      return new NetDateTime(0n);
    case 'guid':
      return ZERO_GUID;
    case 'timeSpan':
      return new TimeSpan(0n);
    case 'stream':
      // A missing stream part reads as an empty stream, so a `stream` value is always a Readable.
      return Readable.from([]);
    default:
      return null;
  }
}

/** True when `v` equals default(T) for `t`. */
export function isDefaultValue(t: TypeRef, v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (isKnownTypesScope(t)) return isDefaultValue(t.item, v);
  if (isEnumType(t)) return v === defaultValue(t);
  switch (t) {
    case 'int':
    case 'float':
    case 'double':
    case 'byte':
    case 'sbyte':
    case 'short':
    case 'ushort':
    case 'uint':
      return v === 0;
    case 'long':
    case 'ulong':
      return v === 0n || v === 0;
    case 'char':
      return v === '\0';
    case 'bool':
      return v === false;
    case 'decimal':
      return typeof v === 'string' && /^[+-]?0*\.?0*$/.test(v.trim());
    case 'dateTime':
      return v instanceof NetDateTime ? v.ticks === 0n : false;
    case 'guid':
      return typeof v === 'string' && v.toLowerCase() === ZERO_GUID;
    case 'timeSpan':
      return v instanceof TimeSpan && v.ticks === 0n;
    default:
      return false;
  }
}
