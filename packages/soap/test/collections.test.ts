// DataContractSerializer shapes beyond plain arrays and primitive dictionaries: XmlQualifiedName
// values ('qname': `prefix:name` text, the element prefixed `q`), dictionaries of enums and data
// contracts (item names with the namespace digest of DataContract.GetNamespacesDigest), and
// [CollectionDataContract] lists and dictionaries (defineCollectionContract). The expected names
// and bytes were written by Mono's DataContractSerializer (mono 6, System.Runtime.Serialization);
// packages/interop/test/collections.int.test.ts checks the same shapes against Mono's WCF.
import { describe, expect, it } from 'vitest';
import { defineCollectionContract } from '../src/collection-contract.js';
import { contractName, defineDataContract, keyValueName } from '../src/data-contract.js';
import { defineEnum } from '../src/enum-contract.js';
import { SoapErrorCodes } from '../src/errors.js';
import { typeNameOf } from '../src/known-types.js';
import { genericNameDigest, namespacesDigest } from '../src/namespace-digest.js';
import { readNbfx } from '../src/nbfx-reader.js';
import { writeNbfx } from '../src/nbfx-writer.js';
import { deserializeElement, PrefixScope, serializeElement } from '../src/serializer.js';
import { Typed, typed } from '../src/known-types.js';
import { arrayOf, dictionaryOf, nullable, type QualifiedName, type TypeRef, type ValueOf } from '../src/types.js';
import type { XmlElement } from '../src/xml-node.js';
import { toXmlString } from '../src/xml-text.js';

const PEOPLE = 'http://portshare.example/people';
const COLL = 'http://portshare.example/coll';
const Q_NS = 'http://portshare.example/q';
const Person = defineDataContract({ name: 'Person', namespace: PEOPLE, members: { Name: 'string', Age: 'int' } });
const Color = defineEnum({ name: 'Color', namespace: PEOPLE, members: ['Red', 'Green'] });
const Names = defineCollectionContract({ name: 'Names', namespace: COLL, itemName: 'Name', item: 'string' });
const Scores = defineCollectionContract({ name: 'Scores', namespace: COLL, itemName: 'Entry', keyName: 'Who', valueName: 'Points', key: 'string', value: 'int' });

function element(type: TypeRef, value: unknown, ns = Q_NS): XmlElement {
  const scope = new PrefixScope();
  scope.bind('', ns);
  return serializeElement(type, value, { prefix: '', localName: 'v', scope, root: true });
}
const xml = (type: TypeRef, value: unknown): string => toXmlString(element(type, value));
const roundTrip = (type: TypeRef, value: unknown): unknown => deserializeElement(type, element(type, value));

