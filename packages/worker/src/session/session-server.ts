/**
 * The server side of net.tcp sessions: give it each connected socket (accepted directly, or handed
 * over by the sharing service with the bytes it had read pushed back into the socket) and it runs
 * the [MC-NMF] preamble from byte 0, answers with PreambleAck or a fault, and emits a
 * {@link ServerSession} per session.
 *
 * @module
 */

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { SessionError, SessionErrorCodes } from './errors.js';
import { type ConnectionHost, ServerConnection } from './server-connection.js';
import { type ResolvedServerOptions, resolveServerOptions, type SessionServerOptions } from './server-options.js';
import { resolveServerSecurity, type ServerSecurityOptions } from './transport-security.js';
import type { ServerSession } from './server-session.js';

/** Events of a {@link SessionServer}. */
export interface SessionServerEvents<Context = undefined> {
  /**
   * A preamble was acknowledged; read the session's messages and close it when done. `accepted`
   * is the socket given to handle() (session.socket is the TLS socket on a secured connection),
   * `context` what was given with it.
   */
  session: [session: ServerSession, accepted: Socket, context: Context];
  /**
   * Something went wrong on one connection (a fault was sent, a timeout, a protocol violation, a
   * reset). Informational: the connection has been dealt with. The server never emits 'error'
   * for a single connection's problem.
   */
  connectionError: [error: SessionError, socket: Socket];
}

/**
 * Runs net.tcp sessions on the sockets given to {@link SessionServer.handle}. `Context` is what
 * the caller knows of each connection (NetTcpServer: the listener's ConnectionInfo); it comes back
 * with the connection's sessions and reused-via checks.
 */
export class SessionServer<Context = undefined> extends EventEmitter<SessionServerEvents<Context>> {
  #options: ResolvedServerOptions<Context>;
  readonly #connections = new Set<ServerConnection<Context>>();
  // Session slots (maxConcurrentSessions) are counted here and nowhere else: the limit is the
  // server's, shared by all its connections, and only the server sees them all and the order in
  // which they queued. A connection asks for a slot once its preamble is complete (acquireSlot)
  // and gives it, or its place in the queue, back when it leaves the state that needed it
  // (releaseSlot, from ServerConnection's one transition method). Both are kept as sets of
  // connections rather than a count, so a give-back names the connection it is for and cannot
  // count twice.
  // Connections whose session holds a slot.
  readonly #holding = new Set<ServerConnection<Context>>();
  // Connections whose preamble is complete, waiting for a session slot, oldest first.
  readonly #waiting = new Set<ServerConnection<Context>>();
  #closing = false;
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;
  readonly #host: ConnectionHost<Context>;

  constructor(options: SessionServerOptions<Context>) {
    super();
    this.#options = resolveServerOptions(options);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the host object is this server's private face
    const server = this;
    this.#host = {
      get options() {
        return server.#options;
      },
      get closing() {
        return server.#closing;
      },
      acquireSlot: (connection) => {
        if (this.#holding.size < this.#options.maxConcurrentSessions && this.#waiting.size === 0) {
          this.#holding.add(connection);
          return true;
        }
        this.#waiting.add(connection);
        return false;
      },
      releaseSlot: (connection) => {
        if (this.#waiting.delete(connection) || !this.#holding.delete(connection) || this.#closing) return;
        // The freed slot goes to the connection that has waited longest.
        const next = this.#waiting.values().next();
        if (next.done) return;
        this.#waiting.delete(next.value);
        this.#holding.add(next.value);
        next.value.grantSlot();
      },
      sessionOpened: (session, accepted, context) => {
        this.emit('session', session, accepted, context);
      },
      connectionError: (error, socket) => {
        this.emit('connectionError', error, socket);
      },
      connectionClosed: (connection) => {
        this.#connections.delete(connection);
        if (this.#closing && this.#connections.size === 0) this.#resolveClosed?.();
      },
    };
  }

  /** Sessions acknowledged and not yet ended. */
  get activeSessions(): number {
    return this.#holding.size;
  }

  /** Connections being served (in a preamble, a session, or between pooled sessions). */
  get connections(): number {
    return this.#connections.size;
  }

  /**
   * Replaces the transport security of connections accepted from now on: a renewed certificate,
   * other TLS settings, or security turned on or off (`undefined`). Connections already accepted
   * keep what they started with. The new credential is loaded first: a bad one throws
   * SESSION_ERR_INVALID_OPTION and changes nothing.
   */
  setSecurity(security: ServerSecurityOptions | undefined): void {
    this.#options = { ...this.#options, security: resolveServerSecurity(security) };
  }

  /** Takes over a connected socket and reads its preamble from byte 0; `context` comes back with its sessions. */
  handle(socket: Socket, ...[context]: Context extends undefined ? [context?: Context] : [context: Context]): void {
    if (this.#closing) {
      this.emit(
        'connectionError',
        new SessionError(
          SessionErrorCodes.SERVER_CLOSED,
          'The session server is closed, so the connection was closed unread. Give connections to a server that is running.',
        ),
        socket,
      );
      socket.destroy();
      return;
    }
    try {
      // Envelope exchanges are request/response: Nagle's delay would add up to 40 ms per message.
      socket.setNoDelay(true);
    } catch {
      // A socket without a TCP handle (a test double or a pipe) has no Nagle to turn off.
    }
    const connection = new ServerConnection(this.#host, socket, context as Context);
    this.#connections.add(connection);
    connection.start();
  }

  /**
   * Stops the server: connections without a session are closed at once; each open session is
   * closed with an End exchange (bounded by closeTimeoutMs) and its connection closed after it.
   * Resolves when every connection is closed.
   */
  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.#closing = true;
    this.#closed = new Promise<void>((resolve) => {
      this.#resolveClosed = resolve;
    });
    // Waiting connections leave the queue as their sockets close; no slot is granted meanwhile.
    for (const connection of [...this.#connections]) connection.shutdown();
    if (this.#connections.size === 0) this.#resolveClosed?.();
    return this.#closed;
  }
}
