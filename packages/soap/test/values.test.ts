import { describe, expect, it } from 'vitest';
import { defineContract, type OperationDescription } from '../src/contract.js';
import { defineDataContract } from '../src/data-contract.js';
import { DateTimeKind, MAX_DATETIME_TICKS, NetDateTime } from '../src/date-time.js';
import { SoapError, SoapErrorCodes } from '../src/errors.js';
import { BinarySessionEncoder } from '../src/message-encoder.js';
import { readNbfx } from '../src/nbfx-reader.js';
import { buildRequestBody, parseRequestBody } from '../src/operation-formatter.js';
import { deserializeElement } from '../src/serializer.js';
import { TimeSpan } from '../src/time-span.js';
import { type TypeRef, arrayOf } from '../src/types.js';
import { type XmlElement, childElements } from '../src/xml-node.js';
import { parseEnvelope } from '../src/envelope.js';
import { toXmlString } from '../src/xml-text.js';
import { captureEnvelopes, hex } from './support/fixtures.js';

const BIG = { maxReceivedMessageSize: 1 << 22, maxStringContentLength: 1 << 20, maxArrayLength: 1 << 20 };

/** Writes `value` as the single parameter of an operation, encodes, decodes, and reads it back. */
function roundTrip(type: TypeRef, value: unknown): { value: unknown; body: Buffer } {
  const c = defineContract({ name: 'IEcho', namespace: 'http://example.org/echo', operations: { Echo: { params: [['v', type]] } } });
  const op = c.operations.get('Echo') as OperationDescription;
  const writer = new BinarySessionEncoder();
  const reader = new BinarySessionEncoder({ quotas: BIG });
  const body = writer.encode(buildRequestBody(op, [value]));
  const nodes = reader.decode(body);
  return { value: parseRequestBody(op, nodes as XmlElement[])[0], body };
}

function same(type: TypeRef, value: unknown, expected: unknown = value): void {
  expect(roundTrip(type, value).value).toEqual(expected);
}

function invalidValue(type: TypeRef, value: unknown): void {
  try {
    roundTrip(type, value);
  } catch (err) {
    expect(err).toBeInstanceOf(SoapError);
    expect((err as SoapError).code).toBe(SoapErrorCodes.INVALID_VALUE);
    return;
  }
  throw new Error(`expected INVALID_VALUE for ${String(value)}`);
}

