import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface NodeProcess {
  proc: ChildProcess;
  pid: number;
  out(): string;
  err(): string;
  /** Resolves with the first match of `pattern` in stdout after the previous match. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Runs `node <args>` with piped stdio; stdout can be awaited line by line. */
export function spawnNode(args: string[], env: NodeJS.ProcessEnv = {}, options: Pick<SpawnOptions, 'uid' | 'gid'> = {}): NodeProcess {
  const proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env }, ...options });
  let out = '';
  let err = '';
  let from = 0;
  const waiters = new Set<() => void>();
  proc.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    for (const w of [...waiters]) w();
  });
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) =>
    proc.once('exit', (code) => {
      r(code);
      for (const w of [...waiters]) w();
    }),
  );
  return {
    proc,
    pid: proc.pid ?? -1,
    out: () => out,
    err: () => err,
    exited,
    waitFor(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(out.slice(from));
          if (m) {
            from += m.index + m[0].length;
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          } else if (proc.exitCode !== null || proc.signalCode !== null) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`process exited (${proc.exitCode ?? proc.signalCode}) before ${pattern}; stdout: ${out}; stderr: ${err}`));
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
