import type { Readable } from 'node:stream';
import type { NetDateTime } from './date-time.js';
import type { TimeSpan } from './time-span.js';

/**
 * The primitive types a contract can use, named for their CLR counterparts:
 *
 * | name       | CLR        | TypeScript value              |
 * |------------|------------|-------------------------------|
 * | `string`   | string     | `string \| null`              |
 * | `int`      | int        | `number` (int32)              |
 * | `long`     | long       | `bigint`                      |
 * | `bool`     | bool       | `boolean`                     |
 * | `float`    | float      | `number` (rounded to single)  |
 * | `double`   | double     | `number`                      |
 * | `decimal`  | decimal    | `string` ("123.45")           |
 * | `dateTime` | DateTime   | `NetDateTime`                 |
 * | `guid`     | Guid       | `string` (lowercase `D` form) |
 * | `timeSpan` | TimeSpan   | `TimeSpan`                    |
 * | `bytes`    | byte[]     | `Uint8Array \| null`          |
 * | `byte`     | byte       | `number` (0..255)             |
 * | `sbyte`    | sbyte      | `number` (-128..127)          |
 * | `short`    | short      | `number` (int16)              |
 * | `ushort`   | ushort     | `number` (uint16)             |
 * | `uint`     | uint       | `number` (uint32)             |
 * | `ulong`    | ulong      | `bigint` (uint64)             |
 * | `char`     | char       | `string` (one UTF-16 unit)    |
 * | `uri`      | Uri        | `string \| null`              |
 * | `qname`    | XmlQualifiedName | `QualifiedName \| null` |
 * | `stream`   | Stream     | `Readable` (see below)        |
 * | `object`   | object     | `ObjectValue` (see below)     |
 *
 * `stream` is WCF's Stream parameter or result (streamed transfer): the operation's only body
 * part, never a data member or array item. It arrives as a Node `Readable` of the bytes and is
 * given as one (`Readable.from([bytes])` for bytes in memory). On a streamed channel
 * (`transferMode: 'streamed'`, binary encoding) the bytes move as they are read and written,
 * with backpressure; elsewhere the stream is read whole into the message, as WCF's buffered mode does.
 *
 * `object` is a member, parameter or result declared `object` in C#: each value carries its runtime
 * type in `i:type` (known-types.ts).
 */
export const PrimitiveTypes = [
  'string',
  'int',
  'long',
  'bool',
  'float',
  'double',
  'decimal',
  'dateTime',
  'guid',
  'timeSpan',
  'bytes',
  'byte',
  'sbyte',
  'short',
  'ushort',
  'uint',
  'ulong',
  'char',
  'uri',
  'qname',
  'stream',
  'object',
] as const;
export type PrimitiveType = (typeof PrimitiveTypes)[number];

/**
 * An XmlQualifiedName value: a local name and a namespace URI. DataContractSerializer writes it as
 * `prefix:name` text with the prefix declared on the element (qualified-name.ts).
 */
export interface QualifiedName {
  readonly name: string;
  readonly namespace: string;
}

/**
 * The names a [CollectionDataContract] gives a list: its contract name and namespace, and the
 * element name of its items (which are in the collection's namespace, CollectionDataContract.cs).
 */
export interface CollectionNames {
  readonly name: string;
  readonly namespace: string;
  readonly itemName: string;
  /** [CollectionDataContract(IsReference = true)]: the collection keeps its identity (object-references.ts). */
  readonly isReference?: boolean | undefined;
}

/** The names a [CollectionDataContract] gives a dictionary: a list's, and the key and value element names. */
export interface DictionaryNames extends CollectionNames {
  readonly keyName: string;
  readonly valueName: string;
}

/**
 * An array (CLR `T[]`, `List<T>`) of another type. Build it with `arrayOf`, or with
 * `defineCollectionContract` for a [CollectionDataContract] list (then `contract` names it).
 */
export interface ArrayType<T extends TypeRef = TypeRef> {
  readonly kind: 'array';
  readonly item: T;
  /** [CollectionDataContract] names; absent for a plain `T[]`/`List<T>` (`ArrayOf{T}`). */
  readonly contract?: CollectionNames | undefined;
}