describe('primitive round trips (value → write → read)', () => {
  it('string: plain, empty, null, unicode, "0"/"1", markup characters, surrogate pairs, long', () => {
    for (const s of ['hello', '', 'héllo 中文', '中文中文', '0', '1', '<&>"\'', '😀 emoji', 'x'.repeat(300), 'y'.repeat(70000)]) same('string', s);
    same('string', null);
  });

  it('int: every record boundary and the int32 limits', () => {
    for (const n of [0, 1, -1, 2, 127, 128, -128, -129, 200, 32767, 32768, -32768, -32769, 70000, 2147483647, -2147483648]) same('int', n);
    invalidValue('int', 2147483648);
    invalidValue('int', -2147483649);
    invalidValue('int', 1.5);
    invalidValue('int', null);
  });

  it('long: bigint beyond 2^53 and the int64 limits', () => {
    for (const n of [0n, 1n, -1n, 5000000000n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)]) same('long', n);
    same('long', 42, 42n);
    invalidValue('long', 2n ** 63n);
    invalidValue('long', -(2n ** 63n) - 1n);
  });

  it('bool', () => {
    same('bool', true);
    same('bool', false);
    invalidValue('bool', 1);
  });

  it('double: NaN, ±Infinity, extremes, values .NET shortens to float or integer records', () => {
    for (const d of [0.5, 15.99, 22 / 7, 100, -100, 1e300, -1e-300, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2, 1e20, NaN, Infinity, -Infinity]) {
      same('double', d);
    }
    // .NET's writer turns -0.0 into ZeroText (docs/protocol.md §14), so the sign does not survive.
    expect(Object.is(roundTrip('double', -0).value, 0)).toBe(true);
  });

  it('double record choice matches .NET: 100.0 → Int8, 0.5 → Float, 15.99 → Double, NaN → Double', () => {
    // The value record takes the WithEndElement form; the wrapper's EndElement (01) follows.
    const tail = (d: number) => roundTrip('double', d).body.toString('hex');
    expect(tail(100)).toMatch(/4205896401$/);
    expect(tail(0.5)).toMatch(/4205910000003f01$/);
    expect(tail(15.99)).toMatch(/4205937b14ae47e1fa2f4001$/);
    expect(tail(NaN)).toMatch(/420593000000000000f87f01$/);
  });

  it('float: single precision values, NaN, ±Infinity, extremes', () => {
    for (const f of [1.5, Math.fround(0.1), Math.fround(3.4028234663852886e38), Math.fround(1.401298464324817e-45), NaN, Infinity, -Infinity, 16777216]) same('float', f);
    same('float', 0.1, Math.fround(0.1));
  });

  it('decimal: scale kept, limits, smallest fraction', () => {
    for (const d of ['123.45', '-0.5', '1.50', '0', '79228162514264337593543950335', '-79228162514264337593543950335', '0.0000000000000000000000000001']) same('decimal', d);
    same('decimal', '+7', '7');
    same('decimal', 2.5, '2.5');
    same('decimal', 1e-7, '0.0000001');
    invalidValue('decimal', '79228162514264337593543950336');
    invalidValue('decimal', '1e5');
    invalidValue('decimal', '0.00000000000000000000000000001');
  });

  it('dateTime: all kinds, the range ends, JavaScript Date input', () => {
    same('dateTime', new NetDateTime(638397650450000000n, DateTimeKind.Utc));
    same('dateTime', new NetDateTime(638397650450000001n, DateTimeKind.Local));
    same('dateTime', new NetDateTime(632834208000000000n, DateTimeKind.Unspecified));
    same('dateTime', new NetDateTime(0n));
    same('dateTime', new NetDateTime(MAX_DATETIME_TICKS, DateTimeKind.Utc));
    const d = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
    const back = roundTrip('dateTime', d).value as NetDateTime;
    expect(back.kind).toBe('Utc');
    expect(back.toDate().getTime()).toBe(d.getTime());
    expect(back.toString()).toBe('2024-01-02T03:04:05.678Z');
  });

  it('guid: lowercase D form as text', () => {
    same('guid', '6cfa4773-a265-4275-87ea-4ae505d01e3e');
    same('guid', '6CFA4773-A265-4275-87EA-4AE505D01E3E', '6cfa4773-a265-4275-87ea-4ae505d01e3e');
    invalidValue('guid', 'not-a-guid');
  });

  it('timeSpan: zero, 90 s, negative, fractional, the int64 ends', () => {
    for (const t of [0n, 900_000_000n, -864_000_000_001n, 1n, 2n ** 63n - 1n, -(2n ** 63n)]) same('timeSpan', new TimeSpan(t));
  });

  it('bytes: empty, null, the 3-byte split, 70000 bytes', () => {
    same('bytes', new Uint8Array([1, 2, 3, 250]));
    same('bytes', new Uint8Array([9]));
    same('bytes', new Uint8Array(0));
    same('bytes', null);
    const big = new Uint8Array(70000).map((_, i) => i % 251);
    same('bytes', big);
    // .NET writes whole 3-byte groups, then the tail: 9e 03 01 02 03 9f 01 fa (docs/protocol.md §13).
    expect(roundTrip('bytes', new Uint8Array([1, 2, 3, 250])).body.toString('hex')).toContain('9e030102039f01fa');
  });
});

