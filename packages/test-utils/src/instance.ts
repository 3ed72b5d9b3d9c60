import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient, resolveInstance, waitForDaemon, writeState, type InstancePaths, type StatusReply } from '@portshare/control';
import { spawnNode, type NodeProcess } from './process.js';

export interface Instance {
  home: string;
  paths: InstancePaths;
  cleanup(): void;
}

/**
 * A private instance in a short temp folder (Unix socket paths are limited to 107 bytes), readable
 * by other users (tests run workers as `nobody`), enabled unless told otherwise, with `config`
 * written as its portshare.json.
 */
export function makeInstance(options: {
  serviceMain: string;
  enabled?: boolean;
  config?: Record<string, unknown>;
  prefix?: string;
}): Instance {
  const home = mkdtempSync(join(tmpdir(), options.prefix ?? 'ps-'));
  chmodSync(home, 0o755);
  const paths = resolveInstance({ home });
  if (options.enabled ?? true) writeState(paths, { startMode: 'demand', command: [process.execPath, options.serviceMain] });
  writeFileSync(paths.configFile, JSON.stringify({ log: { level: 'debug' }, ...(options.config ?? {}) }));
  return { home, paths, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

export interface DaemonProcess extends NodeProcess {
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

/** Starts `node <serviceMain> --home <home>` and waits until it answers on its control socket. */
export async function startDaemon(home: string, serviceMain: string, timeoutMs = 10_000): Promise<DaemonProcess> {
  const p = spawnNode([serviceMain, '--home', home]);
  const hello = await waitForDaemon(resolveInstance({ home }), timeoutMs, () => {
    if (p.proc.exitCode !== null) throw new Error(`daemon exited ${p.proc.exitCode}: ${p.err()}`);
  });
  if (hello === undefined) throw new Error(`daemon did not start: ${p.err()}`);
  return Object.assign(p, {
    stop: () => p.kill('SIGTERM'),
    kill9: () => p.kill('SIGKILL'),
  });
}

export async function daemonStatus(paths: InstancePaths): Promise<StatusReply> {
  const c = await ControlClient.connect(paths.controlSocket);
  try {
    return await c.request({ op: 'status' });
  } finally {
    c.destroy();
  }
}
