import { dirname, join } from 'node:path';
import type { Socket } from 'node:net';
import {
  ControlError,
  ControlErrorCodes,
  LineDecoder,
  type ControlErrorCode,
  encodeLine,
  prepareFolder,
  prepareStickyFolder,
  removeStaleSocket,
  type ControlNotice,
  type ControlRequest,
  type WireRequest,
} from '@portshare/control';
import { listenStream, type PeerCredentials, type StreamServer } from '@portshare/handoff';
import type { Logger } from 'pino';
import { logConnectionEvent } from './connection-log.js';

/** One client of the control socket: a worker (holding registrations) or the CLI. */
export interface ControlPeer {
  readonly id: number;
  readonly creds: PeerCredentials | undefined;
  readonly socket: Socket;
  /** Registration ids this connection holds; they end when it closes. */
  readonly registrations: Set<number>;
  destroy(): void;
}

export interface ControlHandler {
  handle(peer: ControlPeer, request: ControlRequest): Promise<unknown> | unknown;
  onPeerClosed(peer: ControlPeer): void;
}

export interface ControlServerOptions {
  path: string;
  maxMessageBytes: number;
  maxConnections: number;
  /** Connections at once from peers not on the allow list (they can only be refused). */
  maxUnlistedConnections: number;
  /** Connections at once from one uid, administrators excepted. */
  maxConnectionsPerUser: number;
  /** Of maxConnections, how many only administrators may use. */
  reservedConnections: number;
  /** A connection that holds no registration and sends no request for this long is closed; 0: never. */
  idleTimeoutMs: number;
  /** Is this peer on the allow list? */
  isAllowed(creds: PeerCredentials | undefined): boolean;
  /** Is this peer root or the daemon's own user? */
  isAdministrator(creds: PeerCredentials | undefined): boolean;
  /** A connection's requests read but not yet answered; past it, reading pauses until answers drain. */
  maxRequestsInFlight: number;
  /** File mode of the socket. */
  mode: number;
  /**
   * The listening socket a previous daemon passed in a takeover, or the service manager passed
   * (socket activation), served instead of binding `path`.
   */
  fd?: number | undefined;
  log: Logger;
}

/** How long a refused connection waits for its peer to read the reason and close. */
const REFUSED_LINGER_MS = 1000;

const OPS = new Set(['hello', 'register', 'unregister', 'validate', 'status', 'pause', 'resume', 'stop', 'takeover', 'handover', 'release']);

/**
 * The control socket (a Unix stream socket, JSON lines; see @portshare/control). Each connection's
 * peer is identified by the kernel (SO_PEERCRED), read on the accepted descriptor before it
 * becomes a socket (@portshare/handoff's listenStream).
 */
export class ControlServer {
  #server: StreamServer | undefined;
  readonly #peers = new Set<ControlPeer>();
  #unlisted = 0;
  /** Connections of peers other than administrators, in all and per uid. */
  #others = 0;
  readonly #perUid = new Map<number, number>();
  /** Refused connections waiting for their peer to close (see #turnAway). */
  readonly #lingering = new Set<Socket>();
  readonly #options: ControlServerOptions;
  readonly #handler: ControlHandler;
  #nextId = 1;

  constructor(options: ControlServerOptions, handler: ControlHandler) {
    this.#options = options;
    this.#handler = handler;
  }

