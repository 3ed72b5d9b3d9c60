import { connect, type Socket } from 'node:net';
import { encodeHandoffPayload, encodeProxyPreface, type HandoffHeader } from '@portshare/control';
import { FaultUri } from '@portshare/framing';
import { socketFd } from '@portshare/handoff';
import type { Logger } from 'pino';
import { sendFault, type FaultOptions } from './faults.js';
import { resumeReading } from './socket-reading.js';
import type { Registration } from './registration.js';

export interface DispatchContext {
  faults: FaultOptions;
  maxQueueLength: number;
  log: Logger;
  /** Called when a hand-off to a worker failed: SMSvcHost unregisters that worker. */
  onWorkerFailed(reg: Registration, err: Error): void;
}

export type DispatchOutcome = 'dispatched' | 'queue-full' | 'failed' | 'closed';

/**
 * Hands a routed connection to its worker: in fd mode the socket itself goes over SCM_RIGHTS with
 * every byte read so far, and our copy is closed without shutdown() so the connection lives on in
 * the worker alone (wcf-port-sharing notes §2.4; architecture "Hand-off by SCM_RIGHTS"). In proxy mode
 * the same header and bytes open a stream to the worker and the daemon pipes both ways.
 */
export async function dispatch(
  reg: Registration,
  socket: Socket,
  header: HandoffHeader,
  bytes: Buffer,
  ctx: DispatchContext,
): Promise<DispatchOutcome> {
  if (reg.closed) {
    socket.destroy();
    return 'closed';
  }
  // SMSvcHost aborts, without a fault, a session that finds its registration's queue full (§2.4).
  if (reg.queueLength >= ctx.maxQueueLength) {
    socket.destroy();
    return 'queue-full';
  }
  reg.queueLength++;
  try {
    if (reg.transport === 'fd') await handOffFd(reg, socket, header, bytes);
    else await handOffProxy(reg, socket, header, bytes);
    reg.dispatched++;
    return 'dispatched';
  } catch (err) {
    if (isClientSideError(err)) {
      // The client's socket went bad (closed or reset under us): that connection is lost, the
      // worker is not at fault and keeps its registration.
      ctx.log.debug({ err, registration: reg.id }, 'client socket unusable at hand-off');
      socket.destroy();
      return 'failed';
    }
    ctx.log.warn({ err, registration: reg.id, uri: reg.uri }, 'hand-off failed; unregistering the worker');
    ctx.onWorkerFailed(reg, err as Error);
    if (!socket.destroyed) void sendFault(socket, FaultUri.ConnectionDispatchFailed, ctx.faults);
    return 'failed';
  } finally {
    reg.queueLength--;
  }
}

/** EBADF: the descriptor being passed, the client's socket, is the one that failed. */
function isClientSideError(err: unknown): boolean {
  return (err as { errno?: string }).errno === 'EBADF';
}

async function handOffFd(reg: Registration, socket: Socket, header: HandoffHeader, bytes: Buffer): Promise<void> {
  const sender = reg.sender;
  if (!sender || sender.closed) throw new Error('the worker hand-off socket is closed');
  if (socket.destroyed) throw Object.assign(new Error('the client socket is closed'), { errno: 'EBADF' });
  const fd = socketFd(socket);
  await sender.send(fd, encodeHandoffPayload(header, bytes));
  // The worker holds its own descriptor now. Closing ours (close(), never shutdown()) leaves the
  // connection open; the daemon keeps nothing of it.
  socket.destroy();
}

function handOffProxy(reg: Registration, socket: Socket, header: HandoffHeader, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const upstream = connect(reg.path);
    upstream.setNoDelay(true);
    upstream.once('error', reject);
    upstream.once('connect', () => {
      upstream.off('error', reject);
      // The worker's end of this stream is not the client's socket: tell it who the client is.
      upstream.write(encodeProxyPreface({ ...header, remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0 }, bytes));
      const abort = (): void => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', abort);
      upstream.on('error', abort);
      socket.pipe(upstream);
      upstream.pipe(socket);
      resumeReading(socket);
      resolve();
    });
  });
}
