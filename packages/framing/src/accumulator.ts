/**
 * A small growable byte buffer for strings and envelopes that straddle chunk boundaries.
 *
 * Decoders learn a record's size before its bytes arrive and check it against their limit first,
 * so `expect(n)` is only called with an n that is already within the limit. The buffer still grows
 * by doubling as bytes really arrive rather than allocating n up front: a peer that announces a
 * large record and then sends nothing costs little. The storage is kept across records (a
 * connection decodes many), up to `retainBytes`.
 *
 * @module
 * @internal
 */

const INITIAL_CAPACITY = 64;

/** @internal */
export class ByteAccumulator {
  #buffer: Buffer | undefined;
  #length = 0;
  #expected = 0;
  readonly #retainBytes: number;

  /** @param retainBytes the largest storage kept between records; larger buffers are dropped. */
  constructor(retainBytes: number) {
    this.#retainBytes = retainBytes;
  }

  /** Bytes held right now. */
  get length(): number {
    return this.#length;
  }

  /** Bytes still missing for the current record. */
  get missing(): number {
    return this.#expected - this.#length;
  }

  /** Starts a record of `expected` bytes (already checked against the caller's limit). */
  expect(expected: number): void {
    this.#expected = expected;
    this.#length = 0;
  }

  /** Copies `source[start, end)` in; the caller never passes more than {@link missing}. */
  append(source: Uint8Array, start: number, end: number): void {
    const count = end - start;
    const needed = this.#length + count;
    let buffer = this.#buffer;
    if (buffer === undefined || buffer.length < needed) {
      let capacity = Math.max(INITIAL_CAPACITY, buffer?.length ?? 0);
      while (capacity < needed) capacity *= 2;
      // Never grow past the record itself: the limit check already bounded #expected.
      capacity = Math.min(capacity, this.#expected);
      const grown = Buffer.allocUnsafe(capacity);
      if (buffer !== undefined && this.#length > 0) buffer.copy(grown, 0, 0, this.#length);
      buffer = grown;
      this.#buffer = grown;
    }
    buffer.set(source.subarray(start, end), this.#length);
    this.#length = needed;
  }

  /** The bytes held, as a view (valid until the next `expect`/`append`). */
  view(): Buffer {
    return this.#buffer === undefined ? Buffer.alloc(0) : this.#buffer.subarray(0, this.#length);
  }

  /** Bytes of storage allocated right now (held bytes plus spare room). */
  get capacity(): number {
    return this.#buffer?.length ?? 0;
  }

  /**
   * Moves the held bytes out into a Buffer of their own and empties the accumulator. When the
   * storage is exactly full it is handed over as is, without a copy.
   */
  take(): Buffer {
    const buffer = this.#buffer;
    let out: Buffer;
    if (buffer !== undefined && buffer.length === this.#length) {
      out = buffer;
      this.#buffer = undefined;
    } else {
      out = Buffer.allocUnsafe(this.#length);
      if (buffer !== undefined) buffer.copy(out, 0, 0, this.#length);
    }
    this.clear();
    return out;
  }

  /** Empties the accumulator; drops storage larger than the retain size. */
  clear(): void {
    this.#length = 0;
    this.#expected = 0;
    if (this.#buffer !== undefined && this.#buffer.length > this.#retainBytes) this.#buffer = undefined;
  }
}
