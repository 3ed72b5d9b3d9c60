/**
 * A private portshare instance (its own PORTSHARE_HOME) and its daemon run as a real child
 * process, the way an operator runs it: `portshare-service --home <dir>`.
 *
 * @module
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ControlClient,
  resolveInstance,
  writeState,
  type InstancePaths,
  type StatusReply,
} from '@portshare/control';
import { StressError, StressErrorCodes } from './errors.js';
import { openFdCount, rssBytes } from './proc.js';
import { sleep } from './util.js';

/** The daemon's entry point, as the package exports it. */
export const SERVICE_MAIN = createRequire(import.meta.url).resolve('@portshare/service/main');

/** A throw-away instance folder: config, state (enabled on demand), run and log folders. */
export class Instance {
  readonly home: string;
  readonly paths: InstancePaths;

  private constructor(home: string) {
    this.home = home;
    this.paths = resolveInstance({ home });
  }

  /**
   * Creates the folder (short, under the system temp folder: Unix socket paths are limited to 107
   * bytes), world-readable so workers running as other users can reach the control socket, and
   * writes `config` (log level "warn" unless given: per-connection log lines would dominate a
   * run of a million connections).
   */
  static create(config: Record<string, unknown> = {}): Instance {
    const home = mkdtempSync(join(tmpdir(), 'pss-'));
    chmodSync(home, 0o755);
    const instance = new Instance(home);
    writeState(instance.paths, { startMode: 'demand', command: [process.execPath, SERVICE_MAIN] });
    instance.writeConfig(config);
    return instance;
  }

  writeConfig(config: Record<string, unknown>): void {
    writeFileSync(this.paths.configFile, JSON.stringify({ log: { level: 'warn' }, ...config }, null, 2));
  }

  /** Opens a control connection (the caller closes it). */
  control(): Promise<ControlClient> {
    return ControlClient.connect(this.paths.controlSocket, { requestTimeoutMs: 10_000 });
  }

  /** One status request on a fresh control connection. */
  async status(): Promise<StatusReply> {
    const client = await this.control();
    try {
      return await client.request({ op: 'status' });
    } finally {
      client.destroy();
    }
  }

  /**
   * The daemon's log records at level warn (40) or above, as parsed JSON objects (the log is pino's
   * JSON lines). Empty when there is no log yet.
   */
  warnings(): Record<string, unknown>[] {
    let text: string;
    try {
      text = readFileSync(this.paths.logFile, 'utf8');
    } catch {
      return [];
    }
    const out: Record<string, unknown>[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        const record = JSON.parse(line) as Record<string, unknown>;
        if (typeof record['level'] === 'number' && record['level'] >= 40) out.push(record);
      } catch {
        // A line cut by a SIGKILL: not a record.
      }
    }
    return out;
  }

  remove(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}

export interface DaemonStartOptions {
  /** How long to wait for the control socket to answer. Default 10 s. */
  timeoutMs?: number;
  /** Start the daemon with this open-files limit (soft and hard, through the shell's ulimit). */
  openFilesLimit?: number;
}

/** A running `portshare-service` process. */
export class Daemon {
  readonly instance: Instance;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** performance.now() when the daemon first answered hello. */
  readonly readyAt: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #stderr: () => string;

  private constructor(instance: Instance, proc: ChildProcess, readyAt: number, exited: Daemon['exited'], stderr: () => string) {
    this.instance = instance;
    this.proc = proc;
    this.pid = proc.pid as number;
    this.readyAt = readyAt;
    this.exited = exited;
    this.#stderr = stderr;
  }

  /** Spawns the daemon for `instance` and waits until it answers hello on its control socket. */
  static async start(instance: Instance, options: DaemonStartOptions = {}): Promise<Daemon> {
    const args = [SERVICE_MAIN, '--home', instance.home];
    const proc =
      options.openFilesLimit === undefined
        ? spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] })
        : spawn('/bin/sh', ['-c', `ulimit -n ${options.openFilesLimit} && exec "$0" "$@"`, process.execPath, ...args], {
            stdio: ['ignore', 'ignore', 'pipe'],
          });
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const timeoutMs = options.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new StressError(StressErrorCodes.DaemonStart, `The daemon exited (${proc.exitCode ?? proc.signalCode}) while starting: ${stderr.trim()}`);
      }
      try {
        const client = await ControlClient.connect(instance.paths.controlSocket, { requestTimeoutMs: 2000 });
        try {
          const hello = await client.hello();
          if (hello.pid === proc.pid) break;
        } finally {
          client.destroy();
        }
      } catch {
        // Not up yet.
      }
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new StressError(StressErrorCodes.DaemonStart, `The daemon did not answer on ${instance.paths.controlSocket} within ${timeoutMs} ms: ${stderr.trim()}`);
      }
      await sleep(5);
    }
    return new Daemon(instance, proc, performance.now(), exited, () => stderr);
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  stderr(): string {
    return this.#stderr();
  }

  status(): Promise<StatusReply> {
    return this.instance.status();
  }

  openFds(): number {
    return openFdCount(this.pid);
  }

  rss(): number {
    return rssBytes(this.pid);
  }

  /** SIGKILL, then waits for the exit. */
  async kill9(): Promise<void> {
    if (this.alive) this.proc.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (an orderly stop), then waits for the exit. */
  async stop(): Promise<void> {
    if (this.alive) this.proc.kill('SIGTERM');
    await this.exited;
  }
}
