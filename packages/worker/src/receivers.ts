import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { decodeHandoffPayload, type HandoffHeader } from '@portshare/control';
import { HandoffReceiver, isSupported, peerCredentials, socketFd, type HandoffError } from '@portshare/handoff';
import { WorkerError, WorkerErrorCodes } from './errors.js';

/** What the worker learns about a connection the daemon handed over. */
export interface HandedOffConnection {
  socket: Socket;
  header: HandoffHeader;
}

export interface ConnectionReceiver {
  readonly path: string;
  readonly transport: 'fd' | 'proxy';
  /** File mode of the socket. */
  readonly mode: number;
  /**
   * Only the process `pid` (the sharing service, from its hello) may hand connections over from
   * now on; others are refused when they connect, with a warning. In proxy mode this needs the
   * hand-off addon to read the peer's credentials; without it every peer is taken.
   */
  allowOnlySender(pid: number): void;
  close(): void;
}

type OnConnection = (conn: HandedOffConnection) => void;
type OnError = (err: WorkerError) => void;

/**
 * fd mode: the daemon passes each accepted socket over SCM_RIGHTS. The fd becomes an ordinary
 * net.Socket, and the bytes the daemon already read are put back in front of its stream, so the
 * session code reads the preamble from byte 0 as if it had accepted the connection itself
 * (WCF's PreReadConnection, wcf-port-sharing notes §2.4).
 */
export function listenFd(path: string, mode: number, onConnection: OnConnection, onError: OnError): ConnectionReceiver {
  const receiver = HandoffReceiver.listen(path, {
    onMessage(fd: number, payload: Buffer) {
      let decoded;
      try {
        decoded = decodeHandoffPayload(payload);
      } catch (err) {
        closeFd(fd);
        onError(new WorkerError(WorkerErrorCodes.BadHandoff, `Dropped a hand-off: ${(err as Error).message}`, { cause: err }));
        return;
      }
      const socket = new Socket({ fd, readable: true, writable: true });
      if (decoded.preRead.length > 0) socket.unshift(decoded.preRead);
      onConnection({ socket, header: decoded.header });
    },
    onError(err: HandoffError) {
      onError(new WorkerError(WorkerErrorCodes.BadHandoff, `Hand-off socket error: ${err.message}`, { cause: err }));
    },
  }, { mode });
  return {
    path,
    transport: 'fd',
    mode,
    allowOnlySender: (pid) => void receiver.allowOnlySender(pid),
    close: () => receiver.close(),
  };
}

function closeFd(fd: number): void {
  try {
    new Socket({ fd }).destroy();
  } catch {
    /* not a socket we can wrap; nothing else to do */
  }
}

/** Proxy mode: the daemon opens a stream per connection, writes a length-prefixed header and the pre-read bytes, then pipes. */
export function listenProxy(path: string, mode: number, onConnection: OnConnection, onError: OnError): Promise<ConnectionReceiver> {
  try {
    unlinkSync(path);
  } catch {
    /* none */
  }
  let allowed: number | undefined;
  const server: Server = createServer((socket) => {
    // Without the addon the peer's credentials cannot be read: every peer is taken.
    const pid = allowed !== undefined && isSupported() ? peerPid(socket) : allowed;
    if (pid === allowed) {
      readPreface(socket, onConnection, onError);
      return;
    }
    socket.destroy();
    onError(
      new WorkerError(
        WorkerErrorCodes.BadHandoff,
        `Refused a connection to the hand-off socket ${path} from pid ${pid ?? 'unknown'}: only the sharing service (pid ${allowed}) hands connections over.`,
      ),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      chmodSync(path, mode);
      server.unref();
      resolve({
        path,
        transport: 'proxy',
        mode,
        allowOnlySender: (pid) => {
          allowed = pid;
        },
        close: () => {
          server.close();
          try {
            unlinkSync(path);
          } catch {
            /* gone */
          }
        },
      });
    });
  });
}

/** The pid of a Unix-socket peer (SO_PEERCRED); undefined when it cannot be read. */
function peerPid(socket: Socket): number | undefined {
  try {
    return peerCredentials(socketFd(socket)).pid;
  } catch {
    return undefined;
  }
}

/** The preface is at most a few KiB (header ≤ 8 KiB + via-bounded bytes); anything larger is not the daemon. */
const MAX_PREFACE_BYTES = 1 << 20;

function readPreface(socket: Socket, onConnection: OnConnection, onError: OnError): void {
  let buffered: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    if (buffered.length < 4) return;
    const len = buffered.readUInt32BE(0);
    if (len > MAX_PREFACE_BYTES) {
      socket.destroy();
      onError(new WorkerError(WorkerErrorCodes.BadHandoff, `Dropped a proxied connection: preface of ${len} bytes.`));
      return;
    }
    if (buffered.length < 4 + len) return;
    socket.off('data', onData);
    socket.pause();
    let decoded;
    try {
      decoded = decodeHandoffPayload(buffered.subarray(4, 4 + len));
    } catch (err) {
      socket.destroy();
      onError(new WorkerError(WorkerErrorCodes.BadHandoff, `Dropped a proxied connection: ${(err as Error).message}`, { cause: err }));
      return;
    }
    const rest = buffered.subarray(4 + len);
    const replay = rest.length > 0 ? Buffer.concat([decoded.preRead, rest]) : decoded.preRead;
    if (replay.length > 0) socket.unshift(replay);
    onConnection({ socket, header: decoded.header });
  };
  socket.on('data', onData);
  socket.on('error', () => {});
}