/**
 * A nullable value type (CLR `T?`, `Nullable<T>`) of a primitive value type or an enum. Build it
 * with `nullable`. DataContractSerializer gives it T's contract name and writes null as `i:nil`.
 */
export interface NullableType<T extends TypeRef = TypeRef> {
  readonly kind: 'nullable';
  readonly item: T;
}

/**
 * `Dictionary<K, V>` (and any IDictionary DataContractSerializer writes the same way): a list of
 * `KeyValueOf{K}{V}` items with a `Key` and a `Value`, in the Arrays namespace. When K or V has a
 * contract namespace other than XML Schema's or the Serialization one, the item name ends with a
 * namespace digest (namespace-digest.ts). Build it with `dictionaryOf`, or with
 * `defineCollectionContract` for a [CollectionDataContract] dictionary (then `contract` names it).
 */
export interface DictionaryType<K extends TypeRef = TypeRef, V extends TypeRef = TypeRef> {
  readonly kind: 'dictionary';
  readonly key: K;
  readonly value: V;
  /** [CollectionDataContract] names; absent for a plain `Dictionary<K, V>`. */
  readonly contract?: DictionaryNames | undefined;
}

/** One member of an enum: its name, its number, and the text written for it ([EnumMember] Value). */
export interface EnumMember {
  readonly name: string;
  readonly value: number;
  readonly wireName: string;
}

/**
 * An enum data contract (a CLR enum, with or without [DataContract]/[EnumMember]). Values are
 * written as member names (a [Flags] enum as the names of its set bits, space-separated). Build it
 * with `defineEnum`.
 */
export interface EnumType<M extends string = string, F extends boolean = boolean> {
  readonly kind: 'enum';
  readonly name: string;
  readonly namespace: string;
  readonly members: readonly EnumMember[];
  /** [Flags]: the TypeScript value is the number; otherwise it is the member's name. */
  readonly flags: F;
  /** Carries the member names for inference. */
  readonly memberNames: readonly M[];
}

/** Options of one data member; a bare type stands for `{ type }`. */
export interface MemberOptions<T extends TypeRef = TypeRef> {
  readonly type: T;
  /** DataMember Order: members without one come first, then by order; ties sort by name (ordinal). */
  readonly order?: number;
  /** The element name on the wire, when it differs from the property name. */
  readonly name?: string;
  /** DataMember IsRequired: reading fails when the element is missing. */
  readonly isRequired?: boolean;
  /** DataMember EmitDefaultValue (default true): when false, a default value (null, 0, false) is not written. */
  readonly emitDefaultValue?: boolean;
}

export type MemberDef = TypeRef | MemberOptions;

/** A resolved data member, in wire order. */
export interface DataMember {
  /** The property name in TypeScript values. */
  readonly key: string;
  /** The element name on the wire. */
  readonly name: string;
  readonly type: TypeRef;
  readonly order: number | undefined;
  readonly isRequired: boolean;
  readonly emitDefaultValue: boolean;
}

/** A data contract ([DataContract] class): a named set of members in one namespace. */
export interface DataContract<M extends Record<string, MemberDef> = Record<string, MemberDef>> {
  readonly kind: 'dataContract';
  readonly name: string;
  readonly namespace: string;
  /** Members in DataContractSerializer order. */
  readonly members: readonly DataMember[];
  /** The definition as given, with the base's members (carries the member types for inference). */
  readonly definition: M;
  /** The base data contract (a derived [DataContract] class); its members are written first. */
  readonly base?: DataContract | undefined;
  /**
   * [KnownType]: the types a value declared as this contract may hold (with `i:type`), as given;
   * a function when they are declared after this contract (derived contracts usually are).
   */
  readonly knownTypes?: KnownTypesList | undefined;
  /** [DataContract(IsReference = true)]: objects keep their identity through `z:Id` / `z:Ref` (object-references.ts). */
  readonly isReference?: boolean | undefined;
}

/** A list of known types, or a function giving it (for types declared later). */
export type KnownTypesList = readonly TypeRef[] | (() => readonly TypeRef[]);

