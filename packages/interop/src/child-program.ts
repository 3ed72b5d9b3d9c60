import { type ChildProcess, spawn } from 'node:child_process';
import { InteropError, InteropErrorCodes } from './errors.js';

/** Options of {@link ChildProgram.start}. */
export interface ChildProgramOptions {
  /** Shown in error messages (default: the command). */
  readonly name?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Bytes of standard output plus standard error kept; one byte more kills the child (default 16 MiB). */
  readonly maxOutputBytes?: number;
  /** How long {@link ChildProgram.nextLine} and {@link ChildProgram.waitForExit} wait by default (default 30 000 ms). */
  readonly timeoutMs?: number;
  /** After SIGTERM, how long {@link ChildProgram.stop} waits before SIGKILL (default 5000 ms). */
  readonly killGraceMs?: number;
}

/** The defaults of {@link ChildProgramOptions}. */
export const ChildProgramDefaults = {
  maxOutputBytes: 16 * 1024 * 1024,
  timeoutMs: 30_000,
  killGraceMs: 5_000,
} as const;

/** Options of {@link ChildProgram.nextLine}. */
export interface NextLineOptions {
  /** Default: the program's `timeoutMs`. */
  readonly timeoutMs?: number;
  /** Default 'stdout'. */
  readonly stream?: 'stdout' | 'stderr';
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

type Waiter = () => void;

/**
 * A child process driven through its standard streams: write lines to it, wait for lines it
 * prints, wait for it to exit. Output is kept (up to `maxOutputBytes`) for assertions and for
 * error messages, which quote the child's standard error.
 */
export class ChildProgram {
  readonly name: string;
  readonly #proc: ChildProcess;
  readonly #maxOutputBytes: number;
  readonly #timeoutMs: number;
  readonly #killGraceMs: number;
  readonly #exited: Promise<ExitStatus>;
  #stdout = '';
  #stderr = '';
  #outputBytes = 0;
  readonly #cursor = { stdout: 0, stderr: 0 };
  #exit: ExitStatus | undefined;
  #failure: InteropError | undefined;
  readonly #waiters = new Set<Waiter>();

