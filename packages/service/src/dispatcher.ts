import { encodeHandoffPayload, encodeProxyPreface, type HandoffHeader } from '@portshare/control';
import { FaultUri } from '@portshare/framing';
import { HandoffError, HandoffErrorCodes } from '@portshare/handoff';
import type { Logger } from 'pino';
import { logConnectionEvent } from './logger.js';
import type { Registration } from './registration.js';
import { markBackend, pickBackend, rewriteViaRecord, type RouteBackend, type RouteTarget } from './static-routes.js';

/** What the dispatcher needs of the front gate for the client's descriptor. */
export interface ClientConnections {
  /** Closes the client's connection (no fault). */
  close(fd: number): void;
  /** Sends a framing fault, half-closes and drains, then closes. */
  fault(fd: number, faultUri: string): void;
  /** The client's address, for the proxy preface. */
  peerAddress(fd: number): { address: string; port: number };
  /**
   * Relays the client to a worker's stream socket in the kernel (front gate), after checking its
   * peer is `peer`; the descriptor is the relay's from then on. Throws (fd still ours) when the
   * worker's socket cannot be reached or belongs to another process.
   */
  proxy(fd: number, path: string, preface: Buffer, peer: { pid: number; uid: number } | undefined): void;
  /**
   * A static route: relays the client to one of its servers, the bytes read so far first; the
   * descriptor is the relay's from then on, unless the server cannot be reached, which the
   * connection path answers with a fault (and marks the server down). Throws (fd still ours)
   * when the connection cannot even be started.
   */
  proxyTcp(fd: number, backend: RouteBackend, preface: Buffer): void;
}

export interface DispatchContext {
  clients: ClientConnections;
  maxQueueLength: number;
  /** A worker with hand-offs waiting that takes none for this long is stalled (workerStallTimeoutMs). */
  stallTimeoutMs: number;
  log: Logger;
  /** Called when a hand-off to a worker failed because of the worker: SMSvcHost unregisters it. */
  onWorkerFailed(reg: Registration, err: Error): void;
}

/**
 * How a dispatch ended. 'worker-gone': the worker's end failed before the connection reached it
 * (the worker is unregistered now, the client's descriptor is still open and still the caller's,
 * to give to another worker sharing the URI or to fault). Every other outcome closed or gave away
 * the descriptor.
 */
export type DispatchOutcome = 'dispatched' | 'queue-full' | 'stalled' | 'failed' | 'closed' | 'worker-gone';

/** Has this worker had hand-offs waiting and taken none for `stallTimeoutMs`? */
export function isStalled(reg: Registration, stallTimeoutMs: number, now = Date.now()): boolean {
  return reg.queueLength > 0 && now - reg.lastProgressAt > stallTimeoutMs;
}

/**
 * Hands a routed connection to its worker: in fd mode the socket itself goes over SCM_RIGHTS with
 * every byte read so far, and our descriptor is closed without shutdown() so the connection lives
 * on in the worker alone (docs/protocol.md §5; architecture "Hand-off by SCM_RIGHTS"). In
 * proxy mode the same header and bytes open a stream to the worker and the daemon pipes both ways.
 *
 * The client's descriptor is ours to close here, whatever happens, but for 'worker-gone'.
 */