describe('qname (XmlQualifiedName)', () => {
  it('is written as prefix:name with the namespace declared, the element prefixed q', () => {
    expect(xml('qname', { name: 'Thing', namespace: 'urn:things' })).toBe('<q:v xmlns:q="http://portshare.example/q" xmlns:a="urn:things">a:Thing</q:v>');
    // The element's own namespace reuses q; the empty namespace is declared xmlns="".
    expect(xml('qname', { name: 'a', namespace: Q_NS })).toBe('<q:v xmlns:q="http://portshare.example/q">q:a</q:v>');
    expect(xml('qname', { name: 'Local', namespace: '' })).toBe('<q:v xmlns:q="http://portshare.example/q" xmlns="">Local</q:v>');
    expect(xml('qname', null)).toContain('i:nil="true"');
  });
  it('reads back every form', () => {
    for (const v of [{ name: 'Thing', namespace: 'urn:things' }, { name: 'a', namespace: Q_NS }, { name: 'Local', namespace: '' }, { name: '', namespace: '' }, null]) {
      expect(roundTrip('qname', v)).toEqual(v);
    }
    const arr = [{ name: 'x', namespace: 'urn:a' }, { name: 'y', namespace: 'urn:b' }, { name: 'z', namespace: 'urn:a' }];
    expect(roundTrip(arrayOf('qname'), arr)).toEqual(arr);
    expect(contractName(arrayOf('qname'))).toBe('ArrayOfQName');
    expect(typeNameOf('qname')).toEqual({ name: 'QName', namespace: 'http://www.w3.org/2001/XMLSchema' });
  });
  it('an object member may hold one (i:type xs:QName)', () => {
    const back = roundTrip('object', typed('qname', { name: 'n', namespace: 'urn:n' }));
    expect(back).toBeInstanceOf(Typed);
    expect((back as Typed).value).toEqual({ name: 'n', namespace: 'urn:n' });
  });
  it('refuses values that are not qualified names', () => {
    for (const v of [{ name: 'a:b', namespace: 'urn:x' }, { name: '', namespace: 'urn:x' }, 'x', { name: 1, namespace: '' }]) {
      expect(() => element('qname', v)).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE }));
    }
  });
  it("reads Mono's bytes: <q:Q xmlns:q xmlns:a>a:Thing</q:Q> as three text records, xmlns=\"\", a reused q", () => {
    // new DataContractSerializer(typeof(Holder)).WriteObject(XmlDictionaryWriter.CreateBinaryWriter(ms), holder) on Mono.
    const hex =
      '4006486f6c646572081a687474703a2f2f706f727473686172652e6578616d706c652f71090169296874' +
      '74703a2f2f7777772e77332e6f72672f323030312f584d4c536368656d612d696e7374616e6365' +
      '400143' + '2e036e696c86' + '090161' + '39687474703a2f2f736368656d61732e6d6963726f736f66742e636f6d2f323030332f31302f53657269616c697a6174696f6e2f417272617973' + '01' +
      '400144' + '2e036e696c86' + '090161' + '39687474703a2f2f736368656d61732e6d6963726f736f66742e636f6d2f323030332f31302f53657269616c697a6174696f6e2f417272617973' + '01' +
      '6e0145' + '090171' + '1a687474703a2f2f706f727473686172652e6578616d706c652f71' + '0800' + '99054c6f63616c' +
      '40014e' + '2e036e696c86' + '090161' + '1d687474703a2f2f706f727473686172652e6578616d706c652f636f6c6c' + '01' +
      '40034e756c' + '2e036e696c86' + '01' +
      '6e0151' + '090171' + '1a687474703a2f2f706f727473686172652e6578616d706c652f71' + '090161' + '0a75726e3a7468696e6773' + '980161' + '98013a' + '99055468696e67' +
      '400153' + '2e036e696c86' + '090161' + '1d687474703a2f2f706f727473686172652e6578616d706c652f636f6c6c' + '01' +
      '6e015a' + '090171' + '1a687474703a2f2f706f727473686172652e6578616d706c652f71' + '980171' + '98013a' + '990161' + '01';
    const Holder = defineDataContract({
      name: 'Holder',
      namespace: Q_NS,
      members: { C: dictionaryOf(Color, 'int'), D: dictionaryOf('string', Person), E: 'qname', N: Names, Nul: 'qname', Q: 'qname', S: Scores, Z: 'qname' },
    });
    const [root] = readNbfx(Buffer.from(hex, 'hex'));
    const back = deserializeElement(Holder, root as XmlElement);
    expect(back).toEqual({ C: null, D: null, E: { name: 'Local', namespace: '' }, N: null, Nul: null, Q: { name: 'Thing', namespace: 'urn:things' }, S: null, Z: { name: 'a', namespace: Q_NS } });
    // And this package writes the same records for them.
    const q = (v: QualifiedName, name: string): string => writeNbfx(serializeElement('qname', v, { prefix: '', localName: name, scope: scopeIn(Q_NS), root: false })).toString('hex');
    expect(q({ name: 'Thing', namespace: 'urn:things' }, 'Q')).toBe('6e0151' + '090171' + '1a687474703a2f2f706f727473686172652e6578616d706c652f71' + '090161' + '0a75726e3a7468696e6773' + '980161' + '98013a' + '99055468696e67');
  });
});

function scopeIn(ns: string): PrefixScope {
  const s = new PrefixScope();
  s.bind('', ns);
  return s;
}

