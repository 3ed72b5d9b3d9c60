import type { Socket } from 'node:net';

interface ReadableHandle {
  readStop?(): number;
  reading?: boolean;
}

interface StreamInternals {
  _handle?: ReadableHandle;
  _readableState?: { reading?: boolean };
}

/**
 * Stops the handle reading and collects whatever the stream already buffered. libuv may read
 * several times in one callback round, and a paused stream keeps what it read in its buffer; those
 * bytes belong to the worker too (the pitfall noted in architecture.md).
 *
 * It must stay stopped: a byte read after this point would be lost to the worker, and an EOF or
 * reset noticed while a hand-off waits would close the descriptor under it. Node's stream restarts
 * reading by itself (maybeReadMore → read(0) → _read → readStart) unless it believes a read is
 * already under way, so both the handle's and the stream's `reading` flags are left set.
 * {@link resumeReading} undoes this for proxy mode.
 */
export function stopReading(socket: Socket, chunks: Buffer[]): void {
  socket.pause();
  const internals = socket as unknown as StreamInternals;
  if (socket.readableLength > 0) {
    let b: Buffer | null;
    while ((b = socket.read() as Buffer | null) !== null) chunks.push(b);
  }
  internals._handle?.readStop?.();
  if (internals._handle) internals._handle.reading = true;
  if (internals._readableState) internals._readableState.reading = true;
}

/** Lets a sniffed socket read again (proxy mode pipes it after the sniff). */
export function resumeReading(socket: Socket): void {
  const internals = socket as unknown as StreamInternals;
  if (internals._handle) internals._handle.reading = false;
  if (internals._readableState) internals._readableState.reading = false;
  socket.resume();
}
