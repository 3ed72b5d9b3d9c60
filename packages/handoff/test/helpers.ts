// Shared helpers for the hand-off tests: short socket paths, descriptor counting, child processes.
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { constants, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { HandoffError } from '../src/index.js';

export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** A fresh folder under the system temp dir (short, so socket paths stay under 107 bytes). */
export function tempDir(): { dir: string; path: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'psho-'));
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Number of open descriptors of this process. */
export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Descriptors of this process whose /proc link is `target` (for example "socket:[1234]"). */
export function fdsPointingTo(target: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${entry}`) === target) found.push(Number(entry));
    } catch {
      // The descriptor used by readdir itself is gone by now.
    }
  }
  return found;
}

/** Polls `check` on the event loop until it returns true (the test timeout bounds the wait). */
export async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

export interface WorkerMessage {
  type: string;
  [key: string]: unknown;
}

/** A forked echo worker (test/fixtures/echo-worker.mjs) and its IPC messages. */
export class EchoWorker {
  readonly child: ChildProcess;
  readonly messages: WorkerMessage[] = [];
  readonly #waiters: { type: string; resolve: (m: WorkerMessage) => void }[] = [];

  constructor(path: string) {
    this.child = fork(fixture('echo-worker.mjs'), [path], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: WorkerMessage) => {
      this.messages.push(message);
      const index = this.#waiters.findIndex((w) => w.type === message.type);
      if (index >= 0) this.#waiters.splice(index, 1)[0]?.resolve(message);
    });
  }

  /** The next message of `type` that arrives from now on. */
  next(type: string): Promise<WorkerMessage> {
    return new Promise((resolve, reject) => {
      this.#waiters.push({ type, resolve });
      this.child.once('exit', (code) => reject(new Error(`echo worker exited (${code}) before '${type}'`)));
    });
  }

  send(message: WorkerMessage): void {
    this.child.send(message);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** Runs `node <fixture> ...args` without IPC and collects its JSON stdout lines and exit code. */
export function runFixture(
  name: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; killAfterLine?: (line: Record<string, unknown>) => boolean } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; lines: Record<string, unknown>[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture(name), ...args], {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Record<string, unknown>[] = [];
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      let newline: number;
      while ((newline = stdout.indexOf('\n')) >= 0) {
        const line = stdout.slice(0, newline);
        stdout = stdout.slice(newline + 1);
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        if (options.killAfterLine?.(parsed) === true) child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, lines, stderr }));
  });
}

/**
 * This process's descriptor of the socket bound to `port` on 127.0.0.1: its inode from
 * /proc/net/tcp or /proc/net/udp (proc(5)), then the /proc/self/fd link "socket:[inode]". Node
 * exposes no descriptor for a net.Server or a dgram socket; this finds it from public files.
 */
export function socketFdByPort(protocol: 'tcp' | 'udp', port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync(`/proc/net/${protocol}`, 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] !== local) continue;
    const fds = fdsPointingTo(`socket:[${fields[9]}]`);
    if (fds.length > 0) return fds[0]!;
  }
  throw new Error(`no ${protocol} socket of this process is bound to 127.0.0.1:${port}`);
}

/** A named pipe (mkfifo(1)) at `path`, opened at both ends without blocking: [read end, write end]. */
export function fifo(path: string): [number, number] {
  execFileSync('mkfifo', [path]);
  const read = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  return [read, openSync(path, constants.O_WRONLY | constants.O_NONBLOCK)];
}

/** The HandoffError `fn` throws (the test fails if it throws anything else or nothing). */
export function thrown(fn: () => unknown): HandoffError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HandoffError);
    return err as HandoffError;
  }
  throw new Error('expected a HandoffError');
}
