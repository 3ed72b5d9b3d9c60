import { closeSync } from 'node:fs';
import { join } from 'node:path';
import { ControlClient, ControlError, ControlErrorCodes, type InstancePaths, type TakeoverListener, type TakeoverReply } from '@portshare/control';
import { HandoffReceiver } from '@portshare/handoff';
import { ServiceError, ServiceErrorCodes } from './errors.js';

/*
 * A seamless restart, the new daemon's side (docs/operations.md, "Restart and reload"). As
 * HAProxy's `-x` does, the new daemon takes the running one's listening sockets instead of binding
 * the ports again, so the ports never close and no client is refused:
 *
 *   1. `takeover`: the running daemon passes every listening socket (the shared ports and the
 *      control socket) over SCM_RIGHTS and stops taking control connections; it still serves
 *      clients. This side then serves the control socket, but does not accept clients yet.
 *   2. `handover`: the running daemon tells each worker ('moving'); workers register here too,
 *      keeping their connection to it, so both daemons can route to them.
 *   3. Once every registration the running daemon had is here (or takeoverTimeoutMs passed), this
 *      side accepts, and `release` tells the running one to stop accepting, finish the
 *      connections it is reading and exit.
 *
 * Anything that fails before `release` ends this process; its control connection closes and the
 * running daemon goes on as if nothing happened (it takes control connections again).
 */

/** What a running daemon passed over. */
export interface TakenOver {
  /** The daemon handing over (its control connection stays open until release). */
  previous: ControlClient;
  previousPid: number;
  /** The shared ports' listening sockets, with their payloads. */
  listeners: { fd: number; listener: TakeoverListener }[];
  /** The control socket's listening descriptor. */
  controlFd: number;
  registrations: TakeoverReply['registrations'];
}

/** The control connection to a daemon that answers on this instance's socket, if one does. */
export async function connectToRunning(paths: InstancePaths): Promise<ControlClient | undefined> {
  try {
    return await ControlClient.connect(paths.controlSocket, { requestTimeoutMs: 10_000 });
  } catch (err) {
    if (err instanceof ControlError && err.code === ControlErrorCodes.NotRunning) return undefined;
    throw err;
  }
}

/** Step 1: asks the daemon on `previous` for its listening sockets. */
export async function takeOver(paths: InstancePaths, previous: ControlClient, timeoutMs: number): Promise<TakenOver> {
  const hello = await previous.hello();
  // In the run folder, which only root (or the daemon's own user) can write, so nobody can bind
  // this name first; open to any account because the daemon handing over may have dropped to
  // its service user, and limited to that daemon's pid (SO_PEERCRED at accept).
  const path = join(paths.runDir, `takeover-${process.pid}.sock`);
  const received: { fd: number; listener: TakeoverListener }[] = [];
  let problem: Error | undefined;
  let arrived: (() => void) | undefined;
  const receiver = HandoffReceiver.listen(
    path,
    {
      onMessage(fd, payload, kind) {
        let listener: TakeoverListener;
        try {
          if (kind !== 'listening-socket') throw new Error(`a ${kind} instead of a listening socket`);
          listener = JSON.parse(payload.toString('utf8')) as TakeoverListener;
          if (listener.kind !== 'tcp' && listener.kind !== 'control') throw new Error(`an unknown kind '${String(listener.kind)}'`);
        } catch (err) {
          closeDescriptor(fd);
          problem ??= err as Error;
          return;
        }
        received.push({ fd, listener });
        arrived?.();
      },
      onError(err) {
        problem ??= err;
      },
    },
    { mode: 0o666 },
  );
  receiver.allowOnlySender(hello.pid);
  try {
    const reply = await previous.request({ op: 'takeover', path });
    // The messages were sent before the reply, but are read on their own socket: wait for them.
    const deadline = Date.now() + timeoutMs;
    while (received.length < reply.listeners && problem === undefined && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        arrived = resolve;
        setTimeout(resolve, 20).unref();
      });
    }
    if (problem !== undefined || received.length !== reply.listeners) {
      throw new Error(problem?.message ?? `${received.length} of ${reply.listeners} listening sockets arrived within ${timeoutMs} ms`);
    }
    const control = received.filter((r) => r.listener.kind === 'control');
    if (control.length !== 1) throw new Error(`${control.length} control sockets were passed instead of one`);
    return {
      previous,
      previousPid: hello.pid,
      listeners: received.filter((r) => r.listener.kind === 'tcp'),
      controlFd: control[0]!.fd,
      registrations: reply.registrations,
    };
  } catch (err) {
    for (const r of received) closeDescriptor(r.fd);
    throw new ServiceError(
      ServiceErrorCodes.TakeoverFailed,
      `Could not take the listening sockets over from the running portshare service (pid ${hello.pid}): ${(err as Error).message}. ` +
        'It goes on serving; see its log.',
      { cause: err },
    );
  } finally {
    receiver.close();
  }
}

function closeDescriptor(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* EBADF: nothing to close */
  }
}
