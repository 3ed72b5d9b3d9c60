// The CLR types beyond the first set, written as DataContractSerializer writes them and read back:
// the other integers (byte, sbyte, short, ushort, uint, ulong: integer records, ranges checked),
// char (its UTF-16 code as an integer), Uri (text), nullable value types (the value or i:nil) and
// enums (member names; [Flags] as space-separated names). Against Mono: packages/interop's echo
// cases.
import { describe, expect, it } from 'vitest';
import { createClient } from '../src/client.js';
import { defineContract } from '../src/contract.js';
import { defineDataContract } from '../src/data-contract.js';
import { ServiceDispatcher, implement } from '../src/dispatcher.js';
import { DateTimeOffset } from '../src/date-time-offset.js';
import { DateTimeKind, NetDateTime } from '../src/date-time.js';
import { defineEnum } from '../src/enum-contract.js';
import { SoapErrorCodes } from '../src/errors.js';
import { deserializeElement, PrefixScope, serializeElement } from '../src/serializer.js';
import { arrayOf, dictionaryOf, nullable, type ValueOf } from '../src/types.js';
import type { XmlElement } from '../src/xml-node.js';
import { toXmlString } from '../src/xml-text.js';
import { createChannelPair } from './support/memory-channel.js';

const NS = 'http://example.org/types';
const Color = defineEnum({ name: 'Color', namespace: NS, members: ['Red', 'Green', 'Blue'] });
const Access = defineEnum({ name: 'Access', namespace: NS, members: { None: 0, Read: 1, Write: 2, Delete: 4 }, flags: true });
const Level = defineEnum({ name: 'Level', namespace: NS, members: { Low: 1, High: 2 }, wireNames: { High: 'high!' } });

function element(type: Parameters<typeof serializeElement>[0], value: unknown): XmlElement {
  const scope = new PrefixScope();
  scope.bind('', NS);
  return serializeElement(type, value, { prefix: '', localName: 'v', scope, root: true });
}

function xml(type: Parameters<typeof serializeElement>[0], value: unknown): string {
  return toXmlString(element(type, value));
}

function roundTrip(type: Parameters<typeof serializeElement>[0], value: unknown): unknown {
  return deserializeElement(type, element(type, value));
}

describe('the other integer types', () => {
  const cases = [
    ['byte', 0, 255],
    ['sbyte', -128, 127],
    ['short', -32768, 32767],
    ['ushort', 0, 65535],
    ['uint', 0, 4294967295],
  ] as const;
  for (const [type, min, max] of cases) {
    it(`${type}: ${min} and ${max} round-trip; one past either edge is refused`, () => {
      expect(roundTrip(type, min)).toBe(min);
      expect(roundTrip(type, max)).toBe(max);
      expect(() => element(type, max + 1)).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE }));
      expect(() => element(type, min - 1)).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE }));
    });
  }
  it('ulong: 0 and 2^64-1 (a UInt64Text record past Int64) round-trip as bigint; -1 and 2^64 are refused', () => {
    expect(roundTrip('ulong', 0n)).toBe(0n);
    expect(roundTrip('ulong', 18446744073709551615n)).toBe(18446744073709551615n);
    expect(xml('ulong', 18446744073709551615n)).toContain('18446744073709551615');
    expect(() => element('ulong', -1n)).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE }));
    expect(() => element('ulong', 1n << 64n)).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE }));
  });
  it('reading refuses a value out of the type range', () => {
    expect(() => deserializeElement('byte', element('int', 256))).toThrow(expect.objectContaining({ code: SoapErrorCodes.DESERIALIZATION_FAILED }));
  });
});

