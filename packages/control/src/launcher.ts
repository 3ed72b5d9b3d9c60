import { spawn } from 'node:child_process';
import { constants, mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ControlClient } from './client.js';
import { ControlError, ControlErrorCodes } from './errors.js';
import type { HelloReply } from './messages.js';
import type { InstancePaths } from './paths.js';

export interface StartDetachedOptions {
  /** How long to wait for the daemon to answer. Default 10 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /**
   * The new daemon takes over from one that answers now (a seamless restart): wait until the
   * control socket is answered by the new process itself, not merely by a daemon.
   */
  replacing?: boolean;
}

/**
 * Starts the daemon in the background (its own session, output to `<logDir>/service.out`) and
 * waits until it answers on the control socket, the way a WCF worker starts the Windows service on
 * demand and polls until it is up (docs/protocol.md §7). A daemon that exits first has its
 * last output quoted in the error.
 */
export async function startDetached(paths: InstancePaths, command: string[], options: StartDetachedOptions = {}): Promise<number> {
  const [exe, ...args] = command;
  if (!exe) throw new ControlError(ControlErrorCodes.StartFailed, 'No command is recorded to start the portshare service. Run \'portshare enable\' again.');
  mkdirSync(paths.logDir, { recursive: true });
  const outFile = join(paths.logDir, 'service.out');
  // Never through a link: the folder may still be the one an earlier version handed to the
  // service account, which could have put a link to a file of root's under this name.
  const out = openSync(outFile, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  const env = { ...(options.env ?? process.env) };
  if (paths.home !== undefined) env['PORTSHARE_HOME'] = paths.home;
  const child = spawn(exe, args, { detached: true, stdio: ['ignore', out, out], env });
  closeSync(out);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();
  const hello = await waitForDaemon(
    paths,
    options.timeoutMs ?? 10_000,
    () => {
      if (exited !== undefined) {
        throw new ControlError(
          ControlErrorCodes.StartFailed,
          `The portshare service exited with code ${exited} while starting: ${tail(outFile)}`,
        );
      }
    },
    options.replacing ? (h) => h.pid === child.pid : undefined,
  );
  if (hello === undefined) {
    throw new ControlError(
      ControlErrorCodes.StartFailed,
      `The portshare service did not answer within ${options.timeoutMs ?? 10_000} ms. See ${outFile} and ${paths.logFile}.`,
    );
  }
  return hello.pid;
}

/**
 * Polls the control socket until the daemon answers `hello` (every 20 ms at first, backing off to
 * 200 ms) with an answer `accept` takes (any, by default) and returns it; undefined when it has not answered within `timeoutMs`. `check`
 * runs before each attempt and may throw to stop waiting (say, when the daemon's process exited).
 * Any error but "not running" ends the wait at once.
 */
export async function waitForDaemon(
  paths: InstancePaths,
  timeoutMs: number,
  check?: () => void,
  accept: (hello: HelloReply) => boolean = () => true,
): Promise<HelloReply | undefined> {
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  while (Date.now() < deadline) {
    check?.();
    try {
      const client = await ControlClient.connect(paths.controlSocket, { requestTimeoutMs: 2000 });
      let hello: HelloReply;
      try {
        hello = await client.hello();
      } finally {
        client.destroy();
      }
      if (accept(hello)) return hello;
    } catch (err) {
      if (!(err instanceof ControlError) || err.code !== ControlErrorCodes.NotRunning) throw err;
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 200);
  }
  return undefined;
}

function tail(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    return lines.slice(-3).join(' | ');
  } catch {
    return '(no output)';
  }
}
