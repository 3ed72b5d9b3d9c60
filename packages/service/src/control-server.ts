import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import {
  ControlError,
  ControlErrorCodes,
  LineDecoder,
  encodeLine,
  type ControlRequest,
  type WireRequest,
} from '@portshare/control';
import { isSupported, peerCredentials, socketFd, type PeerCredentials } from '@portshare/handoff';
import type { Logger } from 'pino';

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
  /** Is this peer on the allow list? */
  isAllowed(creds: PeerCredentials | undefined): boolean;
  /** A connection's requests read but not yet answered; past it, reading pauses until answers drain. */
  maxRequestsInFlight: number;
  /** File mode of the socket. */
  mode: number;
  log: Logger;
}

const OPS = new Set(['hello', 'register', 'unregister', 'validate', 'status', 'pause', 'resume', 'stop']);

/**
 * The control socket (a Unix stream socket, JSON lines; see @portshare/control). Each connection's
 * peer is identified by the kernel (SO_PEERCRED) when the hand-off addon is available.
 */
export class ControlServer {
  readonly #server: Server;
  readonly #peers = new Set<ControlPeer>();
  #unlisted = 0;
  readonly #options: ControlServerOptions;
  readonly #handler: ControlHandler;
  #nextId = 1;

  constructor(options: ControlServerOptions, handler: ControlHandler) {
    this.#options = options;
    this.#handler = handler;
    this.#server = createServer((socket) => this.#onConnection(socket));
  }

  listen(): Promise<void> {
    const { path, mode } = this.#options;
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    // Workers of any allowed user put their hand-off sockets here: world-writable and sticky, like /tmp.
    const workers = join(dirname(path), 'workers');
    mkdirSync(workers, { recursive: true });
    chmodSync(workers, 0o1777);
    try {
      unlinkSync(path); // a stale socket from a daemon that died; the caller checked none answers
    } catch {
      /* none */
    }
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(path, () => {
        this.#server.off('error', reject);
        chmodSync(path, mode);
        resolve();
      });
    });
  }

  get peerCount(): number {
    return this.#peers.size;
  }

  close(): Promise<void> {
    for (const peer of this.#peers) peer.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #onConnection(socket: Socket): void {
    const log = this.#options.log;
    if (this.#peers.size >= this.#options.maxConnections) {
      log.warn('control connection refused: maxControlConnections reached');
      socket.destroy();
      return;
    }
    let creds: PeerCredentials | undefined;
    if (isSupported()) {
      try {
        creds = peerCredentials(socketFd(socket));
      } catch (err) {
        log.warn({ err }, 'cannot read peer credentials; refusing the control connection');
        socket.destroy();
        return;
      }
    }
    const allowed = this.#options.isAllowed(creds);
    if (!allowed && this.#unlisted >= this.#options.maxUnlistedConnections) {
      // Strangers may not crowd out the workers and administrators the daemon serves.
      log.warn({ uid: creds?.uid, peerPid: creds?.pid }, 'control connection refused: too many connections from accounts not on the allow list');
      socket.end(
        encodeLine({
          id: 0,
          ok: false,
          error: { code: ControlErrorCodes.AccessDenied, message: 'Too many connections from accounts not on the allowAccounts list; this one is closed.' },
        }),
      );
      socket.destroySoon();
      return;
    }
    if (!allowed) this.#unlisted++;
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
    socket.on('drain', maybeResume);
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk, (msg) => {
          inFlight++;
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
        socket.end(encodeLine({ id: 0, ok: false, error: { code: e.code, message: e.message } }));
        socket.destroySoon();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#peers.delete(peer);
      if (!allowed) this.#unlisted--;
      this.#handler.onPeerClosed(peer);
    });
  }

  async #answer(peer: ControlPeer, msg: unknown): Promise<void> {
    if (peer.socket.destroyed) return;
    const id = typeof (msg as WireRequest)?.id === 'number' ? (msg as WireRequest).id : 0;
    try {
      if (typeof msg !== 'object' || msg === null || !OPS.has((msg as { op?: unknown }).op as string)) {
        throw new ControlError(ControlErrorCodes.InvalidArgument, 'Unknown or missing control operation.');
      }
      const result = await this.#handler.handle(peer, msg as ControlRequest);
      if (!peer.socket.destroyed) peer.socket.write(encodeLine({ id, ok: true, result: result ?? {} }));
    } catch (err) {
      const e = err as Partial<ControlError>;
      const code = typeof e.code === 'string' && e.code.startsWith('CONTROL_ERR_') ? e.code : ControlErrorCodes.InvalidArgument;
      if (!peer.socket.destroyed) peer.socket.write(encodeLine({ id, ok: false, error: { code, message: e.message ?? String(err) } }));
    }
  }
}
