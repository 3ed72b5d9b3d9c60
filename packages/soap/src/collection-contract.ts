/**
 * [CollectionDataContract] lists and dictionaries: a collection class whose contract name,
 * namespace and element names are given by the attribute (Name, Namespace, ItemName, KeyName,
 * ValueName; CollectionDataContractAttribute.cs, CollectionDataContract.cs in .NET's
 * System.Runtime.Serialization). Items, keys and values are elements in the collection's namespace.
 *
 * @module
 */

import { assertNcName, assertTypeRef, contractName, keyValueName } from './data-contract.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import type { ArrayType, DictionaryType, TypeRef } from './types.js';

/** What `defineCollectionContract` takes for a list (`class Names : List<string>`). */
export interface CollectionContractDefinition<T extends TypeRef> {
  /** CollectionDataContract Name: the collection's contract name. */
  readonly name: string;
  /** CollectionDataContract Namespace: the collection's namespace, also its items'. */
  readonly namespace: string;
  /** CollectionDataContract ItemName; defaults to the item type's contract name. */
  readonly itemName?: string;
  /** The item type. */
  readonly item: T;
  /** CollectionDataContract IsReference: one collection met twice in a value is written once, then referred to (z:Id/z:Ref). */
  readonly isReference?: boolean;
}

/** What `defineCollectionContract` takes for a dictionary (`class Scores : Dictionary<string, int>`). */
export interface DictionaryContractDefinition<K extends TypeRef, V extends TypeRef> {
  readonly name: string;
  readonly namespace: string;
  /** CollectionDataContract ItemName; defaults to `KeyValueOf{K}{V}` (with its namespace digest). */
  readonly itemName?: string;
  /** CollectionDataContract KeyName; defaults to `Key`. */
  readonly keyName?: string;
  /** CollectionDataContract ValueName; defaults to `Value`. */
  readonly valueName?: string;
  readonly key: K;
  readonly value: V;
  /** CollectionDataContract IsReference, as for a list. */
  readonly isReference?: boolean;
}

/**
 * Declares a [CollectionDataContract] list or dictionary. The TypeScript value is an array or a
 * `Map`, as for `arrayOf` and `dictionaryOf`.
 *
 * ```ts
 * // [CollectionDataContract(Name = "Names", Namespace = NS, ItemName = "Name")] class Names : List<string>
 * const Names = defineCollectionContract({ name: 'Names', namespace: NS, itemName: 'Name', item: 'string' });
 * // [CollectionDataContract(Name = "Scores", Namespace = NS, ItemName = "Entry", KeyName = "Who", ValueName = "Points")]
 * // class Scores : Dictionary<string, int>
 * const Scores = defineCollectionContract({ name: 'Scores', namespace: NS, itemName: 'Entry', keyName: 'Who', valueName: 'Points', key: 'string', value: 'int' });
 * ```
 */
export function defineCollectionContract<const T extends TypeRef>(def: CollectionContractDefinition<T>): ArrayType<T>;
export function defineCollectionContract<const K extends TypeRef, const V extends TypeRef>(def: DictionaryContractDefinition<K, V>): DictionaryType<K, V>;
export function defineCollectionContract(def: CollectionContractDefinition<TypeRef> | DictionaryContractDefinition<TypeRef, TypeRef>): ArrayType | DictionaryType {
  assertNcName(def.name, 'The collection contract name');
  const where = `collection contract '${def.name}'`;
  if ('item' in def) {
    if ('key' in def || 'value' in def) throw invalid(`Collection contract '${def.name}' has both an item and a key or value. Give \`item\` for a list, \`key\` and \`value\` for a dictionary.`);
    assertTypeRef(def.item, `the items of ${where}`);
    const itemName = def.itemName ?? contractName(def.item);
    assertNcName(itemName, `The item name of ${where}`);
    return { kind: 'array', item: def.item, contract: { name: def.name, namespace: def.namespace, itemName, ...referenceFlag(def) } };
  }
  const { key, value } = def as Partial<DictionaryContractDefinition<TypeRef, TypeRef>>;
  if (key === undefined || value === undefined) {
    throw invalid(`Collection contract '${def.name}' has no item type. Give \`item\` for a list, \`key\` and \`value\` for a dictionary.`);
  }
  const plain: DictionaryType = { kind: 'dictionary', key, value };
  assertTypeRef(plain, where);
  const itemName = def.itemName ?? keyValueName(plain);
  const keyName = def.keyName ?? 'Key';
  const valueName = def.valueName ?? 'Value';
  for (const [n, what] of [[itemName, 'item'], [keyName, 'key'], [valueName, 'value']] as const) assertNcName(n, `The ${what} name of ${where}`);
  if (keyName === valueName) throw invalid(`Collection contract '${def.name}' names its keys and values both '${keyName}'. Give them different names.`);
  return { kind: 'dictionary', key, value, contract: { name: def.name, namespace: def.namespace, itemName, keyName, valueName, ...referenceFlag(def) } };
}

/** `isReference` kept only when set, so a plain collection contract's names stay as they were. */
function referenceFlag(def: { readonly isReference?: boolean }): { isReference?: true } {
  return def.isReference === true ? { isReference: true } : {};
}

function invalid(message: string): SoapError {
  return new SoapError(SoapErrorCodes.INVALID_CONTRACT, message);
}
