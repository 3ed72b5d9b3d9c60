/**
 * Worker and abuser processes for the scenarios, spawned as real children (optionally as another
 * user), with their stdout lines timestamped as they arrive.
 *
 * @module
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HostNameComparisonMode } from '@portshare/control';
import { StressError, StressErrorCodes } from './errors.js';
import type { Instance } from './instance.js';

/** What a session worker serves (argv of programs/session-worker). */
export interface SessionWorkerSpec {
  /** Base URI to register, e.g. net.tcp://localhost:9000/a. */
  uri: string;
  /** Prefix of every reply, e.g. "A:", so a client can tell which worker answered. */
  tag: string;
  hostNameComparisonMode?: HostNameComparisonMode;
  maxMessageSize?: number;
  maxConcurrentSessions?: number;
  forceProxy?: boolean;
}

/** What the control abuser does (argv of programs/control-abuser). */
export type AbuserSpec =
  | { action: 'hold'; socket: string; count: number }
  | { action: 'flood'; socket: string; line: string; requests: number }
  | { action: 'request'; socket: string; request: Record<string, unknown> };

/** Run a child as this user and group (the caller must be root). */
export interface RunAs {
  uid: number;
  gid: number;
}

// The programs are compiled to dist/programs; both src/ and dist/ sit one level below the package.
function program(name: string): string {
  const path = fileURLToPath(new URL(`../dist/programs/${name}.js`, import.meta.url));
  if (!existsSync(path)) {
    throw new StressError(
      StressErrorCodes.NotBuilt,
      `The helper program ${path} is missing. Build the package first: pnpm --filter @portshare/stress build.`,
    );
  }
  return path;
}

/** A child process whose stdout is read line by line. */
export class ChildProgram {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Every stdout line with performance.now() at its arrival. */
  readonly lines: { text: string; at: number }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #partial = '';
  #stderr = '';
  readonly #waiters = new Set<() => void>();

