import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient, ControlErrorCodes, type InstancePaths } from '@portshare/control';
import { encodePreamble } from '@portshare/framing';
import { exchange, freePort, makeHome, sleep, startDaemon, startEchoWorker, status, type DaemonProcess, type WorkerProcess } from './helpers.js';

describe('limits enforced by the daemon', () => {
  let home: string;
  let paths: InstancePaths;
  let cleanup: () => void;
  let daemon: DaemonProcess;
  const workers: WorkerProcess[] = [];

  beforeEach(async () => {
    // deferAcceptSeconds 0: the tests' silent connections are accepted at once.
    ({ home, paths, cleanup } = makeHome({ maxPendingConnections: 2, maxRegistrations: 2, receiveTimeoutMs: 20_000, pendingEvictionMinAgeMs: 15_000, deferAcceptSeconds: 0 }));
    daemon = await startDaemon(home);
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.kill9();
    await daemon.stop();
    cleanup();
  });

  /** Two silent connections take both slots (pendingConnections 2). */
  async function fillSlots(port: number, closed: string[] = []) {
    const stalled = ['first', 'second'].map((name) => {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.on('close', () => closed.push(name));
      return s;
    });
    let pending = 0;
    for (let i = 0; i < 300 && pending < 2; i++) {
      await sleep(10);
      pending = (await status(paths)).pendingConnections;
    }
    expect(pending).toBe(2);
    return stalled;
  }

  it('maxPendingConnections: with every slot taken by silent connections, a newcomer with its preamble is served at once (probation); one without is closed without a byte', async () => {
    const port = await freePort();
    workers.push(await startEchoWorker(home, `net.tcp://localhost:${port}/a`, 'A'));
    const stalled = await fillSlots(port);
    const before = (await status(paths)).counters;
    const sent = encodePreamble({ via: `net.tcp://localhost:${port}/a`, encoding: 8 });
    const ok = await exchange(port, sent, { expectBytes: 2 + sent.length, timeoutMs: 5000 });
    expect(ok.data.toString('latin1', 0, 2)).toBe('A:');
    ok.socket.destroy();
    // One byte of a preamble: no routing point in its first read, and the held connections are
    // younger than pendingEvictionMinAgeMs (15 s): it gets no slot.
    const started = Date.now();
    const partial = await exchange(port, sent.subarray(0, 1), { timeoutMs: 5000 });
    expect(partial.ended).toBe(true);
    expect(partial.data.length).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
    const after = (await status(paths)).counters;
    expect(after.dispatchFailures - before.dispatchFailures).toBe(1);
    expect((await status(paths)).pendingConnections).toBe(2);
    for (const s of stalled) s.destroy();
  });

  it('a newcomer without its preamble takes the slot of the oldest pending connection once that one is older than pendingEvictionMinAgeMs', async () => {
    await daemon.stop();
    cleanup();
    ({ home, paths, cleanup } = makeHome({ maxPendingConnections: 2, receiveTimeoutMs: 20_000, pendingEvictionMinAgeMs: 300, deferAcceptSeconds: 0 }));
    daemon = await startDaemon(home);
    const port = await freePort();
    workers.push(await startEchoWorker(home, `net.tcp://localhost:${port}/a`, 'A'));
    const closed: string[] = [];
    const stalled = await fillSlots(port, closed);
    await sleep(350); // older than pendingEvictionMinAgeMs
    const sent = encodePreamble({ via: `net.tcp://localhost:${port}/a`, encoding: 8 });
    // Its preamble in two writes: the first read has no routing point, so it needs a slot.
    const slow = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    slow.on('data', (c: Buffer) => got.push(c));
    slow.on('error', () => {});
    slow.write(sent.subarray(0, 3));
    for (let i = 0; i < 200 && closed.length === 0; i++) await sleep(10);
    expect(closed).toEqual(['first']);
    slow.write(sent.subarray(3));
    for (let i = 0; i < 200 && Buffer.concat(got).length < 2; i++) await sleep(10);
    expect(Buffer.concat(got).toString('latin1', 0, 2)).toBe('A:');
    slow.destroy();
    for (const s of stalled) s.destroy();
  });

  it('deferAcceptSeconds: a client that connects and says nothing takes no slot until the kernel stops waiting for it', async () => {
    await daemon.stop();
    cleanup();
    ({ home, paths, cleanup } = makeHome({ maxPendingConnections: 2, receiveTimeoutMs: 20_000, deferAcceptSeconds: 3 }));
    daemon = await startDaemon(home);
    const port = await freePort();
    workers.push(await startEchoWorker(home, `net.tcp://localhost:${port}/a`, 'A'));
    const silent = connect(port, '127.0.0.1');
    silent.on('error', () => {});
    await sleep(1500);
    const st = await status(paths);
    expect(st.pendingConnections).toBe(0);
    expect(st.counters.connectionsAccepted).toBe(0);
    const sent = encodePreamble({ via: `net.tcp://localhost:${port}/a`, encoding: 8 });
    const ok = await exchange(port, sent, { expectBytes: 2 + sent.length });
    expect(ok.data.toString('latin1', 0, 2)).toBe('A:');
    ok.socket.destroy();
    silent.destroy();
  });

  it('maxRegistrations: the registration past the quota is refused with WCF wording', async () => {
    const port = await freePort();
    workers.push(await startEchoWorker(home, `net.tcp://localhost:${port}/a`, 'A'));
    workers.push(await startEchoWorker(home, `net.tcp://localhost:${port}/b`, 'B'));
    await expect(startEchoWorker(home, `net.tcp://localhost:${port}/c`, 'C')).rejects.toMatchObject({
      code: ControlErrorCodes.QuotaExceeded,
      message: 'The TransportManager failed to listen on the supplied URI using the portshare service: the quota was exceeded.',
    });
  });

  it('refuses URIs over 2048 bytes and accepts one at 2048', async () => {
    const port = await freePort();
    const base = `net.tcp://localhost:${port}/`;
    workers.push(await startEchoWorker(home, base + 'x'.repeat(2048 - base.length), 'A'));
    await expect(startEchoWorker(home, base + 'y'.repeat(2049 - base.length), 'B')).rejects.toMatchObject({
      code: ControlErrorCodes.PathTooLong,
      message: 'The TransportManager failed to listen on the supplied URI using the portshare service: the URI is too long.',
    });
  });

  it('maxControlMessageBytes: a 10,000-byte message is read, a longer one closes the connection with a reason', async () => {
    const c = await ControlClient.connect(paths.controlSocket);
    // The client writes {"op":"status","pad":"…","id":1}: make that exactly 10,000 bytes.
    const pad = 10_000 - JSON.stringify({ op: 'status', pad: '', id: 1 }).length;
    expect(JSON.stringify({ op: 'status', pad: 'p'.repeat(pad), id: 1 }).length).toBe(10_000);
    const reply = await c.request({ op: 'status', pad: 'p'.repeat(pad) } as { op: 'status' });
    expect(reply.state).toBe('running');
    c.destroy();
    const raw = connect(paths.controlSocket);
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      raw.on('data', (d) => (text += d.toString()));
      raw.on('close', () => resolve(text));
      raw.write('x'.repeat(10_001));
    });
    expect(JSON.parse(answer)).toMatchObject({ ok: false, error: { code: ControlErrorCodes.MessageTooLarge } });
    // And the daemon is still serving.
    const again = await ControlClient.connect(paths.controlSocket);
    expect((await again.request({ op: 'status' })).state).toBe('running');
    again.destroy();
  });

  it('answers malformed control messages with a clear error and keeps the connection', async () => {
    const raw = connect(paths.controlSocket);
    let text = '';
    const three = new Promise<void>((resolve) =>
      raw.on('data', (d) => {
        text += d.toString();
        if (text.split('\n').length > 3) resolve();
      }),
    );
    raw.write('{"id":1,"op":"explode"}\n{"id":2,"op":"register","uri":42}\n{"id":3,"op":"hello","version":1}\n');
    await three;
    raw.destroy();
    const lines = text.trim().split('\n');
    const replies = lines.map((l) => JSON.parse(l) as { id: number; ok: boolean; error?: { code: string } });
    expect(replies.map((r) => [r.id, r.ok, r.error?.code])).toEqual([
      [1, false, ControlErrorCodes.InvalidArgument],
      [2, false, ControlErrorCodes.InvalidArgument],
      [3, true, undefined],
    ]);
  });
});
