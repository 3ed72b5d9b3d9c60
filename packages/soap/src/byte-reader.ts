import { readSize } from '@portshare/framing';
import { SoapError, SoapErrorCodes } from './errors.js';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf16Decoder = new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true });

/** A bounds-checked little-endian cursor over one payload. Every overrun is a SoapError, never a RangeError. */
export class ByteReader {
  readonly #buf: Buffer;
  #pos: number;
  readonly #end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.#buf = end === b.length ? b : b.subarray(0, end);
    this.#pos = start;
    this.#end = end;
  }

  get position(): number {
    return this.#pos;
  }

  get remaining(): number {
    return this.#end - this.#pos;
  }

  get atEnd(): boolean {
    return this.#pos >= this.#end;
  }

  #need(n: number, what: string): void {
    if (n > this.#end - this.#pos) throw this.#truncated(n, what);
  }

  #truncated(n: number, what: string): SoapError {
    return new SoapError(
      SoapErrorCodes.MALFORMED,
      `Binary XML ends in the middle of ${what} at offset ${this.#pos} (needs ${n} bytes, ${this.#end - this.#pos} left). ` +
        'The payload was truncated or is not binary XML; check the sender and the framing layer.',
    );
  }

  peek(): number {
    this.#need(1, 'a record');
    return this.#buf[this.#pos] as number;
  }

  u8(what = 'a record'): number {
    this.#need(1, what);
    return this.#buf[this.#pos++] as number;
  }

  i8(): number {
    this.#need(1, 'an Int8 value');
    const v = this.#buf.readInt8(this.#pos);
    this.#pos += 1;
    return v;
  }

  u16(what = 'a UInt16 value'): number {
    this.#need(2, what);
    const v = this.#buf.readUInt16LE(this.#pos);
    this.#pos += 2;
    return v;
  }

  i16(): number {
    this.#need(2, 'an Int16 value');
    const v = this.#buf.readInt16LE(this.#pos);
    this.#pos += 2;
    return v;
  }

  i32(what = 'an Int32 value'): number {
    this.#need(4, what);
    const v = this.#buf.readInt32LE(this.#pos);
    this.#pos += 4;
    return v;
  }

  u32(): number {
    this.#need(4, 'a UInt32 value');
    const v = this.#buf.readUInt32LE(this.#pos);
    this.#pos += 4;
    return v;
  }

  i64(): bigint {
    this.#need(8, 'an Int64 value');
    const v = this.#buf.readBigInt64LE(this.#pos);
    this.#pos += 8;
    return v;
  }

  u64(): bigint {
    this.#need(8, 'a UInt64 value');
    const v = this.#buf.readBigUInt64LE(this.#pos);
    this.#pos += 8;
    return v;
  }

  f32(): number {
    this.#need(4, 'a Float value');
    const v = this.#buf.readFloatLE(this.#pos);
    this.#pos += 4;
    return v;
  }

  f64(): number {
    this.#need(8, 'a Double value');
    const v = this.#buf.readDoubleLE(this.#pos);
    this.#pos += 8;
    return v;
  }

  /** A view (no copy) of the next `n` bytes. */
  bytes(n: number, what = 'a byte string'): Buffer {
    this.#need(n, what);
    const v = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return v;
  }

  utf8(n: number, what = 'a UTF-8 string'): string {
    const b = this.bytes(n, what);
    try {
      return utf8Decoder.decode(b);
    } catch (cause) {
      throw new SoapError(
        SoapErrorCodes.MALFORMED,
        `Invalid UTF-8 in ${what} ending at offset ${this.#pos}. The sender must encode text as UTF-8.`,
        { cause },
      );
    }
  }

  utf16(n: number, what = 'a UTF-16 string'): string {
    if (n % 2 !== 0) {
      // [MC-NBFX] 2.2.3.27–29: UnicodeChars lengths are in bytes and must be even.
      throw new SoapError(
        SoapErrorCodes.MALFORMED,
        `UnicodeChars text at offset ${this.#pos} has an odd byte length (${n}); UTF-16 text needs an even length.`,
      );
    }
    const b = this.bytes(n, what);
    try {
      return utf16Decoder.decode(b);
    } catch (cause) {
      throw new SoapError(
        SoapErrorCodes.MALFORMED,
        `Invalid UTF-16 in ${what} ending at offset ${this.#pos}. The sender must encode text as UTF-16LE.`,
        { cause },
      );
    }
  }

  /**
   * [MC-NBFX] 2.1.2 MultiByteInt31, the same encoding as the [MC-NMF] record size, read with the
   * framing package's decoder: at most 5 bytes, and in the 5th only the low 3 bits may be set
   * (.NET XmlBufferReader.ReadMultiByteUInt31 rejects anything else), so values stay below 2^31.
   */
  mb31(what = 'a MultiByteInt31'): number {
    let decoded;
    try {
      decoded = readSize(this.#buf, this.#pos);
    } catch (cause) {
      throw new SoapError(
        SoapErrorCodes.MALFORMED,
        `Invalid MultiByteInt31 (${what}) at offset ${this.#pos}: it is longer than 5 bytes or above 2^31-1. The data is corrupt or not binary XML.`,
        { cause },
      );
    }
    if (decoded === undefined) throw this.#truncated(this.#end - this.#pos + 1, what);
    this.#pos += decoded.length;
    return decoded.value;
  }
}
