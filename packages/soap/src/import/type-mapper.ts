/**
 * Maps XSD types, as XsdDataContractExporter.cs writes them for DataContractSerializer, onto the
 * types contracts can use. The rules are the reverse of the exporter's (and of
 * XsdDataContractImporter / SchemaImporter.cs in .NET's System.Runtime.Serialization):
 *
 * - XSD built-ins and the Serialization namespace's guid, char and duration are primitives
 *   (xs:anyType is `object`, xs:QName is XmlQualifiedName);
 * - a complexType whose sequence holds one element with maxOccurs > 1 is a collection (`ArrayOfX`),
 *   and with the `IsDictionary` annotation a dictionary of `KeyValueOfKV` items; other names than
 *   those are a [CollectionDataContract] (ItemName, KeyName, ValueName; ExportCollectionDataContract);
 * - any other complexType with a sequence of elements is a data contract (each element a member:
 *   minOccurs absent is IsRequired, a `DefaultValue EmitDefaultValue="false"` annotation is
 *   EmitDefaultValue = false, nillable on a value type is `Nullable<T>`); one whose content is
 *   `xs:complexContent/xs:extension base=` derives from that data contract (XML Schema Part 1
 *   §3.4.2, ExportClassDataContract), and, as svcutil's CodeExporter does, every derived contract
 *   becomes a [KnownType] of its base (a schema carries no [KnownType] of its own);
 * - a simpleType restricting xs:string with enumerations is an enum (values from `EnumerationValue`
 *   annotations, else 0, 1, 2…), and an xs:list of one is a [Flags] enum (values 1, 2, 4…).
 *
 * Anything else throws SOAP_ERR_IMPORT_UNSUPPORTED naming the type and where it is used.
 *
 * @module
 */

import { SoapError, SoapErrorCodes } from '../errors.js';
import type { PrimitiveType } from '../types.js';
import type { DataContractModel, EnumModel, MemberModel, NamedTypeModel, TypeModel } from './model.js';
import type { Component, SchemaIndex } from './schema-index.js';
import { childNamed, childrenNamed, qnameKey, resolveQName, type QName, type XmlElementNode } from './xml-tree.js';
import { Xmlns } from './xml-names.js';

/** XSD built-in types DataContractSerializer uses, by local name (XsdDataContractExporter's primitive contracts). */
const XSD_PRIMITIVES: Readonly<Record<string, PrimitiveType>> = {
  string: 'string',
  int: 'int',
  long: 'long',
  boolean: 'bool',
  float: 'float',
  double: 'double',
  decimal: 'decimal',
  dateTime: 'dateTime',
  base64Binary: 'bytes',
  unsignedByte: 'byte',
  byte: 'sbyte',
  short: 'short',
  unsignedShort: 'ushort',
  unsignedInt: 'uint',
  unsignedLong: 'ulong',
  anyURI: 'uri',
  // `object` is exported as xs:anyType, XmlQualifiedName as xs:QName (XsdDataContractExporter's
  // primitive contracts; PrimitiveDataContract.cs).
  anyType: 'object',
  QName: 'qname',
};

/** DataContractSerializer's own simple types in the Serialization namespace (ser:guid…). */
const SER_PRIMITIVES: Readonly<Record<string, PrimitiveType>> = { guid: 'guid', char: 'char', duration: 'timeSpan' };

/** Primitives whose CLR type is a reference type: nillable is their normal state, not Nullable<T>. */
const REFERENCE_PRIMITIVES: ReadonlySet<PrimitiveType> = new Set(['string', 'bytes', 'uri', 'object', 'qname']);

/** DataContractSerializer's collection namespace, where `arrayOf` and `dictionaryOf` put ArrayOfX. */
const ARRAYS_NS = 'http://schemas.microsoft.com/2003/10/Serialization/Arrays';

/** A data contract while the schemas are read: derived contracts add themselves to its knownTypes. */
type MutableDataContract = DataContractModel & { readonly knownTypes: string[] };

/** Where a type is used, for error messages: "member 'Item.Tags'", "parameter 'x' of IFoo.Op". */
export type Where = string;

