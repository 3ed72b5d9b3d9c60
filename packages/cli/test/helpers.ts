import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveInstance, type InstancePaths } from '@portshare/control';
import { exchange as exchangeBytes, freePort, spawnNode } from '@portshare/test-utils';

const here = dirname(fileURLToPath(import.meta.url));
/** The real binary, as an administrator runs it. */
export const CLI = join(here, '..', 'bin', 'run.js');
/** The service package's test worker: registers a URI and echoes every connection it is handed. */
export const ECHO_WORKER = join(here, '..', '..', 'service', 'test', 'fixtures', 'echo-worker.mjs');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Home {
  home: string;
  paths: InstancePaths;
  cleanup(): void;
}

/**
 * A fresh instance folder directly under /tmp: Unix socket paths must fit 107 bytes, so the
 * folder name stays short whatever TMPDIR says.
 */
export function makeHome(): Home {
  const home = mkdtempSync('/tmp/psc-');
  chmodSync(home, 0o755);
  const paths = resolveInstance({ home });
  return {
    home,
    paths,
    cleanup() {
      killDaemon(paths);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Ends a daemon a failed test left behind (by its pid file), so no test leaks a process. */
export function killDaemon(paths: InstancePaths): void {
  if (!existsSync(paths.pidFile)) return;
  const pid = Number(readFileSync(paths.pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

export function cliEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // No colors, and no wrapping of messages at 80 columns, so assertions see whole sentences.
  const env: NodeJS.ProcessEnv = { ...process.env, PORTSHARE_HOME: home, FORCE_COLOR: '0', OCLIF_COLUMNS: '1000', ...extra };
  delete env['NODE_OPTIONS'];
  return env;
}

/** Spawns the CLI and keeps it running (for `start` in the foreground and `logs --follow`). */
export function spawnCli(args: string[], home: string, options: SpawnOptions & { env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { ...options, env: cliEnv(home, options.env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `portshare <args>` to completion. */
export function runCli(args: string[], home: string, options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {}): Promise<CliRun> {
  const child = spawnCli(args, home, {
    ...(options.env ? { env: options.env } : {}),
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `portshare <args> --json` and parses its output (which must be one JSON document). */
export async function runJson<T = Record<string, unknown>>(args: string[], home: string): Promise<CliRun & { json: T }> {
  const run = await runCli([...args, '--json'], home);
  let json: T;
  try {
    json = JSON.parse(run.stdout) as T;
  } catch (err) {
    throw new Error(`'portshare ${args.join(' ')} --json' printed no JSON (exit ${run.code}): ${run.stdout} ${run.stderr}`, { cause: err });
  }
  return { ...run, json };
}

export interface Worker {
  pid: number;
  registrationId: number;
  output(): string;
  kill(): Promise<void>;
}

/** Starts the echo worker: `node echo-worker.mjs <uri> <mode> <fd|proxy> <name>`; resolves on "READY <id>". */
export async function startEchoWorker(home: string, uri: string, name: string, transport: 'fd' | 'proxy'): Promise<Worker> {
  const p = spawnNode([ECHO_WORKER, uri, 'StrongWildcard', transport, name], { PORTSHARE_HOME: home });
  const m = await p.waitFor(/(READY (\d+)|ERROR .*)\n/);
  if (m[2] === undefined) {
    await p.kill();
    throw new Error(`worker failed: ${p.out()}`);
  }
  return { pid: p.pid, registrationId: Number(m[2]), output: p.out, kill: () => p.kill('SIGKILL') };
}

export { freePort };

/** Connects, writes `bytes`, and collects what comes back until the peer ends or `expectBytes` arrived. */
export async function exchange(port: number, bytes: Buffer, expectBytes?: number): Promise<Buffer> {
  const r = await exchangeBytes(port, bytes, { timeoutMs: 10_000, ...(expectBytes !== undefined ? { expectBytes } : {}) });
  r.socket.destroy();
  if (!r.ended && (expectBytes === undefined || r.data.length < expectBytes)) {
    throw new Error(`no answer on port ${port} within 10 s; got ${r.data.toString('hex')}`);
  }
  return r.data;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (predicate()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}
