/**
 * A via the WHATWG URL parser would clean up (tab, LF and CR deleted, a trailing NUL trimmed,
 * invalid UTF-8 replaced) is a malformed preamble for the worker too: it reads every preamble
 * itself (the first one again after the daemon's hand-off, and every later one on a pooled
 * connection alone), so it must not serve `/app/ad<TAB>min` as `/app/admin`. Real worker processes
 * and a real daemon, over real TCP.
 */

import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEnd, encodePreamble, encodeSize, KnownEncoding, Mode, RecordType } from '@portshare/framing';
import { SessionErrorCodes } from '../src/session/index.js';
import { rawConnect, type RawClient, startServer, type Harness } from './fixtures/session-harness.js';
import { freePort, makeHome, spawnProc, startDaemon, type Proc } from './helpers.js';

const ECHO = fileURLToPath(new URL('./fixtures/session-echo-worker.mjs', import.meta.url));
const ACK = 0x0b;
const END = encodeEnd();

const procs: Proc[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const p of procs.splice(0).reverse()) await p.kill('SIGKILL');
  for (const c of cleanups.splice(0)) await c();
});

/** A duplex preamble whose via record holds exactly `via` (bytes, not necessarily UTF-8). */
function rawPreamble(via: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from([RecordType.Version, 1, 0, RecordType.Mode, Mode.Duplex, RecordType.Via]),
    encodeSize(via.length),
    via,
    Buffer.from([RecordType.KnownEncoding, KnownEncoding.BinarySession, RecordType.PreambleEnd]),
  ]);
}

/** What the client got before the server closed, or, if it kept the connection 3 s, that too. */
async function outcome(client: RawClient): Promise<{ received: string; closed: boolean }> {
  const closed = await Promise.race([client.closed.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 3000))]);
  client.socket.destroy();
  return { received: client.received().toString('latin1'), closed };
}

/** Vias that, cleaned up, are `${base}/admin` or under it. */
function badVias(base: string): [string, Buffer][] {
  return [
    ['tab', Buffer.from(`${base}/ad\tmin`)],
    ['line feed', Buffer.from(`${base}/ad\nmin`)],
    ['carriage return', Buffer.from(`${base}/ad\rmin`)],
    ['trailing NUL', Buffer.from(`${base}/admin\0`)],
    ['invalid UTF-8 (FF)', Buffer.concat([Buffer.from(`${base}/admin/`), Buffer.from([0xff])])],
    ['invalid UTF-8 (C0 AF)', Buffer.concat([Buffer.from(`${base}/admin/`), Buffer.from([0xc0, 0xaf])])],
  ];
}

describe('the worker refuses a via with control characters or invalid UTF-8', () => {
  it('a worker that owns its port aborts such a preamble without a byte', async () => {
    const port = await freePort();
    const base = `net.tcp://localhost:${port}/app`;
    const w = spawnProc([ECHO, `${base}/admin`, 'off', 'w']);
    procs.push(w);
    await w.waitFor(/READY/);
    // The clean via is served.
    const good = await rawConnect(port);
    await good.write(rawPreamble(Buffer.from(`${base}/admin`)));
    expect((await good.waitForBytes(1))[0]).toBe(ACK);
    good.socket.destroy();
    for (const [name, via] of badVias(base)) {
      const client = await rawConnect(port);
      await client.write(rawPreamble(via));
      expect({ name, ...(await outcome(client)) }).toEqual({ name, received: '', closed: true });
    }
  });

  it('a shared worker aborts such a via in the next preamble of a pooled connection (no daemon in the path)', async () => {
    const { home, cleanup } = makeHome();
    cleanups.push(cleanup);
    procs.push(await startDaemon(home));
    const port = await freePort();
    const base = `net.tcp://localhost:${port}/app`;
    const w = spawnProc([ECHO, `${base}/admin`, 'on', 'w'], { PORTSHARE_HOME: home });
    procs.push(w);
    await w.waitFor(/READY/);
    for (const [name, via] of badVias(base)) {
      // First session through the daemon, closed with End both ways: the connection is pooled.
      const client = await rawConnect(port);
      await client.write(rawPreamble(Buffer.from(`${base}/admin`)));
      expect((await client.waitForBytes(1))[0]).toBe(ACK);
      await client.write(END);
      await client.waitForBytes(1 + END.length);
      // The next preamble is the worker's alone to read.
      await client.write(rawPreamble(via));
      expect({ name, ...(await outcome(client)) }).toEqual({
        name,
        received: Buffer.concat([Buffer.from([ACK]), END]).toString('latin1'),
        closed: true,
      });
    }
    // The worker still serves a pooled connection's clean next preamble.
    const client = await rawConnect(port);
    await client.write(rawPreamble(Buffer.from(`${base}/admin`)));
    await client.waitForBytes(1);
    await client.write(END);
    await client.waitForBytes(1 + END.length);
    await client.write(encodePreamble({ via: `${base}/admin/again` }));
    expect((await client.waitForBytes(2 + END.length))[1 + END.length]).toBe(ACK);
    client.socket.destroy();
  });

  it('reports it as a protocol error without a fault, and opens no session', async () => {
    const h: Harness = await startServer({ acceptVia: (via) => via.path.startsWith('/app/admin') });
    cleanups.push(() => h.close());
    const base = `net.tcp://localhost:${h.port}/app`;
    for (const [name, via] of badVias(base)) {
      const client = await rawConnect(h.port);
      await client.write(rawPreamble(via));
      expect({ name, ...(await outcome(client)) }).toEqual({ name, received: '', closed: true });
      const error = await h.nextError();
      expect({ name, code: error.code, faultUri: error.faultUri }).toEqual({ name, code: SessionErrorCodes.PROTOCOL, faultUri: undefined });
      expect(error.message).toContain('is not a valid URI');
    }
    expect(h.sessions).toHaveLength(0);
  });
});
