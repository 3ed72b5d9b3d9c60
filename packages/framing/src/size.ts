/**
 * The record size encoding of [MC-NMF] 2.2.2 (the "mbint"): 7 bits per byte, least significant
 * group first, the high bit set on every byte but the last.
 *
 * The spec allows 5-byte values up to 0xFFFFFFFF, but WCF writes and reads only non-negative
 * `int`s: its `IntDecoder` (FramingDecoders.cs) rejects a 5th byte with any bit of 0xF8 set, which
 * caps the value at 2^31−1 and the length at 5 bytes. We follow WCF. Like WCF we accept non-minimal
 * encodings (`80 00` is 0) but never write them.
 *
 * @module
 */

import { FramingError, FramingErrorCodes } from './errors.js';
import { FramingLimits } from './records.js';

/** The most bytes a size takes (`IntEncoder.MaxEncodedSize`). */
export const MAX_ENCODED_SIZE_LENGTH = 5;

// Index of the last size byte and the bits that must be clear in it (IntDecoder.LastIndex, 0xF8).
const LAST_INDEX = MAX_ENCODED_SIZE_LENGTH - 1;
const LAST_BYTE_FORBIDDEN_BITS = 0xf8;

const SIZE_TOO_LARGE_TEXT = 'Specified size is too large for this implementation.';

/** Throws unless `value` is an integer in 0..2^31−1, the range WCF can carry. */
function checkSizeValue(value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new FramingError(
      FramingErrorCodes.INVALID_ARGUMENT,
      `A framing size must be a non-negative integer, got ${String(value)}. Pass the byte length of the record's data.`,
    );
  }
  if (value > FramingLimits.maxSize) {
    throw new FramingError(
      FramingErrorCodes.SIZE_TOO_LARGE,
      `${SIZE_TOO_LARGE_TEXT} ${value} is above 2147483647 (2^31-1), the largest size .NET Message Framing carries; split the data into smaller messages.`,
    );
  }
}

/** How many bytes {@link writeSize} uses for `value` (1..5). Throws for values WCF cannot carry. */
export function encodedSizeLength(value: number): number {
  checkSizeValue(value);
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/**
 * Writes `value` in its minimal encoding at `target[offset]` and returns the offset just past it.
 * The caller provides room for {@link encodedSizeLength}(value) bytes.
 */
export function writeSize(target: Uint8Array, offset: number, value: number): number {
  checkSizeValue(value);
  let rest = value;
  let at = offset;
  // Values are at most 31 bits, so `>>> 7` is exact and never sees a sign bit.
  while (rest >= 0x80) {
    target[at++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  target[at++] = rest;
  return at;
}

/** The minimal encoding of `value` in a new Buffer. */
export function encodeSize(value: number): Buffer {
  const out = Buffer.allocUnsafe(encodedSizeLength(value));
  writeSize(out, 0, value);
  return out;
}

/** A decoded size and how many bytes it took. */
export interface DecodedSize {
  value: number;
  length: number;
}

/**
 * Reads a size at `source[offset]`. Returns undefined when the bytes end before the size does (feed
 * more and call again). Throws FramingError `NMF_ERR_SIZE_TOO_LARGE` when the 5th byte has a bit of
 * 0xF8 set, as WCF's `IntDecoder` does.
 */
export function readSize(source: Uint8Array, offset: number): DecodedSize | undefined {
  const decoder = new SizeDecoder();
  for (let at = offset; at < source.length; at++) {
    if (decoder.push(source[at] as number, at)) {
      return { value: decoder.value, length: at - offset + 1 };
    }
  }
  return undefined;
}

/**
 * Incremental size decoder for the streaming decoders: feed one byte at a time across chunk
 * boundaries. Holds two numbers, never a buffer.
 */
export class SizeDecoder {
  #value = 0;
  #index = 0;

  /** The decoded value; valid once {@link push} returned true. */
  get value(): number {
    return this.#value;
  }

  /** True while some but not all bytes of a size have been pushed. */
  get partial(): boolean {
    return this.#index > 0;
  }

  /**
   * Adds the next byte; returns true when the size is complete. `position` is the byte's offset in
   * the stream, reported in the error.
   */
  push(byte: number, position?: number): boolean {
    // [MC-NMF] 2.2.2; FramingDecoders.cs IntDecoder: on the 5th byte a continuation bit or any bit
    // above bit 30 of the value means the size does not fit a non-negative int.
    if (this.#index === LAST_INDEX && (byte & LAST_BYTE_FORBIDDEN_BITS) !== 0) {
      this.reset();
      throw new FramingError(
        FramingErrorCodes.SIZE_TOO_LARGE,
        `${SIZE_TOO_LARGE_TEXT} The peer sent a record size above 2147483647 or longer than 5 bytes; it is not speaking .NET Message Framing correctly.`,
        { position },
      );
    }
    if (this.#index === 0) this.#value = 0;
    // Multiply instead of shifting: (b & 0x7f) << 28 would overflow into the sign bit.
    this.#value += (byte & 0x7f) * 2 ** (7 * this.#index);
    this.#index++;
    if ((byte & 0x80) === 0) {
      this.#index = 0;
      return true;
    }
    return false;
  }

  /** Forgets a partial size. */
  reset(): void {
    this.#value = 0;
    this.#index = 0;
  }
}
