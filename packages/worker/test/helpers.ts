import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type Socket } from 'node:net';
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
