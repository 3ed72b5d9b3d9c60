import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type Socket } from 'node:net';
import { encodePreamble } from '@portshare/framing';
import {
  daemonStatus,
  freePort,
  makeInstance,
  spawnNode,
  startDaemon as startDaemonProcess,
  type DaemonProcess,
  type NodeProcess,
} from '@portshare/test-utils';

const here = dirname(fileURLToPath(import.meta.url));
export const SERVICE_MAIN = createRequire(import.meta.url).resolve('@portshare/service/main');
export const LISTENER_WORKER = join(here, 'fixtures', 'listener-worker.mjs');

export { daemonStatus, freePort, type DaemonProcess };
export type Proc = NodeProcess;

export function makeHome(options: { enabled?: boolean; config?: Record<string, unknown> } = {}) {
  return makeInstance({ serviceMain: SERVICE_MAIN, prefix: 'psw-', ...options });
}

export const spawnProc = (args: string[], env: NodeJS.ProcessEnv = {}): Proc => spawnNode(args, env);

export function startDaemon(home: string): Promise<DaemonProcess> {
  return startDaemonProcess(home, SERVICE_MAIN);
}

/** Connects, writes, and reads until `n` bytes arrived; returns them and the open socket. */
export function roundTrip(port: number, bytes: Buffer, n: number): Promise<{ data: Buffer; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.write(bytes));
    let data = Buffer.alloc(0);
    const onData = (c: Buffer): void => {
      data = Buffer.concat([data, c]);
      if (data.length >= n) {
        socket.off('data', onData);
        resolve({ data, socket });
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed after ${data.length} bytes: ${data.toString('latin1')}`)));
  });
}

/**
 * One client connection to a listener-worker.mjs that keeps calling: preamble, the worker's tag
 * and the echo of the preamble, then 8-byte round trips until `stop()` or a failure. Says which worker held it, when
 * it started, whether a round trip completed after `since()` (the kill), and how it ended: 'ok',
 * 'fault' (the daemon answered with a framing fault, record type 0x08 [MC-NMF] 2.2.3.7), or
 * 'lost' (closed or reset mid-call).
 */
export interface Call {
  tag: string | undefined;
  startedAt: number;
  lastReplyAt: number;
  endedAt: number;
  end: 'ok' | 'fault' | 'lost';
}

export function keepCalling(port: number, via: string, rounds: number, running: () => boolean): Promise<Call> {
  const preamble = encodePreamble({ via, encoding: 8 });
  const call: Call = { tag: undefined, startedAt: Date.now(), lastReplyAt: 0, endedAt: 0, end: 'lost' };
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    let expected = 0;
    let done = 0;
    const socket: Socket = connect({ port, host: '127.0.0.1' }, () => socket.write(preamble));
    let ended = false;
    const finish = (end: Call['end']): void => {
      if (ended) return;
      ended = true;
      call.end = end;
      call.endedAt = Date.now();
      socket.destroy();
      resolve(call);
    };
    const next = (): void => {
      if (done >= rounds || !running()) return finish('ok');
      const ping = Buffer.alloc(8);
      ping.writeDoubleLE(done);
      expected = ping.length;
      socket.write(ping);
    };
    socket.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      if (call.tag === undefined) {
        if (got[0] === 0x08) return finish('fault');
        const colon = got.indexOf(0x3a);
        if (colon === -1 || got.length < colon + 1 + preamble.length) return;
        call.tag = got.subarray(0, colon).toString('latin1');
        got = got.subarray(colon + 1 + preamble.length);
        return next();
      }
      if (got.length < expected) return;
      got = got.subarray(expected);
      done++;
      call.lastReplyAt = Date.now();
      next();
    });
    socket.on('error', () => finish('lost'));
    socket.on('close', () => finish('lost'));
  });
}
