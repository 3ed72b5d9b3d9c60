/**
 * Byte helpers shared by the decoders.
 *
 * @module
 * @internal
 */

/** `chunk` as a Buffer without copying (a view over the same memory when it is a plain Uint8Array). */
export function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
