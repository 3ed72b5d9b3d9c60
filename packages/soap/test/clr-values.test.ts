import { describe, expect, it } from 'vitest';
import { ByteReader } from '../src/byte-reader.js';
import { encodeMb31, mb31Size } from '../src/byte-writer.js';
import { DateTimeKind, MAX_DATETIME_TICKS, NetDateTime } from '../src/date-time.js';
import { decodeDecimal, encodeDecimal, isDecimal, normalizeDecimal } from '../src/decimal.js';
import { SoapErrorCodes } from '../src/errors.js';
import { bytesToGuid, guidToBytes } from '../src/guid.js';
import { formatDouble, formatFloat, parseDoubleText } from '../src/number-text.js';
import { TimeSpan } from '../src/time-span.js';
import { hex } from './support/fixtures.js';

describe('MultiByteInt31 ([MC-NBFX] 2.1.2)', () => {
  const vectors: [number, string][] = [
    [0, '00'],
    [17, '11'],
    [0x7f, '7f'],
    [0x80, '8001'],
    [225, 'e101'],
    [270, '8e02'],
    [882, 'f206'],
    [0x3fff, 'ff7f'],
    [0x4000, '808001'],
    [70248, 'e8a404'],
    [0x1fffff, 'ffff7f'],
    [0x0fffffff, 'ffffff7f'],
    [268435456, '8080808001'],
    [0x7fffffff, 'ffffffff07'],
  ];
  for (const [v, h] of vectors) {
    it(`${v} ⇄ ${h}`, () => {
      expect(encodeMb31(v).toString('hex')).toBe(h);
      expect(mb31Size(v)).toBe(h.length / 2);
      expect(new ByteReader(hex(h)).mb31()).toBe(v);
    });
  }
  it('rejects a fifth byte using more than 3 bits and a cut-short value', () => {
    expect(() => new ByteReader(hex('ffffffff08')).mb31()).toThrow(expect.objectContaining({ code: SoapErrorCodes.MALFORMED }));
    expect(() => new ByteReader(hex('ff')).mb31()).toThrow(expect.objectContaining({ code: SoapErrorCodes.MALFORMED }));
  });
});

describe('DateTime', () => {
  it('binary form: ticks plus kind bits ([MC-NBFX] 2.2.3.12)', () => {
    const utc = NetDateTime.fromBinary(hex('80c0bf7a3f0bdc48').readBigInt64LE(0));
    expect(utc.kind).toBe(DateTimeKind.Utc);
    expect(utc.toString()).toBe('2024-01-02T03:04:05Z');
    expect(NetDateTime.fromBinary(hex('00408ef95b47c808').readBigInt64LE(0)).toString()).toBe('2006-05-17T00:00:00');
    const local = new NetDateTime(638397614450000000n, DateTimeKind.Local);
    expect(NetDateTime.fromBinary(local.toBinary())).toEqual(local);
    expect(NetDateTime.fromBinary(3n << 62n).kind).toBe(DateTimeKind.Local);
  });
  it('text: fractions trimmed, range ends, parse of each zone form', () => {
    expect(new NetDateTime(0n).toString()).toBe('0001-01-01T00:00:00');
    expect(new NetDateTime(MAX_DATETIME_TICKS, DateTimeKind.Utc).toString()).toBe('9999-12-31T23:59:59.9999999Z');
    expect(new NetDateTime(638397614451230000n, DateTimeKind.Utc).toString()).toBe('2024-01-02T03:04:05.123Z');
    expect(NetDateTime.parse('2024-01-02T03:04:05Z')).toEqual(new NetDateTime(638397614450000000n, DateTimeKind.Utc));
    expect(NetDateTime.parse('2024-01-02T04:04:05+01:00')).toEqual(new NetDateTime(638397614450000000n, DateTimeKind.Local));
    expect(NetDateTime.parse('2024-02-29T00:00:00.5').ticks).toBe(638447616005000000n);
    expect(NetDateTime.parse('2024-01-02')).toEqual(new NetDateTime(638397504000000000n));
    for (const bad of ['2023-02-29T00:00:00', '2024-13-01T00:00:00', 'yesterday', '0000-01-01T00:00:00']) {
      expect(() => NetDateTime.parse(bad)).toThrow(expect.objectContaining({ code: SoapErrorCodes.DESERIALIZATION_FAILED }));
    }
    expect(() => new NetDateTime(MAX_DATETIME_TICKS + 1n)).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE }));
    expect(NetDateTime.fromDate(new Date(0)).toDate().getTime()).toBe(0);
  });
});