  constructor(file: string, args: string[], env: NodeJS.ProcessEnv, runAs: RunAs | undefined) {
    this.proc = spawn(process.execPath, [file, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
      ...(runAs !== undefined ? { uid: runAs.uid, gid: runAs.gid } : {}),
    });
    this.pid = this.proc.pid as number;
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
    this.proc.stdout?.on('data', (chunk: Buffer) => {
      const at = performance.now();
      const parts = (this.#partial + chunk.toString()).split('\n');
      this.#partial = parts.pop() ?? '';
      for (const text of parts) this.lines.push({ text, at });
      for (const wake of this.#waiters) wake();
    });
    this.proc.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString();
    });
    void this.exited.then(() => {
      for (const wake of this.#waiters) wake();
    });
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  stderr(): string {
    return this.#stderr;
  }

  /**
   * Resolves with the first line at index ≥ `from` matching `pattern`; rejects when the process
   * exits first or after `timeoutMs`.
   */
  waitForLine(pattern: RegExp, timeoutMs = 10_000, from = 0): Promise<{ match: RegExpExecArray; at: number; index: number }> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        for (let i = from; i < this.lines.length; i++) {
          const line = this.lines[i] as { text: string; at: number };
          const match = pattern.exec(line.text);
          if (match) {
            done();
            resolve({ match, at: line.at, index: i });
            return;
          }
        }
        if (!this.alive) {
          done();
          reject(new StressError(StressErrorCodes.WorkerStart, `Process ${this.pid} exited before printing ${pattern}: ${this.output()} ${this.#stderr}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new StressError(StressErrorCodes.Timeout, `Process ${this.pid} did not print ${pattern} within ${timeoutMs} ms: ${this.output()} ${this.#stderr}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  output(): string {
    return this.lines.map((l) => l.text).join('\n');
  }

  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.proc.kill(signal);
  }

  async kill9(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    this.signal('SIGTERM');
    await this.exited;
  }
}

/** A session worker process; `ready` settles on its READY or ERROR line. */
export class SessionWorker extends ChildProgram {
  readonly spec: SessionWorkerSpec;

  constructor(instance: Instance, spec: SessionWorkerSpec, runAs?: RunAs) {
    super(program('session-worker'), [JSON.stringify(spec)], { PORTSHARE_HOME: instance.home }, runAs);
    this.spec = spec;
  }

  /**
   * Waits for READY. A refusal (ERROR line) rejects with an error carrying the worker's code and
   * message, which is how a not-allowed user's attempt is observed.
   */
  async ready(timeoutMs = 10_000): Promise<void> {
    const { match } = await this.waitForLine(/^(READY|ERROR (\S+) (.*))$/, timeoutMs);
    if (match[1] !== 'READY') {
      throw Object.assign(new Error(match[3] ?? 'worker failed'), { code: match[2] ?? 'UNKNOWN' });
    }
  }

  /** Starts a worker and waits until it is registered. */
  static async start(instance: Instance, spec: SessionWorkerSpec, runAs?: RunAs): Promise<SessionWorker> {
    const worker = new SessionWorker(instance, spec, runAs);
    try {
      await worker.ready();
    } catch (err) {
      await worker.kill9();
      throw err;
    }
    return worker;
  }
}

/**
 * Starts one of the client-side helper programs (src/programs) with its JSON spec: the burst's
 * client processes, the churn attacker.
 */
export function startProgram(name: 'burst-clients' | 'churn-attacker', spec: object): ChildProgram {
  return new ChildProgram(program(name), [JSON.stringify(spec)], {}, undefined);
}

/** Starts the control abuser. */
export function startAbuser(spec: AbuserSpec, runAs?: RunAs): ChildProgram {
  return new ChildProgram(program('control-abuser'), [JSON.stringify(spec)], {}, runAs);
}

/** One control request sent from a process running as `runAs`; resolves with its answer. */
export async function requestAs(
  instance: Instance,
  request: Record<string, unknown>,
  runAs?: RunAs,
): Promise<{ ok?: boolean; result?: Record<string, unknown>; error?: { code: string; message: string } } | 'closed' | 'refused'> {
  const child = startAbuser({ action: 'request', socket: instance.paths.controlSocket, request }, runAs);
  try {
    const { match } = await child.waitForLine(/^ANSWER (.*)$/, 10_000);
    return JSON.parse(match[1] ?? '"closed"') as Awaited<ReturnType<typeof requestAs>>;
  } finally {
    await child.kill9();
  }
}

/** What programs/hold-sampler watches. */
export interface HoldSamplerSpec {
  pid: number;
  intervalMs: number;
}

/** How long the watched process held the network connections it opened or accepted while sampled. */
export interface HoldFigures {
  longestMs: number;
  /** Connections seen. */
  seen: number;
  /** Most held at once in one sample. */
  maxHeld: number;
  samples: number;
  /** The process exited while sampled. */
  processGone: boolean;
}

/**
 * Starts sampling, from a process of its own, how long process `pid` holds each network connection
 * it opens or accepts from now on (sockets open now, such as listeners, are left out). `stop()`
 * ends the sampling and returns the figures.
 */
export async function startHoldSampler(pid: number, intervalMs = 100): Promise<{ pid: number; stop(): Promise<HoldFigures>; kill(): Promise<void> }> {
  const spec: HoldSamplerSpec = { pid, intervalMs };
  const child = new ChildProgram(program('hold-sampler'), [JSON.stringify(spec)], {}, undefined);
  try {
    await child.waitForLine(/^READY$/);
  } catch (err) {
    await child.kill9();
    throw err;
  }
  return {
    /** The sampler's own process. */
    pid: child.pid,
    async stop(): Promise<HoldFigures> {
      const from = child.lines.length;
      child.signal('SIGTERM');
      try {
        const { match } = await child.waitForLine(/^HOLDS (.*)$/, 10_000, from);
        return JSON.parse(match[1] as string) as HoldFigures;
      } finally {
        await child.kill9();
      }
    },
    kill: () => child.kill9(),
  };
}
