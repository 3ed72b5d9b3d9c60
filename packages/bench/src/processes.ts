import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { connect } from 'node:net';
import { freePort, sleep } from '@portshare/test-utils';
import { BenchError, BenchErrorCodes } from './errors.js';

/**
 * Runs `command` through bash with the open-file limit raised first (`ulimit -n`), falling back to
 * the hard limit when the wanted one is not allowed: 10,000 idle connections need more
 * descriptors than the usual 1024 in the worker, the load generator and a proxying daemon.
 */
export function spawnWithFdLimit(
  command: string,
  args: readonly string[],
  options: { fdLimit: number; stdio: StdioOptions; env?: NodeJS.ProcessEnv },
): ChildProcess {
  const script = `ulimit -n ${options.fdLimit} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`;
  return spawn('bash', ['-c', script, command, ...args], {
    stdio: options.stdio,
    env: options.env ?? process.env,
  });
}

/** A process of the setup: its pid (the program's own, bash exec'd into it), output and stop. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function manage(name: string, child: ChildProcess): ManagedProcess {
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    name,
    pid: child.pid!,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits for a line matching `pattern` on the process's stdout; fails if it exits first. */
export function waitForOutput(proc: ManagedProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const m = pattern.exec(proc.output());
      if (m) {
        cleanup();
        resolve(m);
        return true;
      }
      return false;
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(startFailed(proc, `exited with code ${code}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(startFailed(proc, `was not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      proc.child.stdout?.off('data', onData);
      proc.child.off('exit', onExit);
    };
    const onData = (): void => void check();
    if (check()) return;
    proc.child.stdout?.on('data', onData);
    proc.child.once('exit', onExit);
  });
}

/** Waits until something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(proc: ManagedProcess, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null) throw startFailed(proc, `exited with code ${proc.child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw startFailed(proc, `did not listen on port ${port} within ${timeoutMs} ms`);
    await sleep(25);
  }
}

function startFailed(proc: ManagedProcess, what: string): BenchError {
  const out = proc.output().trim();
  return new BenchError(
    BenchErrorCodes.StartFailed,
    `${proc.name} ${what}.${out ? ` Its output:\n${out.slice(-2000)}` : ''}\nCheck that the packages are built (pnpm build) and that nothing else uses the benchmark's ports.`,
  );
}

export { freePort, sleep };