export class TypeMapper {
  readonly #index: SchemaIndex;
  /** Named types mapped so far, in dependency order. */
  readonly #types: NamedTypeModel[] = [];
  readonly #done = new Map<string, TypeModel>();
  readonly #inProgress = new Set<string>();

  constructor(index: SchemaIndex) {
    this.#index = index;
  }

  /** The named types mapped so far, each after the types it uses. */
  get types(): readonly NamedTypeModel[] {
    return this.#types;
  }

  /**
   * The type of an element declaration (a member, a parameter, an array item): its `type`, with
   * `nillable="true"` on a value type read as `Nullable<T>`.
   */
  elementType(element: XmlElementNode, where: Where): TypeModel {
    if (element.attrs.has('ref')) throw unsupported(`${where} refers to a global element (ref=…)`, 'WCF writes members and parameters with name and type; declare this one by hand');
    const typeName = element.attrs.get('type');
    if (typeName === undefined) {
      const inline = element.children.some((c) => c.ns === Xmlns.xsd && (c.local === 'complexType' || c.local === 'simpleType'));
      if (inline) throw unsupported(`${where} has an anonymous (inline) type`, 'give it a named type in the service (a [DataContract] or a primitive)');
      // An element without a type has the ur-type, xs:anyType (XML Schema Part 1 §3.3.2).
      return { kind: 'primitive', name: 'object' };
    }
    const type = this.mapType(resolveQName(element, typeName, where), where);
    return element.attrs.get('nillable') === 'true' && isValueType(type, this.#types) ? { kind: 'nullable', item: type } : type;
  }

  /** The type named `q`. */
  mapType(q: QName, where: Where): TypeModel {
    if (q.ns === Xmlns.xsd) return primitive(XSD_PRIMITIVES, q, where);
    if (q.ns === Xmlns.ser) return primitive(SER_PRIMITIVES, q, where);
    if (q.ns === Xmlns.system && q.local === 'DateTimeOffset') return { kind: 'dateTimeOffset' };
    const key = qnameKey(q);
    const done = this.#done.get(key);
    if (done !== undefined) return done;
    if (this.#inProgress.has(key)) {
      throw unsupported(`${where} uses the type '${q.local}' (namespace '${q.ns}') inside its own definition (a recursive data contract)`, 'contracts are plain constants and cannot refer to themselves; break the cycle in the service or declare the type by hand');
    }
    this.#inProgress.add(key);
    try {
      const type = this.#mapNamed(q, key, where);
      this.#done.set(key, type);
      return type;
    } finally {
      this.#inProgress.delete(key);
    }
  }

  #mapNamed(q: QName, key: string, where: Where): TypeModel {
    const complex = this.#index.complexTypes.get(key);
    if (complex !== undefined) return this.#mapComplex(q, key, complex);
    const simple = this.#index.simpleTypes.get(key);
    if (simple !== undefined) return this.#register(this.#mapSimple(q, key, simple.node, where));
    throw unsupported(`${where} uses the type '${q.local}' from the namespace '${q.ns}', which no schema of the service defines`, 'check that every xsd:import of the WSDL could be read, or declare the type by hand');
  }

