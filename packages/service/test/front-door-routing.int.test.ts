/**
 * Attacks on routing through the front door, against a real daemon over real TCP (issue #13):
 *
 * - a via that names another port, or the hosts "+" and "*", must not reach the workers of a port
 *   the connection did not arrive on;
 * - a via the WHATWG URL parser would clean up (tab, LF and CR deleted, a trailing NUL trimmed,
 *   invalid UTF-8 replaced) must be dropped as malformed, not routed as its cleaned-up self.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstancePaths } from '@portshare/control';
import { encodeFault, encodePreamble, encodeSize, FaultUri, KnownEncoding, Mode, RecordType } from '@portshare/framing';
import { isSupported } from '@portshare/handoff';
import {
  exchange,
  freePort,
  makeHome,
  startDaemon,
  startEchoWorker,
  status,
  type DaemonProcess,
  type WorkerProcess,
} from './helpers.js';

// Routing does not depend on how the connection is handed over; use the fd hand-off where it loads.
const transport = isSupported() ? ('fd' as const) : ('proxy' as const);
if (process.env['CI'] && transport !== 'fd') throw new Error('the hand-off addon must load in CI');

let home: string;
let paths: InstancePaths;
let cleanup: () => void;
let daemon: DaemonProcess;
const workers: WorkerProcess[] = [];

beforeEach(async () => {
  ({ home, paths, cleanup } = makeHome({ handoff: transport === 'fd' ? 'auto' : 'proxy', receiveTimeoutMs: 2000, faultDrainTimeoutMs: 2000 }));
  daemon = await startDaemon(home);
});

afterEach(async () => {
  for (const w of workers.splice(0)) await w.kill9().catch(() => {});
  await daemon.stop();
  cleanup();
});

async function worker(uri: string, name: string, mode: 'StrongWildcard' | 'Exact' | 'WeakWildcard'): Promise<WorkerProcess> {
  const w = await startEchoWorker(home, uri, name, { transport, mode });
  workers.push(w);
  return w;
}

/** Sends `sent` to `port` and expects the worker `name`'s echo (its tag, then every byte). */
async function reaches(port: number, sent: Buffer, name: string): Promise<void> {
  const r = await exchange(port, sent, { expectBytes: name.length + 1 + sent.length });
  r.socket.destroy();
  expect(r.data.toString('latin1', 0, name.length + 1)).toBe(`${name}:`);
}

