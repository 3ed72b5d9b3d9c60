import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlClient, resolveInstance, writeState, type InstancePaths } from '@portshare/control';

const here = dirname(fileURLToPath(import.meta.url));
export const SERVICE_MAIN = createRequire(import.meta.url).resolve('@portshare/service/main');
export const LISTENER_WORKER = join(here, 'fixtures', 'listener-worker.mjs');

export function makeHome(options: { enabled?: boolean; config?: Record<string, unknown> } = {}) {
  const home = mkdtempSync(join(tmpdir(), 'psw-'));
  chmodSync(home, 0o755);
  const paths = resolveInstance({ home });
  if (options.enabled ?? true) writeState(paths, { startMode: 'demand', command: [process.execPath, SERVICE_MAIN] });
  writeFileSync(paths.configFile, JSON.stringify({ log: { level: 'debug' }, ...(options.config ?? {}) }));
  return { home, paths, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

export interface Proc {
  proc: ChildProcess;
  out(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnProc(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  proc.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    for (const w of waiters) w();
  });
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    proc,
    out: () => out,
    waitFor(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        let from = 0;
        const check = (): void => {
          pattern.lastIndex = 0;
          const m = pattern.exec(out.slice(from));
          if (m) {
            from = out.length;
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${pattern}; stdout: ${out}; stderr: ${err}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async kill(signal = 'SIGKILL') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

export async function startDaemon(home: string): Promise<Proc & { pid: number }> {
  const p = spawnProc([SERVICE_MAIN, '--home', home]);
  const paths = resolveInstance({ home });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const c = await ControlClient.connect(paths.controlSocket);
      await c.hello();
      c.destroy();
      return Object.assign(p, { pid: p.proc.pid! });
    } catch {
      if (p.proc.exitCode !== null || Date.now() > deadline) throw new Error(`daemon did not start: ${p.out()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export async function daemonStatus(paths: InstancePaths) {
  const c = await ControlClient.connect(paths.controlSocket);
  try {
    return await c.request({ op: 'status' });
  } finally {
    c.destroy();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
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
