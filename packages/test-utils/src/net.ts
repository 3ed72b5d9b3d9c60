import { connect, createServer, type Socket } from 'node:net';

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A free TCP port on loopback (bind 0, read it, close). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Exchange {
  data: Buffer;
  /** The peer ended or reset the connection. */
  ended: boolean;
  socket: Socket;
}

/** Connects, writes `bytes` in one write, and collects what comes back until EOF, `expectBytes`, or the timeout. */
export function exchange(
  port: number,
  bytes: Uint8Array,
  options: { host?: string; expectBytes?: number; timeoutMs?: number } = {},
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: options.host ?? '127.0.0.1' });
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const done = (ended: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), ended, socket });
    };
    const timer = setTimeout(() => done(false), options.timeoutMs ?? 5000);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      total += c.length;
      if (options.expectBytes !== undefined && total >= options.expectBytes) done(false);
    });
    socket.on('end', () => {
      socket.end();
      done(true);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? done(true) : settled ? undefined : reject(e)));
  });
}

/**
 * The descriptor behind a connected Node socket, for tests that pass one on or read its peer's
 * credentials. It reads Node's internal handle (`_handle.fd`), which no public API exposes: never
 * use this outside tests (the packages get descriptors from the addon itself).
 */
export function socketFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('the socket has no descriptor (not connected yet, or destroyed)');
  return fd;
}