describe('a via naming another port reaches only the local port', () => {
  it('answers EndpointNotFound on port A for vias net.tcp://+:B/x, *:B/x and localhost:B/x', async () => {
    const portA = await freePort();
    const portB = await freePort();
    await worker(`net.tcp://localhost:${portB}/x`, 'BS', 'StrongWildcard');
    await worker(`net.tcp://localhost:${portB}/x`, 'BE', 'Exact');
    await worker(`net.tcp://localhost:${portB}/x`, 'BW', 'WeakWildcard');
    await worker(`net.tcp://localhost:${portA}/a`, 'A', 'StrongWildcard');
    // Both ports are open and route their own vias.
    await reaches(portB, encodePreamble({ via: `net.tcp://localhost:${portB}/x`, encoding: 8 }), 'BS');
    await reaches(portA, encodePreamble({ via: `net.tcp://localhost:${portA}/a`, encoding: 8 }), 'A');
    const before = (await status(paths)).counters;

    const vias = [
      `net.tcp://+:${portB}/x`, // the StrongWildcard origin's host segment
      `net.tcp://*:${portB}/x`, // the WeakWildcard origin's host segment
      `net.tcp://localhost:${portB}/x`, // the Exact registration, by its own host and port
      `net.tcp://LOCALHOST:${portB}/x/deeper`,
    ];
    for (const via of vias) {
      for (const mode of [Mode.Duplex, Mode.SingletonUnsized]) {
        const r = await exchange(portA, encodePreamble({ mode, via, encoding: mode === Mode.Duplex ? 8 : 7 }), { timeoutMs: 3000 });
        expect({ via, mode, data: r.data.toString('latin1') }).toEqual({ via, mode, data: encodeFault(FaultUri.EndpointNotFound).toString('latin1') });
        expect(r.ended).toBe(true);
      }
    }
    const after = (await status(paths)).counters;
    expect(after.dispatchFailures - before.dispatchFailures).toBe(vias.length * 2);
    expect(after.connectionsDispatched).toBe(before.connectionsDispatched);
    // Port B's workers were reached only by the one connection made to port B above.
    expect((await status(paths)).registrations.map((r) => r.dispatched).sort()).toEqual([0, 0, 1, 1]);
  });

  it('keeps an Exact registration on the host "+" or "*" apart from the wildcard ones', async () => {
    const port = await freePort();
    await worker(`net.tcp://+:${port}/plus`, 'EP', 'Exact');
    await worker(`net.tcp://*:${port}/star`, 'ES', 'Exact');
    // Any other host name must not reach them: they are not StrongWildcard / WeakWildcard.
    for (const via of [`net.tcp://localhost:${port}/plus`, `net.tcp://localhost:${port}/star`]) {
      const r = await exchange(port, encodePreamble({ via, encoding: 8 }), { timeoutMs: 3000 });
      expect({ via, data: r.data.toString('latin1') }).toEqual({ via, data: encodeFault(FaultUri.EndpointNotFound).toString('latin1') });
    }
    // Their own host names do.
    await reaches(port, encodePreamble({ via: `net.tcp://+:${port}/plus`, encoding: 8 }), 'EP');
    await reaches(port, encodePreamble({ via: `net.tcp://*:${port}/star`, encoding: 8 }), 'ES');
    // And a wildcard registration of the same path is another node, not a conflict.
    await worker(`net.tcp://localhost:${port}/plus`, 'S', 'StrongWildcard');
    await reaches(port, encodePreamble({ via: `net.tcp://localhost:${port}/plus`, encoding: 8 }), 'S');
  });
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

describe('a via the URL parser would clean up is dropped as malformed', () => {
  let port: number;
  beforeEach(async () => {
    port = await freePort();
    await worker(`net.tcp://localhost:${port}/app/admin`, 'ADMIN', 'StrongWildcard');
  });

  it('closes the connection without a fault and reaches no worker, counting a protocol failure', async () => {
    const base = `net.tcp://localhost:${port}/app`;
    const cases: [string, Buffer][] = [
      ['tab', Buffer.from(`${base}/ad\tmin`)],
      ['line feed', Buffer.from(`${base}/ad\nmin`)],
      ['carriage return', Buffer.from(`${base}/ad\r\nmin`)],
      ['tab in the host', Buffer.from(`net.tcp://local\thost:${port}/app/admin`)],
      ['trailing NUL', Buffer.from(`${base}/admin\0`)],
      ['DEL', Buffer.from(`${base}/admin/\x7f`)],
      ['invalid UTF-8 (FF)', Buffer.concat([Buffer.from(`${base}/admin/`), Buffer.from([0xff])])],
      ['invalid UTF-8 (overlong "/": C0 AF)', Buffer.concat([Buffer.from(`${base}/admin/`), Buffer.from([0xc0, 0xaf]), Buffer.from('x')])],
      ['invalid UTF-8 (cut short: E2 82)', Buffer.concat([Buffer.from(`${base}/admin/`), Buffer.from([0xe2, 0x82])])],
    ];
    // The same via, clean, reaches the worker: each case below differs only by its bad bytes.
    await reaches(port, rawPreamble(Buffer.from(`${base}/admin`)), 'ADMIN');
    const before = (await status(paths)).counters;
    for (const [name, via] of cases) {
      const r = await exchange(port, rawPreamble(via), { timeoutMs: 3000 });
      expect({ name, data: r.data.toString('latin1'), ended: r.ended }).toEqual({ name, data: '', ended: true });
    }
    const after = (await status(paths)).counters;
    expect(after.protocolFailures - before.protocolFailures).toBe(cases.length);
    expect(after.connectionsDispatched).toBe(before.connectionsDispatched);
    expect(after.dispatchFailures).toBe(before.dispatchFailures);
    expect((await status(paths)).registrations.map((r) => r.dispatched)).toEqual([1]);
  });
});
