/**
 * The server side of one acknowledged session: a {@link SessionChannel} that also enforces the
 * idle timeout and reports its end to the connection it runs on.
 *
 * @module
 */

import type { Socket } from 'node:net';
import type { Mode, ParsedVia } from '@portshare/framing';
import { SessionError, SessionErrorCodes } from './errors.js';
import type { MessageChannel } from './message-channel.js';
import { formatTimeSpan, startTimer } from './options.js';
import { SessionChannel, type SessionChannelInit, type SessionFailure, type SessionState } from './session-channel.js';
import type { TransportSecurityInfo } from './transport-security.js';

/** A session a client opened with this server. */
export interface ServerSession extends MessageChannel {
  /** 2 (duplex, sized envelopes) or 1 (singleton-unsized: one message each way). */
  readonly mode: Mode;
  /** The content type of the preamble's encoding record, e.g. `application/soap+msbinsession1`. */
  readonly encoding: string;
  /** The via split into its parts. */
  readonly parsedVia: ParsedVia;
  /**
   * The socket the session's bytes travel on: the TLS socket on a secured connection. After a
   * session in clear text the connection may carry the next one (pooling).
   */
  readonly socket: Socket;
  /** What the TLS upgrade negotiated (protocol, cipher, the client's certificate), or undefined in clear text. */
  readonly security: TransportSecurityInfo | undefined;
  readonly state: SessionState;
  /** Incoming bytes held in memory for this session now (queue + partial envelope + socket). */
  readonly bufferedBytes: number;
  /** The largest bufferedBytes seen so far. */
  readonly peakBufferedBytes: number;
  /** Closes the connection at once, without End. */
  abort(reason?: string): void;
}

/** The connection a server session runs on. */
export interface ServerSessionOwner {
  sessionFinished(session: ServerSessionImpl, peerClosed: boolean): void;
  sessionFailed(session: ServerSessionImpl, failure: SessionFailure): void;
}

/** Settings of a server session. */
export interface ServerSessionInit extends SessionChannelInit {
  encoding: string;
  parsedVia: ParsedVia;
  idleTimeoutMs: number;
  owner: ServerSessionOwner;
  security: TransportSecurityInfo | undefined;
}

/** @internal The implementation of {@link ServerSession}. */
export class ServerSessionImpl extends SessionChannel implements ServerSession {
  readonly encoding: string;
  readonly parsedVia: ParsedVia;
  readonly security: TransportSecurityInfo | undefined;
  readonly #owner: ServerSessionOwner;
  readonly #idleTimeoutMs: number;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(init: ServerSessionInit) {
    super(init);
    this.encoding = init.encoding;
    this.parsedVia = init.parsedVia;
    this.security = init.security;
    this.#owner = init.owner;
    this.#idleTimeoutMs = init.idleTimeoutMs;
    this.#startIdleTimer();
  }

  /** @internal The connection closed while the session was not reading from it. */
  connectionLost(): void {
    this.connectionClosed(undefined);
  }

  protected override onActivity(): void {
    this.#idleTimer?.refresh();
  }

  protected override onBackpressure(paused: boolean): void {
    // While our consumer is not reading, the silence is ours, not the client's.
    if (paused) this.#stopIdleTimer();
    else this.#startIdleTimer();
  }

  protected override onFinished(peerClosed: boolean): void {
    this.#stopIdleTimer();
    this.#owner.sessionFinished(this, peerClosed);
  }

  protected override onFailed(failure: SessionFailure): void {
    this.#stopIdleTimer();
    this.#owner.sessionFailed(this, failure);
  }

  #startIdleTimer(): void {
    this.#stopIdleTimer();
    this.#idleTimer = startTimer(this.#idleTimeoutMs, () => {
      this.fail(
        new SessionError(
          SessionErrorCodes.IDLE_TIMEOUT,
          `The session with ${this.via} had no traffic for ${formatTimeSpan(this.#idleTimeoutMs)} (idleTimeoutMs) and was aborted. Clients should close sessions they no longer use; raise idleTimeoutMs if long pauses are expected.`,
        ),
      );
    });
  }

  #stopIdleTimer(): void {
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }
}