  private constructor(command: string, args: readonly string[], options: ChildProgramOptions) {
    this.name = options.name ?? command;
    this.#maxOutputBytes = positive('maxOutputBytes', options.maxOutputBytes, ChildProgramDefaults.maxOutputBytes);
    this.#timeoutMs = positive('timeoutMs', options.timeoutMs, ChildProgramDefaults.timeoutMs);
    this.#killGraceMs = positive('killGraceMs', options.killGraceMs, ChildProgramDefaults.killGraceMs);
    this.#proc = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.env ? { env: options.env } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    this.#proc.stdout!.setEncoding('utf8');
    this.#proc.stderr!.setEncoding('utf8');
    this.#proc.stdout!.on('data', (chunk: string) => this.#onOutput(chunk, 'stdout'));
    this.#proc.stderr!.on('data', (chunk: string) => this.#onOutput(chunk, 'stderr'));
    // A child that exits without reading its input must not crash the test with EPIPE.
    this.#proc.stdin!.on('error', () => {});
    this.#exited = new Promise((resolve) => {
      this.#proc.once('error', (err) => {
        this.#failure ??= new InteropError(InteropErrorCodes.PROCESS_EXITED, `${this.name} could not be started: ${err.message}`, { cause: err });
        this.#exit = { code: null, signal: null };
        this.#wake();
        resolve(this.#exit);
      });
      this.#proc.once('close', (code, signal) => {
        this.#exit ??= { code, signal };
        this.#wake();
        resolve(this.#exit);
      });
    });
  }

  /** Starts `command args`; fails only through later calls (a command that cannot run exits at once). */
  static start(command: string, args: readonly string[], options: ChildProgramOptions = {}): ChildProgram {
    return new ChildProgram(command, args, options);
  }

  get pid(): number | undefined {
    return this.#proc.pid;
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Complete lines of standard output so far. */
  get lines(): string[] {
    const all = this.#stdout.split('\n');
    all.pop();
    return all;
  }

  /** The exit status, once the child has exited. */
  get exitStatus(): ExitStatus | undefined {
    return this.#exit;
  }

  #onOutput(chunk: string, stream: 'stdout' | 'stderr'): void {
    this.#outputBytes += Buffer.byteLength(chunk);
    if (this.#outputBytes > this.#maxOutputBytes) {
      if (!this.#failure) {
        this.#failure = new InteropError(
          InteropErrorCodes.OUTPUT_TOO_LARGE,
          `${this.name} printed more than maxOutputBytes (${this.#maxOutputBytes} bytes) and was killed. Raise maxOutputBytes if that much output is expected.`,
        );
        this.#proc.kill('SIGKILL');
      }
      this.#wake();
      return;
    }
    if (stream === 'stdout') this.#stdout += chunk;
    else this.#stderr += chunk;
    this.#wake();
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** Waits until `check` returns a value (checked at every output and at exit). */
  #waitFor<T>(what: string, check: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const finish = (): void => {
        this.#waiters.delete(poll);
        clearTimeout(timer);
      };
      const poll = (): void => {
        if (this.#failure) {
          finish();
          reject(this.#failure);
          return;
        }
        const value = check();
        if (value !== undefined) {
          finish();
          resolve(value);
          return;
        }
        if (this.#exit) {
          finish();
          reject(
            new InteropError(
              InteropErrorCodes.PROCESS_EXITED,
              `${this.name} exited (code ${this.#exit.code}, signal ${this.#exit.signal}) before ${what}.${this.#tail()}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new InteropError(InteropErrorCodes.TIMEOUT, `${this.name} did not get to ${what} within ${timeoutMs} ms.${this.#tail()}`));
      }, timeoutMs);
      this.#waiters.add(poll);
      poll();
    });
  }

  #tail(): string {
    const cut = (s: string): string => (s.length > 4000 ? `…${s.slice(-4000)}` : s);
    return `\n--- stdout ---\n${cut(this.#stdout)}\n--- stderr ---\n${cut(this.#stderr)}`;
  }

  /**
   * The next complete line of standard output (or of standard error with `stream: 'stderr'`),
   * after the last one returned, that `match` accepts; lines before it are passed over.
   */
  nextLine(match: RegExp | ((line: string) => boolean), options: NextLineOptions = {}): Promise<string> {
    const test = typeof match === 'function' ? match : (line: string) => match.test(line);
    const stream = options.stream ?? 'stdout';
    return this.#waitFor(
      `printing a line matching ${typeof match === 'function' ? 'the condition' : String(match)} on ${stream}`,
      () => {
        const text = stream === 'stdout' ? this.#stdout : this.#stderr;
        for (;;) {
          const end = text.indexOf('\n', this.#cursor[stream]);
          if (end < 0) return undefined;
          const line = text.slice(this.#cursor[stream], end);
          this.#cursor[stream] = end + 1;
          if (test(line)) return line;
        }
      },
      options.timeoutMs ?? this.#timeoutMs,
    );
  }

  write(text: string): void {
    this.#proc.stdin!.write(text);
  }

  writeLine(line: string): void {
    this.write(`${line}\n`);
  }

  /** Closes the child's standard input (Console.ReadLine then returns null). */
  endInput(): void {
    this.#proc.stdin!.end();
  }

  /** Waits for the child to exit; rejects with INTEROP_ERR_TIMEOUT (child left running) if it does not. */
  waitForExit(timeoutMs = this.#timeoutMs): Promise<ExitStatus> {
    return this.#waitFor('exiting', () => this.#exit, timeoutMs);
  }

  /** Ends the child: SIGTERM, then SIGKILL after `killGraceMs`. Resolves once it has exited. */
  async stop(): Promise<ExitStatus> {
    if (this.#exit) return this.#exit;
    this.#proc.kill('SIGTERM');
    const timer = setTimeout(() => this.#proc.kill('SIGKILL'), this.#killGraceMs);
    const status = await this.#exited;
    clearTimeout(timer);
    return status;
  }
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new InteropError(InteropErrorCodes.INVALID_OPTION, `The option ${name} is ${value}; it must be a whole number of at least 1.`);
  }
  return value;
}