export async function dispatch(reg: Registration, fd: number, header: HandoffHeader, bytes: Buffer, ctx: DispatchContext): Promise<DispatchOutcome> {
  if (reg.closed) {
    ctx.clients.close(fd);
    return 'closed';
  }
  if (reg.target !== undefined) return relayToServer(reg, reg.target, fd, bytes, ctx);
  // SMSvcHost aborts, without a fault, a session that finds its registration's queue full (docs/protocol.md §5).
  if (reg.queueLength >= ctx.maxQueueLength) {
    ctx.clients.close(fd);
    return 'queue-full';
  }
  // A worker that has stopped taking hand-offs costs only its own clients: theirs are aborted
  // (as SMSvcHost aborts for a full queue) instead of waiting, so they cannot hold the daemon's
  // hand-off capacity and, through the shared backlog, delay every other service's clients. Once
  // found stalled it stays so until it takes a hand-off; one connection at a time finds out.
  if (isStalled(reg, ctx.stallTimeoutMs)) reg.stalled = true;
  if (reg.stalled && reg.queueLength > 0) {
    logConnectionEvent(ctx.log, 'warn', { registration: reg.id, uri: reg.uri }, 'the worker takes no hand-offs: connection aborted');
    ctx.clients.close(fd);
    return 'stalled';
  }
  // A waiting period starts now: the worker's progress is judged from here, not from a hand-off
  // long ago, before it sat idle.
  if (reg.queueLength === 0) reg.lastProgressAt = Date.now();
  reg.queueLength++;
  try {
    if (reg.transport === 'fd') {
      await handOffFd(reg, fd, header, bytes);
      // The worker holds its own descriptor now. Closing ours (close(), never shutdown()) leaves
      // the connection open; the daemon keeps nothing of it.
      ctx.clients.close(fd);
    } else {
      handOffProxy(reg, fd, header, bytes, ctx.clients);
    }
    reg.dispatched++;
    reg.lastProgressAt = Date.now();
    reg.stalled = false;
    return 'dispatched';
  } catch (err) {
    if (!isWorkerFault(err)) {
      // Something about this client's connection (it reset, or the daemon is short of descriptors):
      // that connection is lost; the worker is not at fault and keeps its registration.
      logConnectionEvent(ctx.log, 'debug', { err, registration: reg.id }, 'hand-off of one connection failed; the worker keeps its registration');
      ctx.clients.close(fd);
      return 'failed';
    }
    ctx.log.warn({ err, registration: reg.id, uri: reg.uri }, 'hand-off failed; unregistering the worker');
    ctx.onWorkerFailed(reg, err as Error);
    // A failed sendmsg(2) delivered nothing (and a proxy stream that could not open carried
    // nothing): the connection never reached the worker, so it is still the caller's to place.
    return 'worker-gone';
  } finally {
    reg.queueLength--;
  }
}

/**
 * A static route: the server answers the preamble itself, so it gets exactly the client's bytes,
 * from byte 0 (with the Via Record rewritten when the route says so), and no hand-off header. A
 * server that cannot be reached costs the client its connection (the ConnectionDispatchFailed
 * fault, from the connection path), never the route.
 */
function relayToServer(reg: Registration, target: RouteTarget, fd: number, bytes: Buffer, ctx: DispatchContext): DispatchOutcome {
  const backend = pickBackend(target);
  try {
    ctx.clients.proxyTcp(fd, backend, target.rewriteVia === undefined ? bytes : rewriteViaRecord(bytes, target.rewriteVia));
  } catch (err) {
    markBackend(backend, (err as HandoffError).errno ?? 'EIO');
    logConnectionEvent(ctx.log, 'warn', { err, uri: reg.uri, to: backend.to }, 'static route: cannot connect to the server');
    ctx.clients.fault(fd, FaultUri.ConnectionDispatchFailed);
    return 'failed';
  }
  reg.dispatched++;
  return 'dispatched';
}

/**
 * Errors that say the worker's end is gone or is not the worker's: its hand-off socket closed or
 * refused us (EPIPE, ECONNRESET, ENOTCONN, ECONNREFUSED, ENOENT, EACCES), or a proxy stream's peer
 * was another process (EPERM). Anything else (EBADF or ENOTSOCK on the client's descriptor, ETOOMANYREFS,
 * ENOBUFS, EMFILE in the daemon) is about this connection or the daemon, never the worker's fault.
 */
const WORKER_ERRNOS = new Set(['EPIPE', 'ECONNRESET', 'ENOTCONN', 'ECONNREFUSED', 'ENOENT', 'EACCES', 'EPERM']);

function isWorkerFault(err: unknown): boolean {
  if (err instanceof WorkerGone) return true;
  if (err instanceof HandoffError) return err.code === HandoffErrorCodes.CLOSED || WORKER_ERRNOS.has(err.errno ?? '');
  return WORKER_ERRNOS.has((err as NodeJS.ErrnoException).code ?? '');
}

class WorkerGone extends Error {}

async function handOffFd(reg: Registration, fd: number, header: HandoffHeader, bytes: Buffer): Promise<void> {
  const sender = reg.sender;
  if (!sender || sender.closed) throw new WorkerGone('the worker hand-off socket is closed');
  await sender.send(fd, encodeHandoffPayload(header, bytes));
}

function handOffProxy(reg: Registration, fd: number, header: HandoffHeader, bytes: Buffer, clients: ClientConnections): void {
  // The worker's end of this stream is not the client's socket: tell it who the client is.
  const remote = clients.peerAddress(fd);
  // The daemon connects as root: a registrant that named a path it cannot open itself (another
  // account's socket) would make the daemon its deputy. The front gate checks that the stream's
  // peer is the very process that registered (SO_PEERCRED), as for fd hand-offs
  // (service.ts #acquireSender), before it writes a byte; EPERM otherwise.
  clients.proxy(fd, reg.path, encodeProxyPreface({ ...header, remoteAddress: remote.address, remotePort: remote.port }, bytes), reg.creds);
}