  #mapComplex(q: QName, key: string, complex: Component): TypeModel {
    const node = complex.node;
    const extension = assertPlainComplexType(node, q);
    if (extension !== undefined) return this.#mapDerived(q, key, extension);
    const sequence = childNamed(node, Xmlns.xsd, 'sequence');
    const elements = sequence === undefined ? [] : sequenceElements(sequence, q);
    const only = elements[0];
    if (elements.length === 1 && only !== undefined && isRepeated(only)) {
      return isDictionary(node) ? this.#mapDictionary(q, key, only) : this.#mapArray(q, key, only);
    }
    return this.#register(this.#mapDataContract(q, key, elements, undefined));
  }

  /** `xs:complexContent/xs:extension base="Base"` with this class's own members in its sequence. */
  #mapDerived(q: QName, key: string, extension: XmlElementNode): TypeModel {
    const baseName = extension.attrs.get('base');
    if (baseName === undefined) throw unsupported(`The type '${q.local}' (namespace '${q.ns}') extends no named base`, 'declare it by hand');
    const baseType = this.mapType(resolveQName(extension, baseName, q.local), `the base of '${q.local}'`);
    const base = baseType.kind === 'named' ? this.#types.find((t) => t.key === baseType.key) : undefined;
    if (base?.kind !== 'dataContract') {
      throw unsupported(`The type '${q.local}' (namespace '${q.ns}') extends '${baseName}', which is not a data contract`, 'only [DataContract] classes derive from one another; declare it by hand');
    }
    const sequence = childNamed(extension, Xmlns.xsd, 'sequence');
    const model = this.#mapDataContract(q, key, sequence === undefined ? [] : sequenceElements(sequence, q), base.key);
    (base as MutableDataContract).knownTypes.push(key);
    return this.#register(model);
  }

  /**
   * `ArrayOfX` of `X` items is `arrayOf(x)`; any other collection name or item name is a
   * [CollectionDataContract] (its Name and ItemName; XsdDataContractExporter.ExportCollectionDataContract).
   */
  #mapArray(q: QName, key: string, item: XmlElementNode): TypeModel {
    const itemType = this.elementType(item, `the items of '${q.local}'`);
    const itemName = item.attrs.get('name') ?? '';
    const typeName = item.attrs.get('type') ?? 'anyType';
    const expected = item.attrs.has('type') ? resolveQName(item, typeName, q.local).local : 'anyType';
    if (itemName === expected && q.local === `ArrayOf${expected}`) return { kind: 'array', item: itemType };
    return this.#register({
      kind: 'collection',
      key,
      name: q.local,
      namespace: q.ns,
      itemName: itemName === expected ? undefined : itemName,
      item: itemType,
    });
  }

  /**
   * Items with a key and a value (XsdDataContractExporter's ExportKeyValueType): `dictionaryOf(k, v)`
   * for Dictionary<K, V>'s own names (`ArrayOfKeyValueOf…` of `KeyValueOf…` items of `Key` and
   * `Value`, in the Arrays namespace), a [CollectionDataContract] dictionary for any other.
   */
  #mapDictionary(q: QName, typeKey: string, item: XmlElementNode): TypeModel {
    const inline = childNamed(item, Xmlns.xsd, 'complexType');
    const sequence = inline === undefined ? undefined : childNamed(inline, Xmlns.xsd, 'sequence');
    const [k, v, ...extra] = sequence === undefined ? [] : sequenceElements(sequence, q);
    const keyName = k?.attrs.get('name');
    const valueName = v?.attrs.get('name');
    if (k === undefined || v === undefined || keyName === undefined || valueName === undefined || extra.length > 0) {
      throw unsupported(`The dictionary type '${q.local}' does not have a key and a value item`, 'declare it by hand with dictionaryOf()');
    }
    const key = this.elementType(k, `the keys of '${q.local}'`);
    const value = this.elementType(v, `the values of '${q.local}'`);
    const inner = key.kind === 'nullable' ? key.item : key;
    if (inner.kind !== 'primitive' && inner.kind !== 'named') {
      throw unsupported(`The dictionary type '${q.local}' has keys that are collections`, 'dictionary keys are primitives, enums or data contracts; declare it by hand');
    }
    const itemName = item.attrs.get('name') ?? '';
    if (q.ns === ARRAYS_NS && itemName.startsWith('KeyValueOf') && q.local === `ArrayOf${itemName}` && keyName === 'Key' && valueName === 'Value') {
      return { kind: 'dictionary', key, value };
    }
    return this.#register({ kind: 'dictionaryCollection', key: typeKey, name: q.local, namespace: q.ns, itemName, keyName, valueName, keyType: key, value });
  }

  #mapDataContract(q: QName, key: string, elements: readonly XmlElementNode[], base: string | undefined): MutableDataContract {
    const members = elements.map((e) => this.#member(q, e));
    const names = members.map((m) => m.name);
    // DataContractSerializer orders members without Order by name (ordinal), then by Order; the
    // sequence is that order. When it is not in name order, Order was used: keep the sequence.
    const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const ordered = names.every((n, i) => n === sorted[i]);
    return {
      kind: 'dataContract',
      key,
      name: q.local,
      namespace: q.ns,
      members: ordered ? members : members.map((m, i) => ({ ...m, order: i })),
      base,
      knownTypes: [],
    };
  }

  #member(owner: QName, element: XmlElementNode): MemberModel {
    const name = element.attrs.get('name');
    if (name === undefined) throw unsupported(`A member of '${owner.local}' has no name`, 'declare the type by hand');
    const where = `member '${owner.local}.${name}'`;
    if (isRepeated(element)) throw unsupported(`${where} repeats (maxOccurs="${element.attrs.get('maxOccurs')}") beside other members`, 'declare the type by hand');
    return {
      name,
      type: this.elementType(element, where),
      order: undefined,
      isRequired: (element.attrs.get('minOccurs') ?? '1') !== '0',
      emitDefaultValue: !hasEmitDefaultValueFalse(element),
    };
  }

  #mapSimple(q: QName, key: string, node: XmlElementNode, where: Where): EnumModel {
    const list = childNamed(node, Xmlns.xsd, 'list');
    if (list !== undefined) {
      // [Flags]: an xs:list of an anonymous enum simpleType (XsdDataContractExporter.ExportEnumDataContract).
      const inner = childNamed(list, Xmlns.xsd, 'simpleType');
      if (inner === undefined) throw unsupported(`${where} uses '${q.local}', a list type that is not a [Flags] enum`, 'declare it by hand');
      return enumModel(q, key, inner, true, where);
    }
    return enumModel(q, key, node, false, where);
  }

  #register<T extends NamedTypeModel>(model: T): TypeModel {
    this.#types.push(model);
    return { kind: 'named', key: model.key };
  }
}