/**
 * A type with extra known types in scope while its value is written and read: what
 * `defineContract`'s `knownTypes` ([ServiceKnownType]) makes of each parameter and result, as WCF
 * passes an operation's known types to its DataContractSerializer. Build it with `withKnownTypes`.
 */
export interface KnownTypesScope<T extends TypeRef = TypeRef> {
  readonly kind: 'knownTypes';
  readonly item: T;
  readonly knownTypes: KnownTypesList;
}

/**
 * The TypeScript value of an `object` member: a string (`xs:string`), a boolean (`xs:boolean`), a
 * data contract object made with `typed(Contract, …)` (or read from the wire), a `Typed` value for
 * any other type (`typed('int', 5)`), an empty object for a plain `System.Object`, or null.
 */
export type ObjectValue = string | boolean | object | null;

/** Any type a parameter, result, member or array item can have. */
export type TypeRef =
  | PrimitiveType
  | ArrayType
  | NullableType
  | EnumType
  | DictionaryType
  | DataContract<Record<string, MemberDef>>
  | KnownTypesScope;

type MemberTypeOf<D> = D extends MemberOptions<infer T> ? T : D;

/** The TypeScript object type of a data contract's members. */
export type DataObject<M> = { -readonly [K in keyof M]: ValueOf<MemberTypeOf<M[K]>> };

/** The TypeScript value type of a TypeRef. Reference types (string, arrays, bytes, data contracts) may be null. */
export type ValueOf<T> = T extends 'string' | 'uri'
  ? string | null
  : T extends 'qname'
    ? QualifiedName | null
  : T extends 'int' | 'float' | 'double' | 'byte' | 'sbyte' | 'short' | 'ushort' | 'uint'
    ? number
    : T extends 'long' | 'ulong'
      ? bigint
      : T extends 'bool'
        ? boolean
        : T extends 'decimal' | 'guid' | 'char'
          ? string
          : T extends 'dateTime'
            ? NetDateTime
            : T extends 'timeSpan'
              ? TimeSpan
              : T extends 'bytes'
                ? Uint8Array | null
                : T extends 'stream'
                  ? Readable
                : T extends 'object'
                  ? ObjectValue
                : T extends KnownTypesScope<infer I>
                  ? ValueOf<I>
                : T extends ArrayType<infer I>
                  ? ValueOf<I>[] | null
                  : T extends DictionaryType<infer K, infer V>
                    ? Map<ValueOf<K>, ValueOf<V>> | null
                    : T extends NullableType<infer I>
                      ? ValueOf<I> | null
                      : T extends EnumType<infer M, infer F>
                        ? F extends true
                          ? number
                          : M
                        : T extends DataContract<infer M>
                          ? DataObject<M> | null
                          : never;

/** The (non-null) object type of a data contract: `type Person = InstanceOf<typeof Person>`. */
export type InstanceOf<D> = D extends DataContract<infer M> ? DataObject<M> : never;

/** `T[]` of the given item type. */
export function arrayOf<const T extends TypeRef>(item: T): ArrayType<T> {
  return { kind: 'array', item };
}

/**
 * `Dictionary<K, V>`, as a `Map` in TypeScript. Keys are primitives, enums or data contracts;
 * values any type but `stream` (nullable ones too).
 */
export function dictionaryOf<const K extends TypeRef, const V extends TypeRef>(key: K, value: V): DictionaryType<K, V> {
  return { kind: 'dictionary', key, value };
}

/** `T?` of a primitive value type or an enum: the value or null (`i:nil`). */
export function nullable<const T extends TypeRef>(item: T): NullableType<T> {
  return { kind: 'nullable', item };
}

/**
 * `type` with `knownTypes` in scope, like [ServiceKnownType] on one operation: a value of `type`
 * may then hold any of them (each with its own [KnownType]s).
 */
export function withKnownTypes<const T extends TypeRef>(item: T, knownTypes: KnownTypesList): KnownTypesScope<T> {
  return { kind: 'knownTypes', item, knownTypes };
}