describe('char and Uri', () => {
  it('char is written as its UTF-16 code (XmlWriterDelegator.WriteChar) and read back', () => {
    expect(xml('char', 'A')).toBe(`<v>65</v>`);
    expect(roundTrip('char', '✓')).toBe('✓');
    expect(() => element('char', 'ab')).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE }));
  });
  it('Uri is text, and may be null', () => {
    expect(roundTrip('uri', 'http://example.org/a?b=c')).toBe('http://example.org/a?b=c');
    expect(roundTrip('uri', null)).toBe(null);
  });
});

describe('nullable value types', () => {
  it('a value is written as the value; null as i:nil', () => {
    expect(xml(nullable('int'), 5)).toBe(`<v>5</v>`);
    expect(xml(nullable('int'), null)).toContain('i:nil="true"');
    expect(roundTrip(nullable('int'), null)).toBe(null);
    expect(roundTrip(nullable('dateTime'), null)).toBe(null);
    expect(roundTrip(nullable(Color), 'Blue')).toBe('Blue');
  });
  it('nullable() of a type that can already be null is refused', () => {
    const D = () => defineDataContract({ name: 'D', namespace: NS, members: { s: nullable('string') } });
    expect(D).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT }));
  });
  it('int?[] is ArrayOfint with nil items', () => {
    const out = xml(arrayOf(nullable('int')), [1, null, 3]);
    expect(out).toContain('>1</');
    expect(out).toContain('i:nil="true"');
    expect(roundTrip(arrayOf(nullable('int')), [1, null, 3])).toEqual([1, null, 3]);
  });
});

describe('enums', () => {
  it('a member is written as its name, or its [EnumMember] Value', () => {
    expect(xml(Color, 'Green')).toBe(`<v>Green</v>`);
    expect(xml(Level, 'High')).toBe(`<v>high!</v>`);
    expect(roundTrip(Level, 'High')).toBe('High');
    expect(() => element(Color, 'Purple')).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE }));
    expect(() => deserializeElement(Color, element(Level, 'High'))).toThrow(expect.objectContaining({ code: SoapErrorCodes.DESERIALIZATION_FAILED }));
  });
  it('[Flags]: the names of the set members, space-separated; 0 is the zero member; bits no member covers are refused', () => {
    expect(xml(Access, 1 | 4)).toBe(`<v>Read Delete</v>`);
    expect(roundTrip(Access, 7)).toBe(7);
    expect(xml(Access, 0)).toBe(`<v>None</v>`);
    expect(() => element(Access, 8)).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE }));
  });
  it('[Flags] members past 32 bits are read back whole (not through 32-bit |)', () => {
    const Wide = defineEnum({ name: 'Wide', namespace: NS, members: { None: 0, A: 1, Top: 2 ** 31, High: 2 ** 32 }, flags: true });
    expect(roundTrip(Wide, 2 ** 32 + 1)).toBe(2 ** 32 + 1);
    expect(roundTrip(Wide, 2 ** 31)).toBe(2 ** 31);
  });
  it('types: a plain enum is its names, [Flags] a number', () => {
    const plain: ValueOf<typeof Color> = 'Red';
    const flags: ValueOf<typeof Access> = 3;
    expect([plain, flags]).toEqual(['Red', 3]);
  });
  it('an array of an enum is ArrayOf<name> in the enum namespace', () => {
    expect(xml(arrayOf(Color), ['Red', 'Blue'])).toContain('<Color>Red</Color>');
  });
});

