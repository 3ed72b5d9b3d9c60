import { chmodSync, closeSync, unlinkSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { decodeHandoffPayload } from '@portshare/control';
import { HandoffReceiver, isSupported, listenStream, type HandoffError } from '@portshare/handoff';
import { handedOffConnectionInfo, type ConnectionInfo } from './connection-info.js';
import { WorkerError, WorkerErrorCodes } from './errors.js';

export interface ConnectionReceiver {
  readonly path: string;
  readonly transport: 'fd' | 'proxy';
  /** File mode of the socket. */
  readonly mode: number;
  /**
   * Only these processes (the sharing service, from its hello; during a takeover, the daemon
   * handing over and the one taking over) may hand connections over from now on; others are
   * refused when they connect, with a warning. In fd mode a sender connects once, at
   * registration, and stays: only the last pid is checked at connect, and the previous daemon's
   * sender, connected already, goes on. In proxy mode each connection connects, so all are
   * checked; this needs the hand-off addon to read the peer's credentials (without it every peer
   * is taken).
   */
  allowSenders(pids: readonly number[]): void;
  close(): void;
}

type OnConnection = (socket: Socket, info: ConnectionInfo) => void;
type OnError = (err: WorkerError) => void;

/**
 * fd mode: the daemon passes each accepted socket over SCM_RIGHTS. The fd becomes an ordinary
 * net.Socket, and the bytes the daemon already read are put back in front of its stream, so the
 * session code reads the preamble from byte 0 as if it had accepted the connection itself
 * (WCF's PreReadConnection, docs/protocol.md §5).
 *
 * Every received descriptor ends owned by a socket or closed, and nothing thrown here reaches the
 * addon: the receiver refuses (and closes) anything but a connected stream socket before this code
 * sees it (`streamSocketsOnly`), and what can still throw — `new Socket` itself, a 'connection'
 * listener — is caught and turned into a warning with the descriptor or socket closed.
 */
export function listenFd(path: string, mode: number, onConnection: OnConnection, onError: OnError): ConnectionReceiver {
  const receiver = HandoffReceiver.listen(
    path,
    {
      onMessage(fd: number, payload: Buffer) {
        let decoded;
        try {
          decoded = decodeHandoffPayload(payload);
        } catch (err) {
          closeFd(fd);
          onError(new WorkerError(WorkerErrorCodes.BadHandoff, `Dropped a hand-off: ${(err as Error).message}`, { cause: err }));
          return;
        }
        let socket: Socket;
        try {
          socket = new Socket({ fd, readable: true, writable: true });
        } catch (err) {
          // Node refuses descriptors it cannot carry a stream on (ERR_INVALID_FD_TYPE) before it
          // takes them: the descriptor is still ours to close.
          closeFd(fd);
          onError(
            new WorkerError(
              WorkerErrorCodes.BadHandoff,
              `Dropped a hand-off: its descriptor could not become a socket (${(err as Error).message}); it was closed.`,
              { cause: err },
            ),
          );
          return;
        }
        if (decoded.preRead.length > 0) socket.unshift(decoded.preRead);
        deliver(socket, handedOffConnectionInfo(socket, decoded.header, 'fd'), onConnection, onError);
      },
      onError(err: HandoffError) {
        onError(new WorkerError(WorkerErrorCodes.BadHandoff, `Hand-off socket error: ${err.message}`, { cause: err }));
      },
    },
    { mode, streamSocketsOnly: true },
  );
  return {
    path,
    transport: 'fd',
    mode,
    allowSenders: (pids) => void receiver.allowOnlySender(pids.at(-1)),
    close: () => receiver.close(),
  };
}

/** Closes a received descriptor that no socket took; works for any kind of descriptor. */
function closeFd(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* EBADF: already closed; nothing else to do */
  }
}

/**
 * Hands a connection to the listener. A 'connection' listener that throws has not finished taking
 * the socket, and nobody else will close it: the socket is destroyed and the exception reported as
 * a warning instead of reaching the addon (fd mode) or the stream's 'data' handler (proxy mode).
 */
function deliver(socket: Socket, info: ConnectionInfo, onConnection: OnConnection, onError: OnError): void {
  try {
    onConnection(socket, info);
  } catch (err) {
    socket.destroy();
    onError(
      new WorkerError(
        WorkerErrorCodes.BadHandoff,
        `A 'connection' listener threw (${err instanceof Error ? err.message : String(err)}); the connection it was given was closed.`,
        { cause: err },
      ),
    );
  }
}

/** Proxy mode: the daemon opens a stream per connection, writes a length-prefixed header and the pre-read bytes, then pipes. */
export function listenProxy(path: string, mode: number, onConnection: OnConnection, onError: OnError): Promise<ConnectionReceiver> {
  let allowed: readonly number[] | undefined;
  const take = (socket: Socket, pid: number | undefined): void => {
    if (allowed === undefined || (pid !== undefined && allowed.includes(pid))) {
      readPreface(socket, onConnection, onError);
      return;
    }
    socket.destroy();
    onError(
      new WorkerError(
        WorkerErrorCodes.BadHandoff,
        `Refused a connection to the hand-off socket ${path} from pid ${pid ?? 'unknown'}: only the sharing service (pid ${allowed.join(', ')}) hands connections over.`,
      ),
    );
  };
  const receiver = (close: () => void): ConnectionReceiver => ({
    path,
    transport: 'proxy',
    mode,
    allowSenders: (pids) => {
      allowed = [...pids];
    },
    close: () => {
      close();
      try {
        unlinkSync(path);
      } catch {
        /* gone */
      }
    },
  });
  if (isSupported()) {
    // The addon reads each peer's credentials (SO_PEERCRED) on the accepted descriptor.
    try {
      const server = listenStream(path, { mode }, (socket, creds) => take(socket, creds.pid), (err) =>
        onError(new WorkerError(WorkerErrorCodes.BadHandoff, `Hand-off socket error: ${(err as Error).message}`, { cause: err })),
      );
      server.ref(false);
      return Promise.resolve(receiver(() => server.close()));
    } catch (err) {
      return Promise.reject(err);
    }
  }
  // Without the addon the peer's credentials cannot be read: every peer is taken.
  try {
    unlinkSync(path);
  } catch {
    /* none */
  }
  const server: Server = createServer((socket) => take(socket, undefined));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      chmodSync(path, mode);
      server.unref();
      resolve(receiver(() => server.close()));
    });
  });
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
    deliver(socket, handedOffConnectionInfo(socket, decoded.header, 'proxy'), onConnection, onError);
  };
  socket.on('data', onData);
  socket.on('error', () => {});
}
