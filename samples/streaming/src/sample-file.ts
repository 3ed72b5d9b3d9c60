import { Readable } from 'node:stream';

/**
 * The sample's "file": `size` bytes where byte i is (i × 31 + 7) mod 251, made as it is read, so
 * that a test (and packages/interop's Mono program, csharp/StreamingSample.cs) can check content
 * without keeping it.
 */
export function sampleFile(size: number, chunkSize = 64 * 1024): Readable {
  let at = 0;
  return new Readable({
    read() {
      if (at >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(chunkSize, size - at);
      const chunk = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) chunk[i] = ((at + i) * 31 + 7) % 251;
      at += n;
      this.push(chunk);
    },
  });
}

/** The bytes of `sampleFile(size)` in memory. */
export function sampleBytes(size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) % 251;
  return bytes;
}

/** What a stream held: its length and FNV-1a digest (8 hex digits), as StreamingSample.cs prints them. */
export interface StreamDigest {
  readonly length: number;
  readonly digest: string;
}

/** Reads `stream` to its end, keeping only its length and digest. */
export async function digestOf(stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<StreamDigest> {
  let hash = 0x811c9dc5;
  let length = 0;
  for await (const chunk of stream) {
    for (let i = 0; i < chunk.length; i++) {
      hash ^= chunk[i] as number;
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    length += chunk.length;
  }
  return { length, digest: hash.toString(16).padStart(8, '0') };
}
