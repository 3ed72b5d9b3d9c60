import { encodeSize, encodedSizeLength, writeSize } from '@portshare/framing';

/** A growable little-endian byte buffer for the binary XML writer. */
export class ByteWriter {
  #buf: Buffer;
  #len = 0;

  constructor(initialCapacity = 256) {
    this.#buf = Buffer.allocUnsafe(initialCapacity);
  }

  get length(): number {
    return this.#len;
  }

  #ensure(extra: number): void {
    const need = this.#len + extra;
    if (need <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }

  u8(v: number): void {
    this.#ensure(1);
    this.#buf[this.#len++] = v;
  }

  u16(v: number): void {
    this.#ensure(2);
    this.#buf.writeUInt16LE(v, this.#len);
    this.#len += 2;
  }

  i32(v: number): void {
    this.#ensure(4);
    this.#buf.writeInt32LE(v, this.#len);
    this.#len += 4;
  }

  u32(v: number): void {
    this.#ensure(4);
    this.#buf.writeUInt32LE(v, this.#len);
    this.#len += 4;
  }

  i16(v: number): void {
    this.#ensure(2);
    this.#buf.writeInt16LE(v, this.#len);
    this.#len += 2;
  }

  i8(v: number): void {
    this.#ensure(1);
    this.#buf.writeInt8(v, this.#len);
    this.#len += 1;
  }

  i64(v: bigint): void {
    this.#ensure(8);
    this.#buf.writeBigInt64LE(v, this.#len);
    this.#len += 8;
  }

  u64(v: bigint): void {
    this.#ensure(8);
    this.#buf.writeBigUInt64LE(v, this.#len);
    this.#len += 8;
  }

  f32(v: number): void {
    this.#ensure(4);
    this.#buf.writeFloatLE(v, this.#len);
    this.#len += 4;
  }

  f64(v: number): void {
    this.#ensure(8);
    this.#buf.writeDoubleLE(v, this.#len);
    this.#len += 8;
  }

  bytes(b: Uint8Array): void {
    this.#ensure(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
  }

  /** Writes `s` as UTF-8 (no length prefix). */
  utf8(s: string): void {
    this.#ensure(Buffer.byteLength(s, 'utf8'));
    this.#len += this.#buf.write(s, this.#len, 'utf8');
  }

  /** Writes `s` as UTF-16LE (no length prefix). */
  utf16(s: string): void {
    this.#ensure(s.length * 2);
    this.#len += this.#buf.write(s, this.#len, 'utf16le');
  }

  /**
   * [MC-NBFX] 2.1.2 MultiByteInt31, minimal form as .NET writes it. It is the same encoding as the
   * [MC-NMF] record size, so the framing package's encoder does the work.
   */
  mb31(v: number): void {
    this.#ensure(5);
    this.#len = writeSize(this.#buf, this.#len, v);
  }

  /** Overwrites the byte at `offset` (used to turn a text record into its WithEndElement form). */
  patch(offset: number, v: number): void {
    this.#buf[offset] = v;
  }

  at(offset: number): number {
    return this.#buf[offset] ?? 0;
  }

  /** A copy of the written bytes. */
  toBuffer(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#len));
  }
}

/** Number of bytes the MB31 form of `v` takes. */
export const mb31Size: (v: number) => number = encodedSizeLength;

/** Encodes `v` (0..2^31-1) as a standalone MB31. */
export const encodeMb31: (v: number) => Buffer = encodeSize;
