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
    ({ home, paths, cleanup } = makeHome({ maxPendingConnections: 2, maxRegistrations: 2, receiveTimeoutMs: 20_000, pendingEvictionMinAgeMs: 15_000 }));
    daemon = await startDaemon(home);
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.kill9();
    await daemon.stop();
    cleanup();
  });

  it('maxPendingConnections: the 2nd unread connection waits, the 3rd is aborted at once', async () => {
    const port = await freePort();
    workers.push(await startEchoWorker(home, `net.tcp://localhost:${port}/a`, 'A'));
    const stalled = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
    for (const s of stalled) s.on('error', () => {});
    let pending = 0;
    for (let i = 0; i < 200 && pending < 2; i++) {
      await sleep(10);
      pending = (await status(paths)).pendingConnections;
    }
    expect(pending).toBe(2);
    const started = Date.now();
    const third = await exchange(port, Buffer.from([0x00]), { timeoutMs: 5000 });
    expect(third.ended).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000); // aborted, not timed out
    for (const s of stalled) s.destroy();
    for (let i = 0; i < 200 && (await status(paths)).pendingConnections > 0; i++) await sleep(10);
    const sent = encodePreamble({ via: `net.tcp://localhost:${port}/a`, encoding: 8 });
    const ok = await exchange(port, sent, { expectBytes: 2 + sent.length });
    expect(ok.data.toString('latin1', 0, 2)).toBe('A:');
    ok.socket.destroy();
  });

  it('a full pending table evicts its oldest connection once that one is older than pendingEvictionMinAgeMs', async () => {
    await daemon.stop();
    cleanup();
    ({ home, paths, cleanup } = makeHome({ maxPendingConnections: 2, receiveTimeoutMs: 20_000, pendingEvictionMinAgeMs: 300 }));
    daemon = await startDaemon(home);
    const port = await freePort();
    workers.push(await startEchoWorker(home, `net.tcp://localhost:${port}/a`, 'A'));
    const closed: string[] = [];
    const stalled = ['first', 'second'].map((name) => {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.on('close', () => closed.push(name));
      return s;
    });
    for (let i = 0; i < 200 && (await status(paths)).pendingConnections < 2; i++) await sleep(10);
    await sleep(350); // older than pendingEvictionMinAgeMs
    const sent = encodePreamble({ via: `net.tcp://localhost:${port}/a`, encoding: 8 });
    const ok = await exchange(port, sent, { expectBytes: 2 + sent.length });
    expect(ok.data.toString('latin1', 0, 2)).toBe('A:');
    ok.socket.destroy();
    for (let i = 0; i < 200 && closed.length === 0; i++) await sleep(10);
    expect(closed).toEqual(['first']);
    for (const s of stalled) s.destroy();
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
