/**
 * A Unix stream socket server whose connections arrive with their peer's credentials, as Node
 * sockets. Node's `net.Server` gives no public way to read SO_PEERCRED of an accepted connection;
 * here the front gate accepts (so the descriptor is known), the credentials are read, and only
 * then does the descriptor become a `net.Socket`.
 *
 * @module
 */
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { type PeerCredentials, peerCredentials } from './credentials.js';
import { HandoffError, HandoffErrorCodes } from './errors.js';
import { FrontGate } from './gate.js';

/** How many connections one accept budget covers; the gate is re-armed after each batch. */
const ACCEPT_ALL = 0x7fffffff;

export interface StreamServerOptions {
  /** File mode of the socket, set before it listens. */
  mode: number;
  backlog?: number;
  /**
   * A listening Unix stream socket to serve instead of binding `path`: one a previous daemon
   * passed over (its file is already at `path`; `mode` and `backlog` are then not applied).
   */
  fd?: number;
}

/** A listening Unix stream socket; see {@link listenStream}. */
export interface StreamServer {
  readonly path: string;
  /** The listening socket's descriptor (owned by the server: closed by {@link close}). */
  readonly fd: number;
  /** Stops listening and closes the socket (the file is left for the caller to remove). */
  close(): void;
  /** Whether the listening socket keeps the process alive (it does by default). */
  ref(on: boolean): void;
  /**
   * Stops taking connections (false) or takes them again (true, the default). While paused,
   * connections wait in the socket's backlog: another process holding the same listening socket
   * may take them.
   */
  accepting(on: boolean): void;
}

/**
 * Listens on `path` (a stale socket file there is replaced) and calls `onConnection` with each
 * accepted connection as a `net.Socket` and its peer's credentials (SO_PEERCRED, socket(7)). A
 * connection whose credentials cannot be read, or which cannot become a socket, is closed and
 * reported to `onError`, as is anything `onConnection` throws (the socket is then destroyed).
 *
 * @throws HandoffError `HANDOFF_ERR_LISTEN` (with errno), `HANDOFF_ERR_UNSUPPORTED` without the addon.
 */
export function listenStream(
  path: string,
  options: StreamServerOptions,
  onConnection: (socket: Socket, creds: PeerCredentials) => void,
  onError: (err: unknown) => void = () => {},
): StreamServer {
  const gate: FrontGate = FrontGate.open(
    {
      accepted(_listener, fds) {
        for (const fd of fds) adopt(fd);
        if (on) gate.accept(ACCEPT_ALL);
      },
      blocked() {},
      data() {},
      end() {},
      closed() {},
      descriptorsExhausted() {},
      proxyEnded() {},
      failed: onError,
    },
    { reserveDescriptors: 1 },
  );
  const adopt = (fd: number): void => {
    let creds: PeerCredentials;
    let socket: Socket;
    try {
      creds = peerCredentials(fd);
      socket = new Socket({ fd, readable: true, writable: true });
    } catch (err) {
      closeSync(fd);
      onError(err);
      return;
    }
    try {
      onConnection(socket, creds);
    } catch (err) {
      socket.destroy();
      onError(err);
    }
  };
  let fd: number;
  try {
    if (options.fd === undefined) fd = gate.listenUnix(path, options.mode, options.backlog ?? 511).fd;
    else {
      const adopted = gate.adopt(options.fd);
      if (adopted.family !== 0) {
        gate.unlisten(options.fd);
        throw new HandoffError(HandoffErrorCodes.LISTEN, `Descriptor ${options.fd} is not a listening Unix stream socket.`, { errno: 'EINVAL' });
      }
      fd = options.fd;
    }
  } catch (err) {
    gate.shutdown();
    throw err;
  }
  let on = true;
  gate.accept(ACCEPT_ALL);
  return {
    path,
    fd,
    close: () => gate.shutdown(),
    ref: (r) => gate.ref(r),
    accepting: (next) => {
      if (next === on) return;
      on = next;
      gate.accept(next ? ACCEPT_ALL : 0);
    },
  };
}