describe('TimeSpan', () => {
  it('xs:duration text as .NET writes it', () => {
    expect(new TimeSpan(900_000_000n).toString()).toBe('PT1M30S');
    expect(new TimeSpan(0n).toString()).toBe('PT0S');
    expect(new TimeSpan(-(864_000_000_000n + 72_000_000_000n)).toString()).toBe('-P1DT2H');
    expect(new TimeSpan(5_000_000n).toString()).toBe('PT0.5S');
    expect(new TimeSpan(1n).toString()).toBe('PT0.0000001S');
    expect(new TimeSpan(864_000_000_000n).toString()).toBe('P1D');
  });
  it('parses what it writes, plus years and months', () => {
    for (const t of [0n, 1n, -1n, 900_000_000n, 2n ** 63n - 1n, -(2n ** 63n)]) {
      expect(TimeSpan.parse(new TimeSpan(t).toString()).ticks).toBe(t);
    }
    expect(TimeSpan.parse('P1Y2M').ticks).toBe((365n + 60n) * 864_000_000_000n);
    for (const bad of ['P', 'PT', '1S', 'P1H', 'P99999999999999999999D']) {
      expect(() => TimeSpan.parse(bad)).toThrow(expect.objectContaining({ code: SoapErrorCodes.DESERIALIZATION_FAILED }));
    }
    expect(TimeSpan.fromSeconds(90).toString()).toBe('PT1M30S');
    expect(TimeSpan.fromMilliseconds(1.5).totalMilliseconds).toBe(1.5);
  });
});

describe('Decimal', () => {
  it('16-byte layout: flags, hi, lo, mid ([MC-NBFX] 2.2.3.11)', () => {
    expect(encodeDecimal('123.45').toString('hex')).toBe('00000200000000003930000000000000');
    expect(decodeDecimal(hex('00000600000000 00802d4e0000000000'))).toBe('5.123456');
    expect(decodeDecimal(hex('00000000ffffffffffffffffffffffff'))).toBe('79228162514264337593543950335');
    expect(decodeDecimal(encodeDecimal('-0.0000000000000000000000000001'))).toBe('-0.0000000000000000000000000001');
    expect(decodeDecimal(encodeDecimal('-0.00'))).toBe('0.00');
    expect(decodeDecimal(encodeDecimal('18446744073709551616'))).toBe('18446744073709551616');
  });
  it('accepts the xs:decimal lexical forms and rejects the rest', () => {
    expect(normalizeDecimal(' +.5 ')).toBe('0.5');
    expect(normalizeDecimal('5.')).toBe('5');
    expect(normalizeDecimal('007.10')).toBe('7.10');
    for (const bad of ['', '.', '1e5', 'NaN', '1.2.3', '79228162514264337593543950336']) expect(isDecimal(bad)).toBe(false);
  });
});

describe('number text (.NET "R" forms)', () => {
  it('double', () => {
    const cases: [number, string][] = [
      [15.99, '15.99'],
      [115.99, '115.99'],
      [22 / 7, '3.142857142857143'],
      [100, '100'],
      [-0, '-0'],
      [NaN, 'NaN'],
      [Infinity, 'INF'],
      [-Infinity, '-INF'],
      [1e15, '1E+15'],
      [123456789012345, '123456789012345'],
      [1e-5, '1E-05'],
      [0.0001, '0.0001'],
      [1.2345678901234568e20, '1.2345678901234568E+20'],
      [Number.MAX_VALUE, '1.7976931348623157E+308'],
      [5e-324, '5E-324'],
    ];
    for (const [d, s] of cases) {
      expect(formatDouble(d)).toBe(s);
      expect(Object.is(parseDoubleText(s), d)).toBe(true);
    }
  });
  it('float', () => {
    expect(formatFloat(0.1)).toBe('0.1');
    expect(formatFloat(32.45)).toBe('32.45');
    expect(formatFloat(3.4028234663852886e38)).toBe('3.4028235E+38');
    expect(formatFloat(1e7)).toBe('1E+07');
    expect(formatFloat(1234567)).toBe('1234567');
    expect(Math.fround(parseDoubleText(formatFloat(Math.fround(1.1))))).toBe(Math.fround(1.1));
  });
  it('rejects what XmlConvert rejects', () => {
    for (const bad of ['', 'Infinity', '0x10', '1,5', '--1', 'inf']) {
      expect(() => parseDoubleText(bad)).toThrow(expect.objectContaining({ code: SoapErrorCodes.DESERIALIZATION_FAILED }));
    }
  });
});

describe('GUID byte order (Guid.ToByteArray)', () => {
  it('matches the [MC-NBFX] example and the Mono MessageID', () => {
    expect(bytesToGuid(hex('00112233445566778899aabbccddeeff'))).toBe('33221100-5544-7766-8899-aabbccddeeff');
    expect(guidToBytes('6cfa4773-a265-4275-87ea-4ae505d01e3e').toString('hex')).toBe('7347fa6c65a2754287ea4ae505d01e3e');
  });
});
