import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ServiceError, ServiceErrorCodes } from './errors.js';

/**
 * The shell loop the helper runs: one reload per line read, always the same command (given once,
 * as "$@", never taken from the line), with its output and then its exit status written back.
 * The command gets /dev/null for input so only the daemon holds the pipe; end of input (the daemon
 * stopped or died) ends the loop.
 */
const LOOP = 'while read -r _; do "$@" </dev/null 2>&1; echo "portshare-reload-status $?"; done';
const STATUS_LINE = /^portshare-reload-status (\d+)$/;
const RELOADED_LINE = /the service is now pid (\d+)/;

/**
 * What lets a daemon that dropped root be reloaded by SIGHUP. The daemon that replaces it must
 * start as root (it reads root's configuration folder, writes the run folder, which stays root's,
 * and may bind a new port below 1024: privileges.ts), which the service account cannot do. So,
 * just before the drop, the daemon starts this helper as root: `/bin/sh` reading a pipe only the
 * daemon holds, which runs the daemon's own `--reload` command (main.ts) each time the daemon asks
 * — the part HAProxy's master process plays for its workers in master-worker mode. The service
 * account can ask for a reload, which restarts the service as configured by root, and nothing
 * else: the command is fixed when the helper starts. The helper holds no listening socket (Node
 * opens every descriptor close-on-exec) and exits when the daemon's end of the pipe closes.
 */
export class ReloadHelper {
  readonly #child: ChildProcessWithoutNullStreams;
  #output: string[] = [];
  #pending: { resolve: (pid: number) => void; reject: (err: Error) => void } | undefined;
  #exited = false;

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
    child.once('exit', () => {
      this.#exited = true;
      this.#settle(new ServiceError(ServiceErrorCodes.ReloadFailed, 'the reload helper exited before the reload finished'));
    });
    // A helper that could not be started (no process slot left, say) is a reload that cannot
    // happen, never a daemon that dies: 'error' without a listener would throw.
    child.on('error', (err) => {
      this.#exited = true;
      this.#settle(new ServiceError(ServiceErrorCodes.ReloadFailed, `the reload helper is not running: ${err.message}`, { cause: err }));
    });
    // A daemon stopping closes the pipe; an error writing to a helper that is gone is the
    // 'exit' above, not a crash.
    child.stdin.on('error', () => {});
    createInterface({ input: child.stdout }).on('line', (line) => this.#onLine(line));
    // Nothing of the helper keeps the daemon's event loop alive.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr] as unknown as { unref?: () => void }[]) stream.unref?.();
  }

  /** Starts the helper with the command that reloads this daemon (`portshare-service … --reload`). */
  static start(command: readonly string[]): ReloadHelper {
    const child = spawn('/bin/sh', ['-c', LOOP, 'portshare-reload', ...command], { stdio: ['pipe', 'pipe', 'pipe'] });
    return new ReloadHelper(child);
  }

  /** The helper's pid (tests). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /**
   * Runs the reload command once; resolves with the new daemon's pid once it has taken over,
   * rejects with what the command said when it could not (the daemon asking serves on).
   */
  reload(): Promise<number> {
    if (this.#pending !== undefined) return Promise.reject(new ServiceError(ServiceErrorCodes.ReloadFailed, 'a reload is already running'));
    if (this.#exited) return Promise.reject(new ServiceError(ServiceErrorCodes.ReloadFailed, 'the reload helper is not running'));
    this.#output = [];
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#child.stdin.write('reload\n');
    });
  }

  /** Ends the helper (the daemon is stopping). */
  close(): void {
    this.#child.stdin.end();
  }

  #onLine(line: string): void {
    const status = STATUS_LINE.exec(line);
    if (status === null) {
      this.#output.push(line);
      return;
    }
    const said = this.#output.join('\n');
    const pid = RELOADED_LINE.exec(said);
    if (status[1] === '0' && pid !== null) this.#settle(Number(pid[1]));
    else this.#settle(new ServiceError(ServiceErrorCodes.ReloadFailed, `the reload command exited with status ${status[1]}: ${said.trim() || '(no output)'}`));
  }

  #settle(result: number | Error): void {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending === undefined) return;
    if (typeof result === 'number') pending.resolve(result);
    else pending.reject(result);
  }
}