function primitive(table: Readonly<Record<string, PrimitiveType>>, q: QName, where: Where): TypeModel {
  const name = table[q.local];
  if (name === undefined) {
    throw unsupported(`${where} uses the type '${q.local}' (namespace '${q.ns}'), which contracts have no type for`, 'change the type in the service to one the SDK maps, or declare this part by hand');
  }
  return { kind: 'primitive', name };
}

function enumModel(q: QName, key: string, node: XmlElementNode, flags: boolean, where: Where): EnumModel {
  const restriction = childNamed(node, Xmlns.xsd, 'restriction');
  const base = restriction === undefined ? undefined : resolveQName(restriction, restriction.attrs.get('base') ?? '', q.local);
  const facets = restriction === undefined ? [] : childrenNamed(restriction, Xmlns.xsd, 'enumeration');
  if (base?.ns !== Xmlns.xsd || base.local !== 'string' || facets.length === 0) {
    throw unsupported(`${where} uses '${q.local}', a simple type that is not an enumeration of strings`, 'only enums are supported as simple types; declare it by hand');
  }
  const members = facets.map((f, i) => ({ name: f.attrs.get('value') ?? '', value: enumerationValue(f) ?? (flags ? 2 ** i : i) }));
  return { kind: 'enum', key, name: q.local, namespace: q.ns, members, flags };
}

/** `<xs:annotation><xs:appinfo><EnumerationValue xmlns="ser">5</EnumerationValue>`. */
function enumerationValue(facet: XmlElementNode): number | undefined {
  const text = appinfo(facet, 'EnumerationValue')?.text.trim();
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw unsupported(`The enum value '${facet.attrs.get('value')}' has the number ${text}`, 'enum values must be safe integers');
  return n;
}