describe('arrays and data contracts', () => {
  const Address = defineDataContract({ name: 'Address', namespace: 'http://example.org/geo', members: { City: 'string', Zip: 'int' } });
  const Person = defineDataContract({
    name: 'Person',
    namespace: 'http://example.org/people',
    members: {
      Name: 'string',
      Age: 'int',
      Scores: arrayOf('double'),
      Home: Address,
      Tags: arrayOf('string'),
      Id: { type: 'long', order: 1 },
      Nick: { type: 'string', emitDefaultValue: false },
    },
  });

  it('arrays of every primitive, empty and null arrays, null items, nested arrays', () => {
    same(arrayOf('int'), [1, 2, 300, -5, 2147483647]);
    same(arrayOf('int'), []);
    same(arrayOf('int'), null);
    same(arrayOf('long'), [1n, 2n ** 60n]);
    same(arrayOf('bool'), [true, false, true]);
    same(arrayOf('float'), [1.5, NaN]);
    same(arrayOf('double'), [1.5, 2.25, -0, NaN, Infinity]);
    same(arrayOf('decimal'), ['1.5', '-79228162514264337593543950335']);
    same(arrayOf('dateTime'), [new NetDateTime(1n, DateTimeKind.Utc), new NetDateTime(2n)]);
    same(arrayOf('string'), ['a', 'bc', null, '']);
    same(arrayOf('guid'), ['00112233-4455-6677-8899-aabbccddeeff']);
    same(arrayOf('timeSpan'), [new TimeSpan(5n)]);
    same(arrayOf('bytes'), [new Uint8Array([1]), null]);
    same(arrayOf(arrayOf('int')), [[1, 2], [], null, [3]]);
  });

  it('int[] is one Array record in the Serialization/Arrays namespace (docs/protocol.md §14)', () => {
    const { body } = roundTrip(arrayOf('int'), [1, 2, 300]);
    expect(body.toString('hex')).toContain('8d0301000000020000002c010000');
    const xml = toXmlString(new BinarySessionEncoder().decode(body));
    expect(xml).toBe(
      '<Echo xmlns="http://example.org/echo"><v xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays" ' +
        'xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><a:int>1</a:int><a:int>2</a:int><a:int>300</a:int></v></Echo>',
    );
  });

  it('data contracts: member order, nested contracts in other namespaces, null members, EmitDefaultValue', () => {
    const p = { Name: 'Ann', Age: 33, Scores: [1.5, 2.25], Home: { City: 'Oslo', Zip: 150 }, Tags: null, Id: 7n, Nick: null };
    same(Person, p);
    same(Person, null);
    same(arrayOf(Person), [p, null]);
    const xml = toXmlString(new BinarySessionEncoder().decode(roundTrip(Person, p).body));
    // Alphabetical members first, then ordered ones; Nick (null, EmitDefaultValue=false) is not written.
    expect(xml).toBe(
      '<Echo xmlns="http://example.org/echo"><v xmlns:a="http://example.org/people" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">' +
        '<a:Age>33</a:Age><a:Home xmlns:b="http://example.org/geo"><b:City>Oslo</b:City><b:Zip>150</b:Zip></a:Home><a:Name>Ann</a:Name>' +
        '<a:Scores xmlns:b="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><b:double>1.5</b:double><b:double>2.25</b:double></a:Scores>' +
        '<a:Tags i:nil="true"/><a:Id>7</a:Id></v></Echo>',
    );
  });

  it('reads the data contract Mono wrote (mono-types.pcap, EchoPerson)', () => {
    const P = defineDataContract({ name: 'Person', namespace: 'http://example.org/people', members: { Name: 'string', Age: 'int', Scores: arrayOf('double') } });
    const enc = new BinarySessionEncoder();
    const envelopes = captureEnvelopes('mono-types', 'c2s').map((p) => parseEnvelope(enc.decode(p)));
    const echo = envelopes[24]!.body[0]!;
    expect(echo.localName).toBe('EchoPerson');
    expect(deserializeElement(P, childElements(echo)[0]!)).toEqual({ Name: 'Ann', Age: 33, Scores: [1.5, 2.25] });
    const ints = childElements(envelopes[22]!.body[0]!)[0]!;
    expect(deserializeElement(arrayOf('int'), ints)).toEqual([1, 2, 300]);
    const strings = childElements(envelopes[23]!.body[0]!)[0]!;
    expect(deserializeElement(arrayOf('string'), strings)).toEqual(['a', 'bc']);
    const nil = childElements(envelopes[2]!.body[0]!)[0]!;
    expect(deserializeElement('string', nil)).toBeNull();
  });

  it('required members and wrong item names are deserialization errors', () => {
    const R = defineDataContract({ name: 'R', namespace: 'urn:r', members: { A: { type: 'int', isRequired: true } } });
    const c = defineContract({ name: 'I', namespace: 'urn:i', operations: { Op: { params: [['r', R]] }, Ints: { params: [['a', arrayOf('int')]] } } });
    const enc = new BinarySessionEncoder();
    const dec = new BinarySessionEncoder();
    const empty = dec.decode(enc.encode(buildRequestBody(c.operations.get('Op')!, [{ A: 1 }]))) as XmlElement[];
    expect(parseRequestBody(c.operations.get('Op')!, empty)).toEqual([{ A: 1 }]);
    const strings = defineContract({ name: 'I', namespace: 'urn:i', operations: { Ints: { params: [['a', arrayOf('string')]] } } });
    const wrong = dec.decode(enc.encode(buildRequestBody(strings.operations.get('Ints')!, [['x']]))) as XmlElement[];
    expect(() => parseRequestBody(c.operations.get('Ints')!, wrong)).toThrow(expect.objectContaining({ code: SoapErrorCodes.DESERIALIZATION_FAILED }));
    const R0 = defineDataContract({ name: 'R', namespace: 'urn:r', members: { B: 'int' } });
    const c0 = defineContract({ name: 'I', namespace: 'urn:i', operations: { Op: { params: [['r', R0]] } } });
    const missing = dec.decode(enc.encode(buildRequestBody(c0.operations.get('Op')!, [{ B: 1 }]))) as XmlElement[];
    expect(() => parseRequestBody(c.operations.get('Op')!, missing)).toThrow(expect.objectContaining({ code: SoapErrorCodes.DESERIALIZATION_FAILED }));
  });
});

