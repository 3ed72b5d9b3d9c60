/**
 * Ways to cut a byte string into chunks, to prove a streaming decoder does not care where the
 * network splits its input.
 *
 * @module
 */

/** A pseudo-random source returning numbers in [0, 1), like `Math.random`. */
export type Random = () => number;

/**
 * A small seeded generator (mulberry32), so a failing random chunking can be replayed from the
 * seed printed by the test.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Every two-way split of `buf`: `[buf[0, i), buf[i, n)]` for i = 0..n (the first and last have an
 * empty chunk, which decoders must accept too). The chunks are views of `buf`.
 */
export function splitEverywhere(buf: Uint8Array): Buffer[][] {
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const splits: Buffer[][] = [];
  for (let i = 0; i <= bytes.length; i++) splits.push([bytes.subarray(0, i), bytes.subarray(i)]);
  return splits;
}

/** `buf` as one-byte chunks (copies, so a decoder cannot peek past its chunk). */
export function oneByteAtATime(buf: Uint8Array): Buffer[] {
  return Array.from(buf, (byte) => Buffer.from([byte]));
}

/**
 * `buf` cut at random points into chunks of 1..`maxChunk` bytes (copies). `rng` picks the sizes;
 * pass {@link seededRandom} for a reproducible cut.
 */
export function chunkRandomly(buf: Uint8Array, rng: Random, maxChunk = 64): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    const size = 1 + Math.floor(rng() * Math.max(1, maxChunk));
    chunks.push(Buffer.from(buf.subarray(at, Math.min(buf.length, at + size))));
    at += size;
  }
  return chunks;
}
