// Known types and runtime types: what DataContractSerializer writes as `i:type` when a value's type
// is not the declared one (a derived data contract, or anything held by an `object`), and the set
// of types a reader accepts there. .NET: XmlObjectSerializerWriteContext.cs (WriteTypeInfo,
// SerializeWithXsiType), XmlObjectSerializerReadContext.cs (ReadDataContractValue, ResolveDataContractFromKnownTypes),
// DataContract.cs (ImportKnownTypeAttributes).
import { classChain, contractName, contractNamespace, isArrayType, isDataContract, isKnownTypesScope, isNullableType, isPrimitive } from './data-contract.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import type { DataContract, DataObject, KnownTypesList, PrimitiveType, TypeRef, ValueOf } from './types.js';

/** A contract name and namespace: the value of `i:type`. */
export interface TypeName {
  readonly name: string;
  readonly namespace: string;
}

/** The `i:type` name of a type: `xs:int`, `ser:guid`, `ArrayOfint` in the Arrays namespace, a contract's own name. */
export function typeNameOf(t: TypeRef): TypeName {
  return { name: contractName(t), namespace: contractNamespace(t) };
}

function keyOf(n: TypeName): string {
  return `${n.namespace}\n${n.name}`;
}

/** The primitives an `object` can always hold (no [KnownType] needed), by their `i:type` name. */
const PRIMITIVES_BY_NAME: ReadonlyMap<string, PrimitiveType> = new Map(
  (['string', 'int', 'long', 'bool', 'float', 'double', 'decimal', 'dateTime', 'guid', 'timeSpan', 'bytes', 'byte', 'sbyte', 'short', 'ushort', 'uint', 'ulong', 'char', 'uri', 'qname', 'object'] as const).map(
    (t) => [keyOf(typeNameOf(t)), t],
  ),
);

function listOf(list: KnownTypesList | undefined): readonly TypeRef[] {
  if (list === undefined) return [];
  return typeof list === 'function' ? list() : list;
}

/**
 * The types a reader may find in `i:type` at one place: the known types of the enclosing contracts
 * and of the operation, each with its own known types and its bases' (DataContract.cs
 * ImportKnownTypeAttributes walks both), and the primitives. Immutable; `with` extends it.
 */
export class KnownTypes {
  static readonly empty = new KnownTypes(new Map());

  readonly #byName: ReadonlyMap<string, TypeRef>;

  private constructor(byName: ReadonlyMap<string, TypeRef>) {
    this.#byName = byName;
  }

  /** This set with `types` and what they bring in; `this` when nothing is new. */
  with(types: readonly TypeRef[]): KnownTypes {
    let map: Map<string, TypeRef> | undefined;
    const pending = [...types];
    for (let t = pending.pop(); t !== undefined; t = pending.pop()) {
      if (isKnownTypesScope(t)) t = t.item;
      const key = keyOf(typeNameOf(t));
      if ((map ?? this.#byName).has(key)) continue;
      if (!isPrimitive(t)) {
        map ??= new Map(this.#byName);
        map.set(key, t);
      }
      if (isArrayType(t) || isNullableType(t)) pending.push(t.item);
      if (isDataContract(t)) for (const c of classChain(t)) pending.push(c, ...listOf(c.knownTypes));
    }
    return map === undefined ? this : new KnownTypes(map);
  }

  /** This set with the known types `declared` brings in (a data contract's [KnownType]s, a scope's). */
  forDeclared(declared: TypeRef): KnownTypes {
    if (isKnownTypesScope(declared)) return this.with([...listOf(declared.knownTypes), declared.item]);
    if (isDataContract(declared) || isArrayType(declared)) return this.with([declared]);
    return this;
  }

  /** The type named `name`: a primitive, or one of this set. */
  resolve(name: TypeName): TypeRef | undefined {
    const key = keyOf(name);
    return PRIMITIVES_BY_NAME.get(key) ?? this.#byName.get(key);
  }

  has(t: TypeRef): boolean {
    const found = this.#byName.get(keyOf(typeNameOf(t)));
    // Data contracts are known by identity (two contracts may share a name); arrays, enums and
    // dictionaries by their contract name.
    return isPrimitive(t) || (isDataContract(t) ? found === t : found !== undefined);
  }
}

// ---- runtime types of TypeScript values ---------------------------------------------------------

const kContract = Symbol.for('@portshare/soap/dataContract');

/**
 * A value of an explicit type, for an `object` member (`typed('int', 5)`, `typed('double', 5)`,
 * `typed(arrayOf('int'), [1, 2])`): JavaScript numbers do not say which CLR type they are.
 */
export class Typed<T extends TypeRef = TypeRef, V = unknown> {
  readonly type: T;
  readonly value: V;

  constructor(type: T, value: V) {
    this.type = type;
    this.value = value;
  }
}

/** What `typed` takes for a type: a contract's members, a primitive's value; other values are checked when written. */
export type TypedInput<T> = T extends { readonly kind: 'dataContract'; readonly definition: infer M } ? DataObject<M> : T extends PrimitiveType ? ValueOf<T> : unknown;

/** What `typed` gives: the (tagged) object for a data contract, a `Typed` otherwise. */
export type TypedOutput<T> = T extends { readonly kind: 'dataContract'; readonly definition: infer M } ? DataObject<M> : T extends TypeRef ? Typed<T, TypedInput<T>> : never;

/** The signature of `typed` (one signature: overloads would make TypeScript expand ValueOf over every TypeRef). */
export type TypedFunction = <const T extends TypeRef>(type: T, value: TypedInput<T>) => TypedOutput<T>;

function typedValue(type: TypeRef, value: unknown): unknown {
  if (!isDataContract(type)) return new Typed(type, value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SoapError(SoapErrorCodes.INVALID_VALUE, `typed(${type.name}, …) takes an object of the contract's members, got ${value === null ? 'null' : typeof value}.`);
  }
  return tagContract({ ...value }, type);
}

/**
 * Says which type a value has where the declared type is wider:
 * - `typed(Manager, { … })`: a data contract object of that contract, for a place declared as its
 *   base or as `object` (the object is copied, its contract kept in a hidden property);
 * - `typed('int', 5)`: a `Typed` value for an `object` place.
 */
export const typed = typedValue as unknown as TypedFunction;

/** Marks `obj` as a value of contract `type` (a hidden, non-enumerable property). */
export function tagContract<T extends object>(obj: T, type: DataContract): T {
  Object.defineProperty(obj, kContract, { value: type, enumerable: false, configurable: true });
  return obj;
}

/** The data contract a value was made with by `typed` or read as through `i:type`; undefined for plain objects. */
export function contractOf(value: unknown): DataContract | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const c = (value as { [kContract]?: unknown })[kContract];
  return typeof c === 'object' && c !== null && isDataContract(c as TypeRef) ? (c as DataContract) : undefined;
}

/** The `i:type` text of a name for error messages, as WCF quotes it: `Manager:http://example.org/staff`. */
export function describeTypeName(n: TypeName): string {
  return `${n.name}:${n.namespace}`;
}