describe('dictionaries', () => {
  it('Dictionary<string,int> is KeyValueOfstringint items of Key and Value in the Arrays namespace, read back as a Map in order', () => {
    const type = dictionaryOf('string', 'int');
    const out = xml(type, new Map([['a', 1], ['b', 2]]));
    expect(out).toMatch(/<(\w+:)?KeyValueOfstringint><(\w+:)?Key>a<\/(\w+:)?Key><(\w+:)?Value>1<\/(\w+:)?Value><\/(\w+:)?KeyValueOfstringint>/);
    expect(out).toContain('http://schemas.microsoft.com/2003/10/Serialization/Arrays');
    expect([...(roundTrip(type, new Map([['b', 2], ['a', 1]])) as Map<string, number>)]).toEqual([['b', 2], ['a', 1]]);
    expect(roundTrip(type, null)).toBe(null);
    expect((roundTrip(type, new Map()) as Map<string, number>).size).toBe(0);
  });
  it('values may be null where their type allows; a null key or a non-Map is refused', () => {
    const type = dictionaryOf('int', nullable('double'));
    expect([...(roundTrip(type, new Map([[1, null], [2, 0.5]])) as Map<number, number | null>)]).toEqual([[1, null], [2, 0.5]]);
    expect(() => element(dictionaryOf('string', 'int'), new Map([[null, 1]]))).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE }));
    expect(() => element(dictionaryOf('string', 'int'), { a: 1 })).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE }));
  });
  it('data contracts and enums are accepted as keys and values (their item names carry a namespace digest); keys that cannot be one are refused', () => {
    const D = defineDataContract({ name: 'D', namespace: NS, members: { x: 'int' } });
    for (const type of [dictionaryOf('string', D), dictionaryOf('string', Color), dictionaryOf(Color, 'int'), dictionaryOf('string', nullable(Color))]) {
      expect(() => defineContract({ name: 'I', namespace: NS, operations: { Op: { params: [['d', type]] } } })).not.toThrow();
    }
    for (const key of ['bytes', 'object', arrayOf('int'), nullable('int')] as const) {
      expect(() => defineContract({ name: 'I', namespace: NS, operations: { Op: { params: [['d', dictionaryOf(key as never, 'int')]] } } })).toThrow(
        expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT }),
      );
    }
  });
  it('types: a Map of the key and value types', () => {
    const m: ValueOf<ReturnType<typeof dictionaryOf<'string', 'double'>>> = new Map([['x', 1.5]]);
    expect(m?.get('x')).toBe(1.5);
  });
});

describe('DateTimeOffset', () => {
  it('is the System namespace contract of the UTC instant and the offset in minutes (DateTimeOffsetAdapter)', () => {
    const value = { DateTime: new NetDateTime(638397614450000000n, DateTimeKind.Utc), OffsetMinutes: -330 };
    const out = xml(DateTimeOffset, value);
    expect(out).toContain('http://schemas.datacontract.org/2004/07/System');
    expect(out.indexOf('DateTime>')).toBeLessThan(out.indexOf('OffsetMinutes>'));
    expect(roundTrip(DateTimeOffset, value)).toEqual(value);
  });
});

describe('over a session', () => {
  it('every new type as parameters, results and data members', async () => {
    const Record = defineDataContract({
      name: 'Record',
      namespace: NS,
      members: { B: 'byte', S: 'sbyte', Sh: 'short', Us: 'ushort', U: 'uint', Ul: 'ulong', C: 'char', Link: 'uri', Maybe: nullable('int'), Color, Access },
    });
    const ITypes = defineContract({
      name: 'ITypes',
      namespace: NS,
      operations: {
        Echo: { params: [['r', Record]], returns: Record },
        Pick: { params: [['c', Color], ['n', nullable('double')]], returns: nullable(Color) },
      },
    });
    const [client, server] = createChannelPair();
    const served = new ServiceDispatcher([implement(ITypes, { Echo: (r) => r, Pick: (c, n) => (n === null ? null : c) })]).serve(server).then(() => server.close());
    const proxy = createClient(ITypes, client);
    const value = { B: 200, S: -5, Sh: -300, Us: 60000, U: 4000000000, Ul: 18000000000000000000n, C: 'é', Link: 'net.tcp://h/s', Maybe: null, Color: 'Blue' as const, Access: 6 };
    expect(await proxy.Echo(value)).toEqual(value);
    expect(await proxy.Pick('Green', null)).toBe(null);
    expect(await proxy.Pick('Green', 1.5)).toBe('Green');
    await client.close();
    await served;
  });
});
