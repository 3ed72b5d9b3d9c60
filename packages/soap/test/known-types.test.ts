// Data contract inheritance with known types, and `object` members, as DataContractSerializer
// writes them: a value whose type is not the declared one carries `i:type="p:Name"` (a
// QNameDictionaryText record in binary XML, [MC-NBFX] 2.2.3.30), a derived contract writes its
// base's members first, each class in its own namespace. The shapes below are what Mono's
// DataContractSerializer writes for the same classes (see packages/interop/csharp/KnownTypes.cs).
// Against Mono itself: packages/interop/test/known-types.int.test.ts.
import { describe, expect, it } from 'vitest';
import { createClient } from '../src/client.js';
import { defineContract } from '../src/contract.js';
import { defineDataContract } from '../src/data-contract.js';
import { ServiceDispatcher, implement } from '../src/dispatcher.js';
import { SoapErrorCodes } from '../src/errors.js';
import { Typed, contractOf, typed } from '../src/known-types.js';
import { readNbfx } from '../src/nbfx-reader.js';
import { writeNbfx } from '../src/nbfx-writer.js';
import { deserializeElement, PrefixScope, serializeElement } from '../src/serializer.js';
import { SessionDictionary } from '../src/session-dictionary.js';
import { arrayOf, type InstanceOf, type TypeRef, withKnownTypes } from '../src/types.js';
import { type XmlElement, type XmlNode, element } from '../src/xml-node.js';
import { toXmlString } from '../src/xml-text.js';
import { createChannelPair } from './support/memory-channel.js';

const SVC = 'http://example.org/service';
const PEOPLE = 'http://example.org/people';
const STAFF = 'http://example.org/staff';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const XS = 'http://www.w3.org/2001/XMLSchema';

const Person = defineDataContract({
  name: 'Person',
  namespace: PEOPLE,
  members: { Name: 'string', Age: 'int' },
  knownTypes: (): readonly TypeRef[] => [Manager],
});
const Manager = defineDataContract({ name: 'Manager', namespace: STAFF, base: Person, members: { Reports: 'int', Deputy: Person } });
const Point = defineDataContract({ name: 'Point', namespace: PEOPLE, members: { X: 'int', Y: 'int' } });
const Box = defineDataContract({ name: 'Box', namespace: SVC, members: { Value: 'object', Owner: Person }, knownTypes: [Point, Person, arrayOf('int')] });

function write(type: TypeRef, value: unknown): XmlElement {
  const scope = new PrefixScope();
  scope.bind('', SVC);
  return serializeElement(type, value, { prefix: '', localName: 'v', scope, root: true });
}

/** Through binary XML and back, with a session dictionary as on a net.tcp session. */
function viaBinary(el: XmlElement): XmlElement {
  const sender = new SessionDictionary();
  // The operation wrapper declares the default namespace the parts are in.
  const wrapper = element('w', { namespaces: [{ prefix: '', uri: SVC }], children: [el] });
  const bytes = writeNbfx(wrapper, { session: sender });
  // The reader takes the sending direction's dictionary: the same strings under the same ids.
  return (readNbfx(bytes, { session: sender })[0] as XmlElement).children[0] as XmlElement;
}

function roundTrip(type: TypeRef, value: unknown): unknown {
  return deserializeElement(type, viaBinary(write(type, value)));
}

const bob: InstanceOf<typeof Person> = { Name: 'Bob', Age: 40 };
const ann = typed(Manager, { Name: 'Ann', Age: 50, Reports: 3, Deputy: bob });

