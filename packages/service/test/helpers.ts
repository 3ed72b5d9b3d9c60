import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlClient, resolveInstance, writeState, type InstancePaths } from '@portshare/control';

const here = dirname(fileURLToPath(import.meta.url));
export const SERVICE_MAIN = join(here, '..', 'dist', 'main.js');
export const ECHO_WORKER = join(here, 'fixtures', 'echo-worker.mjs');

/** A private, enabled instance folder (short path: Unix socket paths are limited to 107 bytes). */
export function makeHome(config: Record<string, unknown> = {}, enabled = true): { home: string; paths: InstancePaths; cleanup(): void } {
  const home = mkdtempSync(join(tmpdir(), 'ps-'));
  chmodSync(home, 0o755);
  const paths = resolveInstance({ home });
  if (enabled) writeState(paths, { startMode: 'demand', command: [process.execPath, SERVICE_MAIN] });
  writeFileSync(paths.configFile, JSON.stringify({ log: { level: 'debug' }, ...config }));
  return { home, paths, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

export interface DaemonProcess {
  proc: ChildProcess;
  pid: number;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

export async function startDaemon(home: string): Promise<DaemonProcess> {
  const paths = resolveInstance({ home });
  const proc = spawn(process.execPath, [SERVICE_MAIN, '--home', home], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`daemon exited ${proc.exitCode}: ${stderr}`);
    try {
      const c = await ControlClient.connect(paths.controlSocket);
      await c.hello();
      c.destroy();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`daemon did not start: ${stderr}`);
      await sleep(20);
    }
  }
  return {
    proc,
    pid: proc.pid!,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
    async kill9() {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

export interface WorkerProcess {
  proc: ChildProcess;
  registrationId: number;
  output: () => string;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export function startEchoWorker(
  home: string,
  uri: string,
  name: string,
  options: { mode?: string; transport?: 'fd' | 'proxy'; uid?: number; gid?: number } = {},
): Promise<WorkerProcess> {
  const proc = spawn(
    process.execPath,
    [ECHO_WORKER, uri, options.mode ?? 'StrongWildcard', options.transport ?? 'fd', name],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PORTSHARE_HOME: home },
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
    },
  );
  let out = '';
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const ready = /READY (\d+)/.exec(out);
      if (ready) {
        resolve({
          proc,
          registrationId: Number(ready[1]),
          output: () => out,
          async kill9() {
            proc.kill('SIGKILL');
            await exited;
          },
          async stop() {
            proc.kill('SIGTERM');
            await exited;
          },
        });
      }
      const error = /ERROR (\S+) (.*)/.exec(out);
      if (error) reject(Object.assign(new Error(error[2]), { code: error[1] }));
    });
    proc.once('exit', (code) => reject(new Error(`worker exited ${code}: ${out} ${err}`)));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Connects, writes `bytes` in one write, and collects everything until EOF or `expectBytes`. */
export function exchange(
  port: number,
  bytes: Buffer,
  options: { host?: string; expectBytes?: number; timeoutMs?: number } = {},
): Promise<{ data: Buffer; ended: boolean; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: options.host ?? '127.0.0.1' });
    const chunks: Buffer[] = [];
    let total = 0;
    const timer = setTimeout(() => done(false), options.timeoutMs ?? 5000);
    const done = (ended: boolean): void => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), ended, socket });
    };
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      total += c.length;
      if (options.expectBytes !== undefined && total >= options.expectBytes) done(false);
    });
    socket.on('end', () => {
      socket.end();
      done(true);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? done(true) : reject(e)));
  });
}

export async function status(paths: InstancePaths) {
  const c = await ControlClient.connect(paths.controlSocket);
  try {
    return await c.request({ op: 'status' });
  } finally {
    c.destroy();
  }
}

/** A free TCP port on loopback (bind 0, read, close). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