describe('dictionaries of enums and data contracts: the namespace digest', () => {
  it('computes the names Mono writes', () => {
    expect(keyValueName(dictionaryOf('string', Person))).toBe('KeyValueOfstringPersonZKz6VVYG');
    expect(keyValueName(dictionaryOf(Color, 'int'))).toBe('KeyValueOfColorintic63JYLv');
    expect(contractName(dictionaryOf('string', Person))).toBe('ArrayOfKeyValueOfstringPersonZKz6VVYG');
    // Built-in namespaces (XML Schema, Serialization) add none; the Arrays namespace does.
    expect(keyValueName(dictionaryOf('guid', 'char'))).toBe('KeyValueOfguidchar');
    expect(genericNameDigest(['http://www.w3.org/2001/XMLSchema', 'http://schemas.microsoft.com/2003/10/Serialization/'])).toBe('');
    expect(keyValueName(dictionaryOf('string', arrayOf('int')))).toMatch(/^KeyValueOfstringArrayOfint[\w]{8,}$/);
    expect(namespacesDigest(' 2 http://www.w3.org/2001/XMLSchema http://portshare.example/people')).toBe('ZKz6VVYG');
  });
  it('writes Mono\'s shape and reads it back', () => {
    const d = dictionaryOf('string', Person);
    const v = new Map([['k', { Name: 'n', Age: 1 }], ['nil', null]]);
    expect(xml(d, v)).toBe(
      '<v xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">' +
        '<a:KeyValueOfstringPersonZKz6VVYG><a:Key>k</a:Key><a:Value xmlns:b="http://portshare.example/people"><b:Age>1</b:Age><b:Name>n</b:Name></a:Value></a:KeyValueOfstringPersonZKz6VVYG>' +
        '<a:KeyValueOfstringPersonZKz6VVYG><a:Key>nil</a:Key><a:Value i:nil="true"/></a:KeyValueOfstringPersonZKz6VVYG></v>',
    );
    expect(roundTrip(d, v)).toEqual(v);
    const c = new Map([['Green', 2], ['Red', -1]] as const);
    expect(roundTrip(dictionaryOf(Color, 'int'), c)).toEqual(c);
    const people = new Map([[Color.memberNames[0] as 'Red', [{ Name: 'a', Age: 2 }]]]);
    expect(roundTrip(dictionaryOf(Color, arrayOf(Person)), people)).toEqual(people);
    expect(roundTrip(dictionaryOf('int', nullable(Color)), new Map([[1, null], [2, 'Green']]))).toEqual(new Map([[1, null], [2, 'Green']]));
  });
  it('types: the Map of the enum and contract types', () => {
    const m: ValueOf<ReturnType<typeof dictionaryOf<typeof Color, typeof Person>>> = new Map([['Red', { Name: 'x', Age: 1 }]]);
    expect(m?.get('Red')?.Age).toBe(1);
  });
  it('refuses keys that cannot be keys', () => {
    for (const key of ['bytes', 'object', arrayOf('int'), nullable('int')] as const) {
      expect(() => defineCollectionContract({ name: 'X', namespace: COLL, key, value: 'int' })).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT }));
    }
  });
});

describe('[CollectionDataContract]: defineCollectionContract', () => {
  it('a list: its items are ItemName elements in the collection namespace, one by one', () => {
    expect(xml(Names, ['x', 'y'])).toBe('<v xmlns:a="http://portshare.example/coll" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><a:Name>x</a:Name><a:Name>y</a:Name></v>');
    expect(roundTrip(Names, ['x', '', null])).toEqual(['x', '', null]);
    expect(typeNameOf(Names)).toEqual({ name: 'Names', namespace: COLL });
    const Ints = defineCollectionContract({ name: 'Ints', namespace: COLL, item: 'int' });
    // Not an Array record: a collection class is no CLR array.
    expect(xml(Ints, [1, 2])).toContain('<a:int>1</a:int><a:int>2</a:int>');
    expect(roundTrip(Ints, [1, 2])).toEqual([1, 2]);
    const Team = defineCollectionContract({ name: 'Team', namespace: COLL, itemName: 'Member', item: Person });
    expect(roundTrip(Team, [{ Name: 'a', Age: 1 }, null])).toEqual([{ Name: 'a', Age: 1 }, null]);
    expect(roundTrip(arrayOf(Names), [['a'], null])).toEqual([['a'], null]);
    expect(contractName(arrayOf(Names))).toBe('ArrayOfNames');
  });
  it('a dictionary: ItemName, KeyName, ValueName in the collection namespace', () => {
    const v = new Map([['a', 1]]);
    expect(xml(Scores, v)).toBe(
      '<v xmlns:a="http://portshare.example/coll" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><a:Entry><a:Who>a</a:Who><a:Points>1</a:Points></a:Entry></v>',
    );
    expect(roundTrip(Scores, v)).toEqual(v);
    const Plain = defineCollectionContract({ name: 'Plain', namespace: COLL, key: 'string', value: Person });
    expect(xml(Plain, new Map([['k', null]]))).toContain('<a:KeyValueOfstringPersonZKz6VVYG><a:Key>k</a:Key><a:Value i:nil="true"/>');
  });
  it('types: an array or a Map', () => {
    const n: ValueOf<typeof Names> = ['a', null];
    const s: ValueOf<typeof Scores> = new Map([['a', 1]]);
    expect([n, s]).toHaveLength(2);
  });
  it('refuses bad definitions', () => {
    const bad: (() => unknown)[] = [
      () => defineCollectionContract({ name: 'bad name', namespace: COLL, item: 'int' }),
      () => defineCollectionContract({ name: 'X', namespace: COLL, itemName: 'a:b', item: 'int' }),
      () => defineCollectionContract({ name: 'X', namespace: COLL, keyName: 'K', valueName: 'K', key: 'int', value: 'int' }),
      () => defineCollectionContract({ name: 'X', namespace: COLL, item: 'stream' }),
    ];
    for (const f of bad) expect(f).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT }));
  });
});
