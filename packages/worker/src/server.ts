import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { ConnectionInfo } from './connection-info.js';
import { NetTcpListener, type NetTcpListenerOptions } from './listener.js';
import { SessionServer, type SessionServerOptions, type ServerSession, type SessionError } from './session/index.js';

export interface NetTcpServerOptions
  extends NetTcpListenerOptions,
    Omit<SessionServerOptions<ConnectionInfo>, 'acceptVia' | 'validateReusedVia'> {}

export interface NetTcpServerEvents {
  session: [session: ServerSession, info: ConnectionInfo];
  connectionError: [error: SessionError, socket: Socket];
  registered: [registrationId: number];
  unregistered: [];
  /** A server with onConflict 'replace' took this one's URI (see NetTcpListener 'superseded'). */
  superseded: [];
  warning: [error: Error];
}

/**
 * The whole worker side of net.tcp in one object: a listener (shared through the portshare service,
 * or alone) feeding a session server. Sessions are emitted once their preamble is acknowledged;
 * hand each to a message layer (e.g. @portshare/soap's dispatcher) or read its envelopes directly.
 */
export class NetTcpServer extends EventEmitter<NetTcpServerEvents> {
  readonly listener: NetTcpListener;
  readonly sessions: SessionServer<ConnectionInfo>;

  private constructor(listener: NetTcpListener, options: NetTcpServerOptions) {
    super();
    this.listener = listener;
    this.sessions = new SessionServer<ConnectionInfo>({
      ...options,
      acceptVia: (via) => listener.base.matches(via),
      // A later preamble on a pooled connection must still route here (WCF's ValidateUriRoute).
      validateReusedVia: (via, _socket, info) => listener.validateVia(via.uri, info.localAddress, info.localPort),
    });
    listener.on('connection', (socket, info) => this.sessions.handle(socket, info));
    this.sessions.on('session', (session, _accepted, info) => this.emit('session', session, info));
    this.sessions.on('connectionError', (err, socket) => this.emit('connectionError', err, socket));
    listener.on('registered', (id) => this.emit('registered', id));
    listener.on('unregistered', () => this.emit('unregistered'));
    listener.on('superseded', () => this.emit('superseded'));
    listener.on('warning', (err) => this.emit('warning', err));
  }

  static async listen(options: NetTcpServerOptions): Promise<NetTcpServer> {
    const listener = await NetTcpListener.listen(options);
    return new NetTcpServer(listener, options);
  }

  /** Replaces the transport security of connections accepted from now on (see SessionServer.setSecurity). */
  setSecurity(security: NetTcpServerOptions['security']): void {
    this.sessions.setSecurity(security);
  }

  /** Stops listening (unregistering at once), then closes the sessions with End exchanges. */
  async close(): Promise<void> {
    await this.listener.close();
    await this.sessions.close();
  }
}

