import { readFileSync } from 'node:fs';
import {
  ControlClient,
  ControlError,
  ControlErrorCodes,
  type ControlRequest,
  type HelloReply,
  type InstancePaths,
  type ReplyFor,
} from '@portshare/control';
import { CliError, CliErrorCodes } from './errors.js';
import { CliLimits } from './limits.js';


/** Sends one request on a fresh control connection and closes it. */
export async function request<R extends ControlRequest>(
  paths: InstancePaths,
  req: R,
  timeoutMs: number = CliLimits.requestTimeoutMs,
): Promise<ReplyFor<R>> {
  const client = await ControlClient.connect(paths.controlSocket, { requestTimeoutMs: timeoutMs });
  try {
    return await client.request(req);
  } finally {
    client.destroy();
  }
}

/**
 * The daemon's hello, or undefined when nothing answers on the control socket. A daemon that
 * accepts the connection and refuses it says why (CONTROL_ERR_TOO_MANY_CONNECTIONS, …): that is
 * thrown, since the daemon runs.
 */
export async function probe(paths: InstancePaths, timeoutMs: number = CliLimits.requestTimeoutMs): Promise<HelloReply | undefined> {
  let client: ControlClient;
  try {
    client = await ControlClient.connect(paths.controlSocket, { requestTimeoutMs: timeoutMs });
  } catch (err) {
    if (err instanceof ControlError && err.code === ControlErrorCodes.NotRunning) return undefined;
    throw err;
  }
  try {
    return await client.hello();
  } catch (err) {
    // A daemon shutting down closes its connections and its listening socket together: if nobody
    // listens any more it has gone; if someone does, it closed this connection but runs.
    if (err instanceof ControlError && err.code === ControlErrorCodes.Closed && !(await answersOn(paths))) return undefined;
    throw err;
  } finally {
    client.destroy();
  }
}

/** Does anything accept connections on the control socket? */
async function answersOn(paths: InstancePaths): Promise<boolean> {
  try {
    (await ControlClient.connect(paths.controlSocket)).destroy();
    return true;
  } catch (err) {
    return !(err instanceof ControlError && err.code === ControlErrorCodes.NotRunning);
  }
}

/**
 * Polls until no daemon answers on the control socket. The daemon answers 'stop' before it closes
 * its listeners, so the answer alone does not mean it has stopped.
 */
export async function waitUntilStopped(paths: InstancePaths, timeoutMs: number, pid: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  for (;;) {
    if ((await probeWhileStopping(paths)) === 'gone') return;
    if (Date.now() >= deadline) {
      throw new CliError(
        CliErrorCodes.StopTimeout,
        `The portshare service (pid ${pid}) still answers on ${paths.controlSocket} ${timeoutMs} ms after 'stop'. ` +
          `Wait longer (--timeout), or end it with 'kill ${pid}'.`,
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(1, deadline - Date.now()))));
    delay = Math.min(delay * 2, 200);
  }
}

/**
 * After a takeover: polls until the replaced daemon's process has exited (it finishes the
 * connections it was reading first, at most receiveTimeout).
 */
export async function waitUntilExited(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isRunning(pid)) return;
    if (Date.now() >= deadline) {
      throw new CliError(
        CliErrorCodes.StopTimeout,
        `The new portshare service took over, but the one it replaced (pid ${pid}) is still running ${timeoutMs} ms later ` +
          `(it finishes the connections it was reading first). Wait longer (--timeout), or end it with 'kill ${pid}'.`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Whether a process runs. One that has exited but not yet been reaped by its parent (a zombie,
 * state 'Z' in /proc/PID/stat, proc(5)) has finished: a detached daemon's parent is init, which
 * may take its time.
 */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The state follows the command name in parentheses, which may itself contain ') '.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * One look at a daemon that is going away. Half-closed states (a reset connection, no answer in
 * time) mean it is still on its way out; only "nobody listens" means it has gone.
 */
async function probeWhileStopping(paths: InstancePaths): Promise<'gone' | 'present'> {
  try {
    return (await probe(paths, 1000)) === undefined ? 'gone' : 'present';
  } catch (err) {
    if (err instanceof ControlError && err.code === ControlErrorCodes.AccessDenied) throw err;
    return 'present';
  }
}

/** Asks the daemon to stop and waits until it has. Returns the pid it had, or undefined if none ran. */
export async function stopDaemon(paths: InstancePaths, timeoutMs: number): Promise<number | undefined> {
  const hello = await probe(paths);
  if (!hello) return undefined;
  try {
    await request(paths, { op: 'stop' });
  } catch (err) {
    // The daemon may close the connection as it goes down; that is the answer we wanted.
    if (!(err instanceof ControlError && (err.code === ControlErrorCodes.Closed || err.code === ControlErrorCodes.NotRunning))) throw err;
  }
  await waitUntilStopped(paths, timeoutMs, hello.pid);
  return hello.pid;
}
