import { describe, expect, it } from 'vitest';
import { FramingError, FramingErrorCodes } from './errors.js';
import { encodedSizeLength, encodeSize, readSize, SizeDecoder, writeSize } from './size.js';

// [MC-NMF] 2.2.2 edges, written out by hand.
const vectors: readonly [value: number, hex: string][] = [
  [0, '00'],
  [1, '01'],
  [127, '7f'],
  [128, '8001'],
  [300, 'ac02'],
  [16383, 'ff7f'],
  [16384, '808001'],
  [2097151, 'ffff7f'],
  [2097152, '80808001'],
  [268435455, 'ffffff7f'],
  [268435456, '8080808001'],
  [2147483647, 'ffffffff07'],
];

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FramingError);
    return (error as FramingError).code;
  }
  return undefined;
}

describe('size encoding ([MC-NMF] 2.2.2)', () => {
  it.each(vectors)('%i encodes as %s and back', (value, hex) => {
    const bytes = Buffer.from(hex, 'hex');
    expect(encodeSize(value).toString('hex')).toBe(hex);
    expect(encodedSizeLength(value)).toBe(bytes.length);
    expect(readSize(bytes, 0)).toEqual({ value, length: bytes.length });
  });

  it('writeSize writes at an offset and returns the next offset', () => {
    const target = Buffer.alloc(8, 0xee);
    expect(writeSize(target, 2, 16384)).toBe(5);
    expect(target.toString('hex')).toBe('eeee808001eeeeee');
  });

  it('reads a size in the middle of a buffer', () => {
    expect(readSize(Buffer.from('aabbac02cc', 'hex'), 2)).toEqual({ value: 300, length: 2 });
  });

  it('accepts a non-minimal encoding like WCF: 80 00 is 0', () => {
    expect(readSize(Buffer.from('8000', 'hex'), 0)).toEqual({ value: 0, length: 2 });
    expect(readSize(Buffer.from('8180808000', 'hex'), 0)).toEqual({ value: 1, length: 5 });
  });

  it('needs more bytes when the size is cut short', () => {
    expect(readSize(Buffer.alloc(0), 0)).toBeUndefined();
    expect(readSize(Buffer.from('80', 'hex'), 0)).toBeUndefined();
    expect(readSize(Buffer.from('ffffffff', 'hex'), 0)).toBeUndefined();
  });

  it('rejects a 5th byte of 0x08 (value above 2^31-1)', () => {
    expect(codeOf(() => readSize(Buffer.from('ffffffff08', 'hex'), 0))).toBe(FramingErrorCodes.SIZE_TOO_LARGE);
    expect(codeOf(() => readSize(Buffer.from('8080808008', 'hex'), 0))).toBe(FramingErrorCodes.SIZE_TOO_LARGE);
  });

  it('rejects a 6-byte size (5th byte has the continuation bit)', () => {
    expect(codeOf(() => readSize(Buffer.from('ffffffffff01', 'hex'), 0))).toBe(FramingErrorCodes.SIZE_TOO_LARGE);
    expect(codeOf(() => readSize(Buffer.from('8080808080', 'hex'), 0))).toBe(FramingErrorCodes.SIZE_TOO_LARGE);
  });

  it('reports the position of the offending byte', () => {
    try {
      readSize(Buffer.from('00ffffffff08', 'hex'), 1);
      expect.unreachable();
    } catch (error) {
      expect((error as FramingError).position).toBe(5);
    }
  });

  it('refuses to encode what WCF cannot carry', () => {
    expect(codeOf(() => encodeSize(2147483648))).toBe(FramingErrorCodes.SIZE_TOO_LARGE);
    expect(codeOf(() => encodeSize(-1))).toBe(FramingErrorCodes.INVALID_ARGUMENT);
    expect(codeOf(() => encodeSize(1.5))).toBe(FramingErrorCodes.INVALID_ARGUMENT);
    expect(codeOf(() => encodedSizeLength(Number.NaN))).toBe(FramingErrorCodes.INVALID_ARGUMENT);
  });

  it('SizeDecoder decodes byte by byte and starts over after each size', () => {
    const decoder = new SizeDecoder();
    const input = Buffer.from('808001' + '7f' + 'ffffffff07', 'hex');
    const values: number[] = [];
    for (const byte of input) if (decoder.push(byte)) values.push(decoder.value);
    expect(values).toEqual([16384, 127, 2147483647]);
    expect(decoder.partial).toBe(false);
    decoder.push(0x80);
    expect(decoder.partial).toBe(true);
    decoder.reset();
    expect(decoder.partial).toBe(false);
  });

  it('every value round-trips near each length boundary', () => {
    for (const edge of [0x80, 0x4000, 0x200000, 0x10000000]) {
      for (const value of [edge - 2, edge - 1, edge, edge + 1]) {
        const encoded = encodeSize(value);
        expect(readSize(encoded, 0)).toEqual({ value, length: encoded.length });
      }
    }
  });
});