/** An annotation/appinfo child in the Serialization namespace. */
function appinfo(e: XmlElementNode, local: string): XmlElementNode | undefined {
  for (const annotation of childrenNamed(e, Xmlns.xsd, 'annotation')) {
    for (const info of childrenNamed(annotation, Xmlns.xsd, 'appinfo')) {
      const found = childNamed(info, Xmlns.ser, local);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function hasEmitDefaultValueFalse(member: XmlElementNode): boolean {
  return appinfo(member, 'DefaultValue')?.attrs.get('EmitDefaultValue') === 'false';
}

function isDictionary(complexType: XmlElementNode): boolean {
  return appinfo(complexType, 'IsDictionary')?.text.trim() === 'true';
}

function isRepeated(element: XmlElementNode): boolean {
  const max = element.attrs.get('maxOccurs') ?? '1';
  return max === 'unbounded' || Number(max) > 1;
}

/**
 * Refuses what a data contract cannot be: attributes, choice, all, any, mixed content, restriction.
 * Returns the `xs:extension` of a derived data contract (complexContent, XML Schema Part 1 §3.4.2).
 */
function assertPlainComplexType(node: XmlElementNode, q: QName): XmlElementNode | undefined {
  let extension: XmlElementNode | undefined;
  for (const child of node.children) {
    if (child.ns !== Xmlns.xsd) continue;
    if (child.local === 'sequence' || child.local === 'annotation') continue;
    if (child.local === 'complexContent' && extension === undefined && childNamed(node, Xmlns.xsd, 'sequence') === undefined) {
      extension = derivationOf(child, q);
      continue;
    }
    const what: Record<string, string> = {
      complexContent: 'has complex content beside a sequence',
      simpleContent: 'has simple content',
      choice: 'uses xs:choice',
      all: 'uses xs:all',
      attribute: 'has attributes (IsReference or XmlSerializer types)',
      attributeGroup: 'has attributes',
      anyAttribute: 'has attributes',
      group: 'uses a model group',
    };
    throw unsupported(`The type '${q.local}' (namespace '${q.ns}') ${what[child.local] ?? `uses xs:${child.local}`}`, 'contracts model [DataContract] classes (sequences of elements); declare it by hand');
  }
  if (node.attrs.get('mixed') === 'true') throw unsupported(`The type '${q.local}' has mixed content`, 'declare it by hand');
  return extension;
}

/** The xs:extension of a complexContent; a restriction, or an extension with attributes or a choice, is refused. */
function derivationOf(content: XmlElementNode, q: QName): XmlElementNode {
  const parts = content.children.filter((c) => c.ns === Xmlns.xsd && c.local !== 'annotation');
  const extension = parts[0];
  if (content.attrs.get('mixed') === 'true' || parts.length !== 1 || extension?.local !== 'extension') {
    throw unsupported(`The type '${q.local}' (namespace '${q.ns}') derives by ${extension?.local ?? 'nothing'}, not by extension of a data contract`, 'declare it by hand');
  }
  const other = extension.children.find((c) => c.ns === Xmlns.xsd && c.local !== 'sequence' && c.local !== 'annotation');
  if (other !== undefined) throw unsupported(`The type '${q.local}' (namespace '${q.ns}') extends its base with xs:${other.local}`, 'a derived [DataContract] adds a sequence of elements only; declare it by hand');
  return extension;
}

function sequenceElements(sequence: XmlElementNode, q: QName): XmlElementNode[] {
  const out: XmlElementNode[] = [];
  for (const child of sequence.children) {
    if (child.ns !== Xmlns.xsd || child.local === 'annotation') continue;
    if (child.local !== 'element') {
      throw unsupported(`The type '${q.local}' (namespace '${q.ns}') has xs:${child.local} in its sequence`, 'contracts model sequences of elements only (a [DataContract]); declare it by hand');
    }
    out.push(child);
  }
  return out;
}

/** True when `nillable` on this type means Nullable<T>: a value-type primitive or an enum. */
function isValueType(type: TypeModel, types: readonly NamedTypeModel[]): boolean {
  if (type.kind === 'primitive') return !REFERENCE_PRIMITIVES.has(type.name);
  if (type.kind === 'named') return types.find((t) => t.key === type.key)?.kind === 'enum';
  return false;
}

export function unsupported(what: string, todo: string): SoapError {
  return new SoapError(SoapErrorCodes.IMPORT_UNSUPPORTED, `${what}: ${todo}.`);
}