describe('reading values other peers send as text (docs/protocol.md §13)', () => {
  const read = (type: TypeRef, bytes: string) => {
    const el = readNbfx(hex(`40 01 76 ${bytes}`))[0] as XmlElement;
    return deserializeElement(type, el);
  };
  it('numbers from any numeric record or from text', () => {
    expect(read('double', '99 03 49 4e 46')).toBe(Infinity);
    expect(read('double', '99 04 2d 49 4e 46')).toBe(-Infinity);
    expect(read('double', '99 03 4e 61 4e')).toBeNaN();
    expect(read('double', '99 06 31 45 2b 33 30 30')).toBe(1e300);
    expect(read('double', '8b c8 00')).toBe(200);
    expect(read('double', '95 00 00 02 00 00 00 00 00 39 30 00 00 00 00 00 00')).toBe(123.45);
    expect(read('int', '99 02 34 32')).toBe(42);
    expect(read('long', '99 13 39 32 32 33 33 37 32 30 33 36 38 35 34 37 37 35 38 30 37')).toBe(2n ** 63n - 1n);
    expect(read('int', '93 00 00 00 00 00 00 45 40')).toBe(42);
    expect(read('decimal', '99 04 31 2e 32 35')).toBe('1.25');
    expect(read('decimal', '89 07')).toBe('7');
  });
  it('booleans, GUIDs, dates, durations and base64 in their other forms', () => {
    expect(read('bool', '83')).toBe(true);
    expect(read('bool', '99 04 74 72 75 65')).toBe(true);
    expect(read('guid', 'b1 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff')).toBe('33221100-5544-7766-8899-aabbccddeeff');
    expect(String(read('dateTime', '99 14 32 30 32 34 2d 30 31 2d 30 32 54 30 33 3a 30 34 3a 30 35 5a'))).toBe('2024-01-02T03:04:05Z');
    expect((read('timeSpan', 'af 00 5e d0 b2 00 00 00 00') as TimeSpan).toString()).toBe('PT5M');
    expect(read('bytes', '99 08 41 51 49 44 2b 67 3d 3d')).toEqual(new Uint8Array([1, 2, 3, 250]));
  });
  it('bad text is a deserialization error naming the element', () => {
    for (const [type, bytes] of [
      ['int', '99 01 78'],
      ['int', '99 0a 32 31 34 37 34 38 33 36 34 38'],
      ['double', '99 01 78'],
      ['bool', '99 03 79 65 73'],
      ['guid', '99 01 78'],
      ['bytes', '99 01 21'],
      ['dateTime', '99 01 78'],
      ['timeSpan', '99 01 78'],
      ['decimal', '99 01 78'],
    ] as [TypeRef, string][]) {
      expect(() => read(type, bytes)).toThrow(expect.objectContaining({ code: SoapErrorCodes.DESERIALIZATION_FAILED }));
    }
  });
});