  listen(): Promise<void> {
    const { path, mode, fd } = this.#options;
    // The run folder is this account's alone (prepareFolder: no link, nobody else may write), so
    // acting by path inside it below cannot be redirected.
    prepareFolder(dirname(path), { mode: 0o755 });
    // Workers of any allowed user make their hand-off folders here: world-writable and sticky,
    // like /tmp. Created and chmodded through a descriptor, never through a path that may be a link.
    prepareStickyFolder(join(dirname(path), 'workers'));
    // A socket passed by a daemon handing over (takeover.ts) or by the service manager is served
    // as it is, its file left in place; otherwise one left by a daemon that died is replaced (the
    // caller checked none answers).
    if (fd === undefined) removeStaleSocket(path);
    this.#server = listenStream(path, fd === undefined ? { mode } : { mode, fd }, (socket, creds) => this.#onConnection(socket, creds), (err) =>
      this.#options.log.warn({ err }, 'a control connection could not be taken'),
    );
    return Promise.resolve();
  }

  get peerCount(): number {
    return this.#peers.size;
  }

  /** The listening socket's descriptor (passed to a daemon taking over), once listening. */
  get listeningFd(): number | undefined {
    return this.#server?.fd;
  }

  /**
   * Stops taking new control connections (they wait in the backlog, for a daemon taking over) or
   * takes them again. Connections already open go on.
   */
  accepting(on: boolean): void {
    this.#server?.accepting(on);
  }

  /**
   * Closes this process's listening socket and keeps the connections open: after a takeover the
   * new daemon holds the socket, and the workers' connections here live until this daemon exits.
   */
  closeListener(): void {
    this.#server?.close();
    this.#server = undefined;
  }

  /** Sends a notice line (ControlNotice) to every open connection `to` selects. */
  notify(notice: ControlNotice, to: (peer: ControlPeer) => boolean): number {
    let sent = 0;
    for (const peer of this.#peers) {
      if (peer.socket.destroyed || peer.socket.writableEnded || !to(peer)) continue;
      peer.socket.write(encodeLine(notice));
      sent++;
    }
    return sent;
  }

  close(): Promise<void> {
    for (const peer of this.#peers) peer.destroy();
    for (const socket of this.#lingering) socket.destroy();
    this.#server?.close();
    this.#server = undefined;
    return Promise.resolve();
  }

  #onConnection(socket: Socket, creds: PeerCredentials): void {
    const log = this.#options.log;
    const admin = this.#options.isAdministrator(creds);
    const allowed = admin || this.#options.isAllowed(creds);
    const refusal = this.#admission(creds, admin, allowed);
    if (refusal !== undefined) {
      // Any local account can cause these as fast as it connects: rate-limited like connection lines.
      logConnectionEvent(log, 'warn', { uid: creds?.uid, peerPid: creds?.pid, reason: refusal.message }, `control connection refused: ${refusal.code}`);
      this.#turnAway(socket, refusal.code, refusal.message);
      return;
    }
    const uid = admin ? undefined : creds?.uid;
    if (!allowed) this.#unlisted++;
    if (uid !== undefined) {
      this.#others++;
      this.#perUid.set(uid, (this.#perUid.get(uid) ?? 0) + 1);
    }
    const peer: ControlPeer = {
      id: this.#nextId++,
      creds,
      socket,
      registrations: new Set(),
      destroy: () => socket.destroy(),
    };
    this.#peers.add(peer);
    const decoder = new LineDecoder(this.#options.maxMessageBytes);
    // Requests on one connection are answered in order. A peer that sends requests without reading
    // the answers is paused once maxRequestsInFlight wait or the answers back up in the socket, so
    // it cannot make the daemon buffer without bound.
    let chain: Promise<void> = Promise.resolve();
    let inFlight = 0;
    const limit = this.#options.maxRequestsInFlight;
    const maybeResume = (): void => {
      if (socket.isPaused() && inFlight < limit && socket.writableLength < this.#options.maxMessageBytes * 4) socket.resume();
    };
    // A connection that neither asks nor holds a registration only takes a slot that workers and
    // administrators need: closed after controlIdleTimeoutMs. A registration is the connection's
    // purpose (it ends when the connection closes, docs/protocol.md §7), so holding one is never
    // idle; neither is waiting for answers. One timer per connection, restarted by each request.
    const idleMs = this.#options.idleTimeoutMs;
    const onIdle = (): void => {
      if (peer.registrations.size > 0 || inFlight > 0) {
        idleTimer?.refresh();
        return;
      }
      const message =
        `The portshare service closed this control connection: it sent no request and held no registration for ` +
        `controlIdleTimeoutMs (${idleMs} ms). Connect again when there is a request to make.`;
      logConnectionEvent(log, 'info', { peer: peer.id, uid: creds?.uid, peerPid: creds?.pid }, 'control connection closed: idle');
      refuse(socket, ControlErrorCodes.IdleTimeout, message);
    };
    const idleTimer = idleMs > 0 ? setTimeout(onIdle, idleMs).unref() : undefined;
    socket.on('drain', maybeResume);
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk, (msg) => {
          inFlight++;
          idleTimer?.refresh();
          chain = chain.then(async () => {
            await this.#answer(peer, msg);
            inFlight--;
            maybeResume();
          });
        });
        if (inFlight >= limit || socket.writableNeedDrain) socket.pause();
      } catch (err) {
        // Oversized or non-JSON: say why, then drop the connection (and its registrations).
        const e = err as ControlError;
        log.warn({ peer: peer.id, code: e.code }, e.message);
        refuse(socket, e.code, e.message);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(idleTimer);
      this.#peers.delete(peer);
      if (!allowed) this.#unlisted--;
      if (uid !== undefined) {
        this.#others--;
        const left = (this.#perUid.get(uid) ?? 1) - 1;
        if (left === 0) this.#perUid.delete(uid);
        else this.#perUid.set(uid, left);
      }
      this.#handler.onPeerClosed(peer);
    });
  }

  /**
   * Refuses a connection at accept with its reason, then lingers until the peer closes (at most
   * REFUSED_LINGER_MS), discarding what it sends. Closing at once would lose the reason: the
   * client's first request, written just after connect, would then fail with EPIPE, or the close
   * would reset the connection (unix(7): a socket closed with unread data resets its peer), and
   * the client would see a bare close instead of the line (it treats EOF as the end). At most
   * maxConnections refused sockets linger; past that they are closed once the line is written.
   */
  #turnAway(socket: Socket, code: ControlErrorCode, message: string): void {
    socket.on('error', () => {});
    socket.end(encodeLine({ id: 0, ok: false, error: { code, message } }));
    if (this.#lingering.size >= this.#options.maxConnections) {
      socket.destroySoon();
      return;
    }
    this.#lingering.add(socket);
    const timer = setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
    socket.once('close', () => {
      this.#lingering.delete(socket);
      clearTimeout(timer);
    });
    socket.resume(); // flowing with no 'data' listener: what the peer sends is dropped
  }

  /**
   * Whether a new connection may stay, checked before it can send anything. Administrators (root
   * and the daemon's own user) are held to maxConnections alone: the last reservedConnections are
   * theirs, so other accounts filling the socket cannot lock out `portshare status`/`stop` or root's
   * workers. Every other account has maxConnectionsPerUser, and accounts not on the allow list
   * share maxUnlistedConnections.
   */
  #admission(creds: PeerCredentials | undefined, admin: boolean, allowed: boolean): { code: ControlErrorCode; message: string } | undefined {
    const o = this.#options;
    if (this.#peers.size >= o.maxConnections) {
      return {
        code: ControlErrorCodes.TooManyConnections,
        message:
          `The portshare service has maxControlConnections (${o.maxConnections}) control connections open; this one is closed. ` +
          `Retry later, or ask an administrator to raise maxControlConnections.`,
      };
    }
    if (admin || creds === undefined) return undefined;
    if (!allowed && this.#unlisted >= o.maxUnlistedConnections) {
      // Strangers may not crowd out the workers and administrators the daemon serves.
      return {
        code: ControlErrorCodes.AccessDenied,
        message: 'Too many connections from accounts not on the allowAccounts list; this one is closed.',
      };
    }
    if ((this.#perUid.get(creds.uid) ?? 0) >= o.maxConnectionsPerUser) {
      return {
        code: ControlErrorCodes.TooManyConnections,
        message:
          `uid ${creds.uid} already has maxControlConnectionsPerUser (${o.maxConnectionsPerUser}) control connections open to the portshare service; ` +
          `this one is closed. Close some (a worker process needs one), or ask an administrator to raise maxControlConnectionsPerUser.`,
      };
    }
    if (this.#others >= o.maxConnections - o.reservedConnections) {
      return {
        code: ControlErrorCodes.TooManyConnections,
        message:
          `The portshare service has all its control connections open but the reservedControlConnections (${o.reservedConnections}) ` +
          `of maxControlConnections (${o.maxConnections}) kept for root and its own user; this one is closed. ` +
          `Retry later, or ask an administrator to raise maxControlConnections.`,
      };
    }
    return undefined;
  }

  async #answer(peer: ControlPeer, msg: unknown): Promise<void> {
    if (peer.socket.destroyed || peer.socket.writableEnded) return; // closed, or being closed with a reason
    const id = typeof (msg as WireRequest)?.id === 'number' ? (msg as WireRequest).id : 0;
    try {
      if (typeof msg !== 'object' || msg === null || !OPS.has((msg as { op?: unknown }).op as string)) {
        throw new ControlError(ControlErrorCodes.InvalidArgument, 'Unknown or missing control operation.');
      }
      const result = await this.#handler.handle(peer, msg as ControlRequest);
      if (!peer.socket.destroyed && !peer.socket.writableEnded) peer.socket.write(encodeLine({ id, ok: true, result: result ?? {} }));
    } catch (err) {
      const e = err as Partial<ControlError>;
      const code = typeof e.code === 'string' && e.code.startsWith('CONTROL_ERR_') ? e.code : ControlErrorCodes.InvalidArgument;
      if (!peer.socket.destroyed && !peer.socket.writableEnded) peer.socket.write(encodeLine({ id, ok: false, error: { code, message: e.message ?? String(err) } }));
    }
  }
}

/**
 * Says why in one `id: 0` error line, then closes once it is written: the client fails its
 * requests with this code and message instead of a bare "closed" (@portshare/control ControlClient).
 */
function refuse(socket: Socket, code: string, message: string): void {
  socket.end(encodeLine({ id: 0, ok: false, error: { code, message } }));
  socket.destroySoon();
}