describe('a derived data contract where its base is declared', () => {
  it('writes i:type naming the derived contract, the base members first, each class in its namespace', () => {
    expect(toXmlString(write(Person, ann))).toBe(
      `<v xmlns:a="${PEOPLE}" xmlns:b="${STAFF}" xmlns:i="${XSI}" i:type="b:Manager">` +
        '<a:Age>50</a:Age><a:Name>Ann</a:Name><b:Deputy><a:Age>40</a:Age><a:Name>Bob</a:Name></b:Deputy><b:Reports>3</b:Reports></v>',
    );
  });

  it('writes i:type as a QNameDictionaryText record (0xBC), prefix b, the name a session string', () => {
    const sender = new SessionDictionary();
    const bytes = writeNbfx(write(Person, ann), { session: sender });
    const i = bytes.indexOf(0xbc);
    expect(i).toBeGreaterThan(0);
    expect(bytes[i + 1]).toBe(1); // 'b'
    expect(bytes[i + 2]! % 2).toBe(1); // an odd id: the session dictionary
  });

  it('reads back the derived value, with its contract', () => {
    const back = roundTrip(Person, ann);
    expect(back).toEqual({ Name: 'Ann', Age: 50, Reports: 3, Deputy: { Name: 'Bob', Age: 40 } });
    expect(contractOf(back)).toBe(Manager);
    expect(contractOf((back as { Deputy: unknown }).Deputy)).toBeUndefined();
  });

  it('a plain object is the declared contract: no i:type', () => {
    expect(toXmlString(write(Person, { Name: 'x', Age: 1 }))).not.toContain('i:type');
    expect(toXmlString(write(Manager, ann))).not.toContain('i:type');
  });

  it('in arrays and members of the base type', () => {
    const people = [{ Name: 'p', Age: 1 }, ann, null];
    const back = roundTrip(arrayOf(Person), people) as unknown[];
    expect(back).toEqual(people);
    expect(back.map(contractOf)).toEqual([undefined, Manager, undefined]);
    const box = { Value: typed('int', 5), Owner: ann };
    expect(contractOf((roundTrip(Box, box) as { Owner: unknown }).Owner)).toBe(Manager);
  });

  it('reads the shape Mono writes: prefixes declared on the element, i:type as text in the text encoding', () => {
    const el = element('Owner', {
      namespaceUri: SVC,
      namespaces: [
        { prefix: 'd2p1', uri: PEOPLE },
        { prefix: 'd2p2', uri: STAFF },
      ],
      attributes: [{ prefix: 'i', localName: 'type', namespaceUri: XSI, value: { type: 'string', value: 'd2p2:Manager' } }],
      children: [
        element('Age', { prefix: 'd2p1', namespaceUri: PEOPLE, children: [{ kind: 'text', value: { type: 'int', value: 0n } }] }),
        element('Name', { prefix: 'd2p1', namespaceUri: PEOPLE, children: [{ kind: 'text', value: { type: 'string', value: 'B' } }] }),
        element('Reports', { prefix: 'd2p2', namespaceUri: STAFF, children: [{ kind: 'text', value: { type: 'int', value: 1n } }] }),
      ],
    });
    const back = deserializeElement(Person, el);
    expect(back).toEqual({ Name: 'B', Age: 0, Reports: 1, Deputy: null });
    expect(contractOf(back)).toBe(Manager);
  });

  it('refuses a derived contract with a member key its base has', () => {
    expect(() => defineDataContract({ name: 'Bad', namespace: STAFF, base: Person, members: { Name: 'string' } })).toThrow(
      expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT }),
    );
  });
});

describe('object members', () => {
  const cases: [string, unknown, string][] = [
    ['an int', typed('int', 5), `xmlns:a="${XS}" i:type="a:int">5<`],
    ['a double', typed('double', 5.5), `xmlns:a="${XS}" i:type="a:double">5.5<`],
    ['a long', typed('long', 1n << 40n), `i:type="a:long">1099511627776<`],
    ['a string', 's', `xmlns:a="${XS}" i:type="a:string">s<`],
    ['a boolean', true, `i:type="a:boolean">true<`],
    ['a guid', typed('guid', '00000000-0000-0000-0000-000000000001'), `xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/" i:type="a:guid">`],
    ['an int array', typed(arrayOf('int'), [1, 2]), `xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays" i:type="a:ArrayOfint"`],
    ['a known data contract', typed(Point, { X: 1, Y: 2 }), `i:type="a:Point"><a:X>1</a:X><a:Y>2</a:Y>`],
    ['a derived contract of a member type', ann, `i:type="b:Manager"`],
  ];
  for (const [what, value, xml] of cases) {
    it(`${what}: i:type names it, and it reads back the same`, () => {
      const box = { Value: value, Owner: null };
      const el = write(Box, box);
      expect(toXmlString(el)).toContain(xml);
      const back = deserializeElement(Box, viaBinary(el)) as { Value: unknown };
      expect(back.Value).toEqual(value);
      if (value instanceof Typed) expect(back.Value).toBeInstanceOf(Typed);
      expect(contractOf(back.Value)).toBe(contractOf(value));
    });
  }

  it('null is i:nil; a plain {} is a System.Object without i:type', () => {
    expect(roundTrip('object', null)).toBeNull();
    expect(toXmlString(write('object', {}))).toBe('<v/>');
    expect(roundTrip('object', {})).toEqual({});
  });

  it('a bare number does not say its CLR type: refused, naming typed()', () => {
    expect(() => write('object', 5)).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE, message: expect.stringContaining("typed('int', 5)") }));
    expect(() => write('object', [1])).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE }));
  });
});

