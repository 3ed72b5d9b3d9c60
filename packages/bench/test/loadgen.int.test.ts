// The load generator against the real worker program on loopback: what it counts as a
// connection, an error, a round trip and a byte. No timing is asserted.
import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulk, connRate, holdIdle, openSession, roundTrip } from '../src/loadgen.js';
import { freePort, type ManagedProcess } from '../src/processes.js';
import { startWorker } from '../src/setup.js';
import { benchEnvelope, benchPreamble, benchVia, FAULT, PREAMBLE_ACK } from '../src/wire.js';

let worker: ManagedProcess;
let port: number;
let target: { host: string; port: number; preamble: Buffer };

beforeAll(async () => {
  port = await freePort();
  worker = await startWorker({ listens: [{ uri: benchVia(port) }], service: 'echo', fdLimit: 4096, readyTimeoutMs: 15_000 });
  target = { host: '127.0.0.1', port, preamble: benchPreamble(benchVia(port)) };
});

afterAll(async () => {
  await worker?.stop();
});

describe('load generator against the echo worker', () => {
  it('opens a session (PreambleAck) and gets each envelope back byte for byte', async () => {
    const socket = await openSession(target, 5000);
    const envelope = benchEnvelope(64);
    expect(envelope.length).toBe(66);
    const echoed = new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => {
        chunks.push(c);
        if (Buffer.concat(chunks).length >= envelope.length) resolve(Buffer.concat(chunks));
      });
    });
    socket.write(envelope);
    expect(await echoed).toEqual(envelope);
    socket.destroy();
  });

  it('counts connections, and a refused preamble (EndpointNotFound fault) as an error', async () => {
    const ok = await connRate({ ...target, concurrency: 4, durationMs: 400, connectTimeoutMs: 5000 });
    expect(ok.errors).toBe(0);
    expect(ok.connections).toBeGreaterThan(0);
    expect(ok.totalConnections).toBeGreaterThanOrEqual(ok.connections);
    expect(ok.setupP99Us).toBeGreaterThanOrEqual(ok.setupP50Us);

    const wrong = { ...target, preamble: benchPreamble(benchVia(port, '/elsewhere')) };
    await expect(openSession(wrong, 5000)).rejects.toThrow(/Fault/);
    const refused = await connRate({ ...wrong, concurrency: 2, durationMs: 300, connectTimeoutMs: 5000 });
    expect(refused.connections).toBe(0);
    expect(refused.errors).toBeGreaterThan(0);
    expect(FAULT).toBe(0x08);
  });

  it('round-trips messages on several sessions', async () => {
    const r = await roundTrip({ ...target, concurrency: 3, durationMs: 400, messageBytes: 64, connectTimeoutMs: 5000 });
    expect(r.messages).toBeGreaterThan(0);
    expect(r.p99Us).toBeGreaterThanOrEqual(r.p50Us);
  });

  it('moves exactly the bulk bytes asked for, including a last partial write', async () => {
    const r = await bulk({ ...target, bytes: 3 * 1024 * 1024 + 65_536 * 5, messageBytes: 65_536, connectTimeoutMs: 5000, stallTimeoutMs: 10_000 });
    expect(r.payloadBytes).toBe(3 * 1024 * 1024 + 65_536 * 5);
    expect(r.mbPerSec).toBeGreaterThan(0);
    expect(r.stalledAfterBytes).toBeUndefined();
  });

  it('holds idle sessions open until released', async () => {
    const hold = await holdIdle({ ...target, connections: 50, openConcurrency: 8, connectTimeoutMs: 5000 });
    expect(hold.open).toBe(50);
    expect(hold.errors).toBe(0);
    hold.release();
  });
});

describe('bulk stallTimeoutMs', () => {
  it('ends a transfer whose echo stops as stalled, with 0 MB/s and the bytes echoed until then', async () => {
    const held: Socket[] = [];
    // Acknowledges the preamble, echoes the first 100,000 bytes, then reads no more (as a proxy
    // blocked on a full socket does): the client's writes back up and no echo comes.
    const stuck = createServer((s) => {
      held.push(s);
      let seen = 0;
      let echoed = 0;
      s.on('data', (c: Buffer) => {
        if (seen === 0) s.write(Buffer.of(PREAMBLE_ACK));
        seen += c.length;
        const n = Math.min(c.length, 100_000 - echoed);
        if (n > 0) {
          s.write(c.subarray(0, n));
          echoed += n;
        }
        if (echoed >= 100_000) s.pause();
      });
    });
    await new Promise<void>((r) => stuck.listen(0, '127.0.0.1', r));
    const stuckPort = (stuck.address() as { port: number }).port;
    const t = { host: '127.0.0.1', port: stuckPort, preamble: benchPreamble(benchVia(stuckPort)) };
    try {
      const r = await bulk({ ...t, bytes: 64 * 1024 * 1024, messageBytes: 65_536, connectTimeoutMs: 5000, stallTimeoutMs: 300 });
      expect(r.mbPerSec).toBe(0);
      // The server's echo starts after the preamble bytes it read, which the client does not count.
      expect(r.stalledAfterBytes).toBeGreaterThan(0);
      expect(r.stalledAfterBytes).toBeLessThanOrEqual(100_000);
      expect(r.seconds).toBeGreaterThanOrEqual(0.3);
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => stuck.close(() => r()));
    }
  });
});

describe('connectTimeoutMs', () => {
  it('fails a session whose server never acknowledges, and counts it as an error', async () => {
    const held: Socket[] = [];
    // A server that accepts and reads but never answers the preamble.
    const silent = createServer((s) => {
      held.push(s);
      s.resume();
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentPort = (silent.address() as { port: number }).port;
    const t = { host: '127.0.0.1', port: silentPort, preamble: benchPreamble(benchVia(silentPort)) };
    try {
      await expect(openSession(t, 200)).rejects.toThrow('no PreambleAck within 200 ms');
      const r = await connRate({ ...t, concurrency: 2, durationMs: 300, connectTimeoutMs: 150 });
      expect(r.connections).toBe(0);
      expect(r.errors).toBeGreaterThan(0);
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
