import { expect } from 'vitest';
import { ServiceErrorCodes } from '../src/errors.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  daemonStatus,
  exchange,
  freePort,
  makeInstance,
  sleep,
  spawnNode,
  startDaemon as startDaemonProcess,
  type DaemonProcess,
} from '@portshare/test-utils';

const here = dirname(fileURLToPath(import.meta.url));
export const SERVICE_MAIN = join(here, '..', 'dist', 'main.js');
export const ECHO_WORKER = join(here, 'fixtures', 'echo-worker.mjs');

export { exchange, freePort, sleep, type DaemonProcess };
export const status = daemonStatus;

/** A private, enabled instance whose daemon is this package's build. */
export function makeHome(config: Record<string, unknown> = {}, enabled = true) {
  return makeInstance({ serviceMain: SERVICE_MAIN, config, enabled });
}

export function startDaemon(home: string): Promise<DaemonProcess> {
  return startDaemonProcess(home, SERVICE_MAIN);
}

export interface WorkerProcess {
  registrationId: number;
  pid: number;
  output: () => string;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts test/fixtures/echo-worker.mjs: resolves once registered, rejects with the daemon's refusal. */
export async function startEchoWorker(
  home: string,
  uri: string,
  name: string,
  options: { mode?: string; transport?: 'fd' | 'proxy'; uid?: number; gid?: number } = {},
): Promise<WorkerProcess> {
  const p = spawnNode(
    [ECHO_WORKER, uri, options.mode ?? 'StrongWildcard', options.transport ?? 'fd', name],
    { PORTSHARE_HOME: home },
    options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {},
  );
  const m = await p.waitFor(/(READY (\d+)|ERROR (\S+) (.*))\n/);
  if (m[3] !== undefined) {
    await p.kill();
    throw Object.assign(new Error(m[4]), { code: m[3] });
  }
  return {
    registrationId: Number(m[2]),
    pid: p.pid,
    output: p.out,
    kill9: () => p.kill('SIGKILL'),
    stop: () => p.kill('SIGTERM'),
  };
}

/** Expects `p` to fail with SERVICE_ERR_BAD_CONFIG naming `key`, for `reason`. */
export async function refusedConfig(p: Promise<void>, key: string, reason: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(err, `expected '${key}' to be refused`).toBeDefined();
  expect(err).toMatchObject({ code: ServiceErrorCodes.BadConfig });
  expect(err!.message).toContain(`'${key}'`);
  expect(err!.message).toMatch(reason);
}