describe('known types', () => {
  it('writing a contract not known where it appears is refused, as .NET refuses it', () => {
    expect(() => write('object', typed(Point, { X: 1, Y: 2 }))).toThrow(expect.objectContaining({ code: SoapErrorCodes.UNKNOWN_TYPE }));
    // int[] in an object needs [KnownType(typeof(int[]))] in .NET too.
    expect(() => write('object', typed(arrayOf('int'), [1]))).toThrow(expect.objectContaining({ code: SoapErrorCodes.UNKNOWN_TYPE }));
    expect(toXmlString(write(withKnownTypes('object', [Point]), typed(Point, { X: 1, Y: 2 })))).toContain('i:type="a:Point"');
  });

  it('the service contract knownTypes reach every parameter and result ([ServiceKnownType])', async () => {
    const IKnown = defineContract({
      name: 'IKnown',
      namespace: SVC,
      // Person brings its own known type Manager (DataContract.cs ImportKnownTypeAttributes).
      knownTypes: [Point, Person],
      operations: { Echo: { params: [['o', 'object']], returns: 'object' } },
    });
    const [a, b] = createChannelPair();
    const dispatcher = new ServiceDispatcher([implement(IKnown, { Echo: (o) => o })]);
    const serving = dispatcher.serve(b).then(() => b.close());
    const client = createClient(IKnown, a);
    for (const v of [typed(Point, { X: 3, Y: 4 }), typed('int', 7), 'text', ann]) {
      const back = await client.Echo(v);
      expect(back).toEqual(v);
      expect(contractOf(back)).toBe(contractOf(v));
    }
    await a.close();
    await serving;
  });
});

describe('hostile i:type values are refused with clear errors', () => {
  function withType(value: string, namespaces: { prefix: string; uri: string }[], children: XmlNode[] = []): XmlElement {
    return element('v', { namespaceUri: SVC, namespaces, attributes: [{ prefix: 'i', localName: 'type', namespaceUri: XSI, value: { type: 'string', value } }], children });
  }

  it('a name no known type maps to: SOAP_ERR_UNKNOWN_TYPE, in the words of WCF', () => {
    const el = withType('a:Intruder', [{ prefix: 'a', uri: 'http://evil.example/' }]);
    for (const declared of [Person, 'object'] as const) {
      expect(() => deserializeElement(declared, el)).toThrow(
        expect.objectContaining({
          code: SoapErrorCodes.UNKNOWN_TYPE,
          message: expect.stringContaining("contains data from a type that maps to the name 'http://evil.example/:Intruder'. The deserializer has no knowledge of any type that maps to this name"),
        }),
      );
    }
  });

  it('a known type that does not derive from the declared one', () => {
    // Point is known through Box, but the Owner member is a Person.
    const owner = withType('a:Point', [{ prefix: 'a', uri: PEOPLE }]);
    const box = element('Box', { namespaceUri: SVC, children: [{ ...owner, localName: 'Owner' }] });
    expect(() => deserializeElement(Box, box)).toThrow(expect.objectContaining({ code: SoapErrorCodes.DESERIALIZATION_FAILED, message: expect.stringContaining('not the declared type Person') }));
    // An xs:int where a Person is declared.
    expect(() => deserializeElement(Person, withType('a:int', [{ prefix: 'a', uri: XS }]))).toThrow(expect.objectContaining({ code: SoapErrorCodes.DESERIALIZATION_FAILED }));
  });

  it('an undeclared prefix or an empty name', () => {
    expect(() => deserializeElement(Person, withType('zz:Manager', []))).toThrow(expect.objectContaining({ code: SoapErrorCodes.DESERIALIZATION_FAILED, message: expect.stringContaining("prefix 'zz'") }));
    expect(() => deserializeElement('object', withType('a:', [{ prefix: 'a', uri: XS }]))).toThrow(expect.objectContaining({ code: SoapErrorCodes.DESERIALIZATION_FAILED }));
  });

  it('deep nesting of derived values stops at the reader quota maxDepth, not the stack', () => {
    let deputy: unknown = null;
    for (let i = 0; i < 40; i++) deputy = typed(Manager, { Name: `m${i}`, Age: i, Reports: i, Deputy: deputy as never });
    const bytes = writeNbfx(write(Person, deputy));
    expect(() => readNbfx(bytes)).toThrow(expect.objectContaining({ code: SoapErrorCodes.MAX_DEPTH_EXCEEDED }));
    expect(deserializeElement(Person, readNbfx(bytes, { quotas: { maxDepth: 200 } })[0] as XmlElement)).toEqual(deputy);
  });

  it('a value that contains itself is refused, not recursed into forever', () => {
    const loop = typed(Manager, { Name: 'l', Age: 1, Reports: 0, Deputy: null });
    (loop as unknown as { Deputy: unknown }).Deputy = loop;
    expect(() => write(Person, loop)).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE, message: expect.stringContaining('cycle') }));
  });
});
