/**
 * One accepted connection on the server side, from byte 0 to close: the preamble state machine,
 * the session it opens, and — after both End records — the next preamble on the same connection
 * (WCF clients pool connections).
 *
 * Checks in WCF's order ([RS] ConnectionModeReader → ServerSessionPreambleConnectionReader /
 * ServerSingletonPreambleConnectionReader → the framing channel's open):
 *
 * 1. version and mode (the decoder rejects a major version other than 1 and modes outside 1..4:
 *    UnsupportedVersion / UnsupportedMode faults, sent by WCF's mode reader);
 *    valid modes we do not serve (3 and 4 always) also get UnsupportedMode;
 * 2. once the encoding record is read: on a reused connection, validateReusedVia (refusal: abort,
 *    as WCF's `TcpValidatingConnection`); then acceptVia (EndpointNotFound);
 * 3. the encoding (ContentTypeInvalid);
 * 4. an UpgradeRequest: `application/ssl-tls` on a server with transport security → UpgradeResponse
 *    and the TLS handshake, after which the preamble goes on inside TLS (transport-security.ts);
 *    any other upgrade, or any upgrade without security → UpgradeInvalid;
 * 5. PreambleEnd: on a server with transport security, a client that did not upgrade is aborted
 *    (CoreWCF ServerFramingDuplexSessionMiddleware.cs SetupSecurityIfNecessary); then a session
 *    slot, then PreambleAck.
 *
 * A malformed preamble (via not a URI, via or content type over its limit, a wrong record) is
 * aborted without a fault: WCF's session readers abort on those too (docs/protocol.md §6).
 *
 * The connection is in one {@link State} at a time, and only `#to` changes it, checking each move
 * against {@link TRANSITIONS}:
 *
 * ```
 *  reading ─► reading                        the preamble's next check
 *  reading ─► validating ─► reading          a reused connection's via: validateReusedVia
 *  reading ─► upgrading ─► reading           UpgradeRequest, TLS handshake, on inside TLS
 *  reading ─► waiting ─► session             PreambleEnd, no session slot free yet
 *  reading ─► session ─► ending ─► reading   PreambleAck … both End records; the next preamble
 *                                └► closing  not pooled, or the session failed
 *  reading, validating, upgrading, waiting ─► closing    a fault, an abort or a quiet close
 *  any state but ending ─► closed            the socket closed
 * ```
 *
 * @module
 */

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  encodePreambleAck,
  encodeUpgradeResponse,
  FaultUri,
  FramingError,
  FramingErrorCodes,
  Mode,
  type ParsedVia,
  PreambleDecoder,
  RecordDecoder,
  UpgradeProtocol,
} from '@portshare/framing';
import { endConnection, sendFault } from './connection-close.js';
import { SessionError, type SessionErrorCode, SessionErrorCodes } from './errors.js';
import { formatTimeSpan, startTimer } from './options.js';
import type { ResolvedServerOptions } from './server-options.js';
import { type ServerSession, ServerSessionImpl, type ServerSessionOwner } from './server-session.js';
import type { SessionFailure } from './session-channel.js';
import { type FeedSink, SocketFeed } from './socket-feed.js';
import { checkClientCertificate, type ResolvedServerSecurity, securityInfoOf } from './transport-security.js';

/** @internal What a connection needs from its server. */
export interface ConnectionHost<Context> {
  readonly options: ResolvedServerOptions<Context>;
  readonly closing: boolean;
  /**
   * Takes a session slot for `connection` now (true), or queues it for one (false; the server calls
   * its grantSlot() when a slot frees). The server counts the slots: see SessionServer.
   */
  acquireSlot(connection: ServerConnection<Context>): boolean;
  /** Gives back the slot `connection` holds, or its place in the queue; nothing if it has neither. */
  releaseSlot(connection: ServerConnection<Context>): void;
  sessionOpened(session: ServerSession, accepted: Socket, context: Context): void;
  connectionError(error: SessionError, socket: Socket): void;
  connectionClosed(connection: ServerConnection<Context>): void;
}

/** The checks of one preamble, in the order of the module comment. */
type Check = 'mode' | 'reused-via' | 'via' | 'encoding' | 'end';

/**
 * Where the connection is, with what belongs to that stage. `reused`: the preamble being read is
 * not the connection's first (pooling), which adds the validateReusedVia check and bounds the
 * preamble by the idle timeout instead of the channel initialization timeout.
 */
type State =
  /** Reading a preamble; `next` is the first check it has not passed. */
  | { readonly name: 'reading'; readonly reused: boolean; readonly next: Check }
  /** validateReusedVia is running (later preambles only); the via check follows. */
  | { readonly name: 'validating'; readonly reused: true }
  /** UpgradeResponse written, TLS handshake running; the preamble goes on at its end, inside TLS. */
  | { readonly name: 'upgrading'; readonly reused: boolean }
  /** The preamble is complete and unacknowledged; the connection is queued for a session slot. */
  | { readonly name: 'waiting' }
  /** PreambleAck sent; `session` runs on the connection and holds a session slot. */
  | { readonly name: 'session'; readonly session: ServerSessionImpl }
  /**
   * The session has ended and its slot is being handed on, which can run another connection's
   * 'session' listeners before sessionFinished or sessionFailed decides what follows (reading the
   * server's `closing` only after that).
   */
  | { readonly name: 'ending' }
  /** A fault, an abort or a quiet close is under way; the socket's 'close' comes next. */
  | { readonly name: 'closing' }
  | { readonly name: 'closed' };

type StateName = State['name'];
type Reading = Extract<State, { name: 'reading' }>;

/** The moves `#to` allows; anything else is a bug in this file, and `#to` throws. */
const TRANSITIONS: { readonly [From in StateName]: readonly StateName[] } = {
  reading: ['reading', 'validating', 'upgrading', 'waiting', 'session', 'closing', 'closed'],
  validating: ['reading', 'closing', 'closed'],
  upgrading: ['reading', 'closing', 'closed'],
  waiting: ['session', 'closing', 'closed'],
  // A session normally leaves through 'ending' even when the socket closes (#onSocketClose tells
  // it first); 'closed' is there so that a session that did not report still frees its slot.
  session: ['ending', 'closed'],
  ending: ['reading', 'closing'],
  closing: ['closed'],
  closed: [],
};

/** The states in which the preamble timer runs: a preamble is read, or waits for its slot. */
const TIMED: ReadonlySet<StateName> = new Set<StateName>(['reading', 'validating', 'upgrading', 'waiting']);

/**
 * What a preamble check decided: the next check to run, read on (the decoder has not got that far
 * yet), or stop (the check moved the connection to another state).
 */
type Verdict = Check | 'read-on' | 'stop';

const PREAMBLE_ACK = encodePreambleAck();
const UPGRADE_RESPONSE = encodeUpgradeResponse();

/**
 * Session slots (maxConcurrentSessions) are counted by the server alone (SessionServer, which says
 * why). What this side keeps is the rule of when a connection has one: it holds a slot exactly
 * while in 'session' and is queued for one exactly while in 'waiting'. `#to` gives the slot, or
 * the place in the queue, back whenever the connection leaves either state; nothing else here
 * calls releaseSlot.
 *
 * @internal
 */
export class ServerConnection<Context> implements ServerSessionOwner {
  /** The socket as accepted (or handed over). */
  readonly accepted: Socket;
  /** What the caller of SessionServer.handle knew of the connection. */
  readonly context: Context;
  readonly #host: ConnectionHost<Context>;
  readonly #options: ResolvedServerOptions<Context>;
  // Replaced by a feed on the TLS socket once the connection is upgraded.
  #feed: SocketFeed;
  #tls: TLSSocket | undefined;
  readonly #decoder: PreambleDecoder;
  #state: State = { name: 'reading', reused: false, next: 'mode' };
  // Bounds the preamble and the wait for a slot; runs only in the TIMED states (see #to).
  #timer: NodeJS.Timeout | undefined;

  readonly #preambleSink: FeedSink = {
    onData: (chunk) => {
      let used: number;
      try {
        used = this.#decoder.decode(chunk);
      } catch (error) {
        this.#preambleFailed(error);
        return chunk.length;
      }
      if (!this.#advance()) this.#feed.detach(this.#preambleSink);
      return used;
    },
    onEnd: () => {
      try {
        this.#decoder.end();
      } catch (error) {
        this.#abort(
          SessionErrorCodes.CONNECTION_CLOSED,
          `The client closed the connection in the middle of its preamble (${this.#decoder.consumed} bytes read). Check the client; a load balancer's health check can look like this too.`,
          error,
        );
        return;
      }
      // EOF before a byte of a preamble: a pooled client dropping its idle connection, or a
      // port scan. SMSvcHost closes those quietly; so do we.
      this.#close();
    },
    onClose: (error) => {
      if (this.#state.name !== 'reading' && this.#state.name !== 'validating') return;
      if (this.#decoder.consumed > 0 || this.#feed.bufferedBytes > 0) {
        this.#report(
          new SessionError(
            SessionErrorCodes.CONNECTION_CLOSED,
            `The connection closed while its preamble was being read${error === undefined ? '' : ` (${error.message})`}.`,
            { cause: error },
          ),
        );
      }
    },
  };

  constructor(host: ConnectionHost<Context>, socket: Socket, context: Context) {
    this.#host = host;
    this.#options = host.options;
    this.accepted = socket;
    this.context = context;
    this.#feed = new SocketFeed(socket);
    this.#decoder = new PreambleDecoder({
      maxViaBytes: this.#options.maxViaBytes,
      maxContentTypeBytes: this.#options.maxContentTypeBytes,
    });
    socket.once('close', () => this.#onSocketClose());
  }

  /** The socket the connection's bytes travel on now: the TLS socket once upgraded. */
  get socket(): Socket {
    return this.#feed.socket;
  }

  /** Reads the first preamble from byte 0. */
  start(): void {
    if (this.socket.destroyed) {
      this.#onSocketClose();
      return;
    }
    this.#startTimer(this.#options.channelInitializationTimeoutMs);
    this.#feed.attach(this.#preambleSink);
  }

  /** The server is closing: finish the session (End both ways), drop everything else. */
  shutdown(): void {
    const state = this.#state;
    switch (state.name) {
      case 'session':
        state.session.close().catch(() => {
          // The failure was reported as a connectionError; the connection is gone either way.
        });
        break;
      case 'ending':
        // sessionFinished / sessionFailed read the server's `closing` once the slot is handed on.
        break;
      case 'closed':
        break;
      default:
        // A connection waiting for a slot stays queued until its socket's 'close' (#to gives the
        // place back then); a closing server grants no slot meanwhile.
        this.socket.destroy();
    }
  }

  /** The server gave this waiting connection the slot it queued for. */
  grantSlot(): void {
    if (this.#state.name !== 'waiting') {
      throw new Error(`ServerConnection: a session slot was granted in state '${this.#state.name}', not 'waiting'.`);
    }
    this.#openSession();
  }

  // ---- ServerSessionOwner --------------------------------------------------------------------

  sessionFinished(session: ServerSessionImpl, peerClosed: boolean): void {
    if (!this.#runs(session)) return;
    this.#to({ name: 'ending' });
    // A secured connection is not pooled: see transport-security.ts.
    if (peerClosed || this.#host.closing || this.socket.destroyed || this.#tls !== undefined) {
      this.#close();
      return;
    }
    // Pooling: the connection may carry another preamble, possibly for another via. WCF's
    // ConnectionDemuxer.ReuseConnection reads it under the idle timeout.
    this.#decoder.reset();
    this.#to({ name: 'reading', reused: true, next: 'mode' });
    this.#startTimer(this.#options.idleTimeoutMs);
    this.#feed.attach(this.#preambleSink);
  }

  sessionFailed(session: ServerSessionImpl, failure: SessionFailure): void {
    if (!this.#runs(session)) return;
    this.#to({ name: 'ending' });
    this.#to({ name: 'closing' });
    if (!failure.local) this.#report(failure.error);
    if (failure.faultUri !== undefined) this.#sendFault(failure.faultUri);
    else this.socket.destroy();
  }

  // ---- the state -----------------------------------------------------------------------------

  /**
   * The one place the state changes. Besides refusing a move {@link TRANSITIONS} does not list, it
   * stops the preamble timer outside the TIMED states and gives back the session slot (or the
   * place in the queue for one) when the connection leaves 'session' (or 'waiting').
   */
  #to(next: State): void {
    const from = this.#state;
    if (!TRANSITIONS[from.name].includes(next.name)) {
      throw new Error(`ServerConnection: no transition from '${from.name}' to '${next.name}'.`);
    }
    this.#state = next;
    if (!TIMED.has(next.name)) this.#stopTimer();
    // After the state is stored: handing the slot on may open the next connection's session and
    // run its listeners, which must find this connection where it now is.
    if (from.name === 'session' || (from.name === 'waiting' && next.name !== 'session')) {
      this.#host.releaseSlot(this);
    }
  }

  /** True while `session` is the session this connection runs. */
  #runs(session: ServerSessionImpl): boolean {
    return this.#state.name === 'session' && this.#state.session === session;
  }

  // ---- the preamble --------------------------------------------------------------------------

  /** Runs the checks the decoded part of the preamble allows. Returns true to read on. */
  #advance(): boolean {
    for (;;) {
      const state = this.#state;
      if (state.name !== 'reading') return false;
      const verdict = this.#check(state);
      if (verdict === 'read-on') return true;
      if (verdict === 'stop') return false;
      this.#to({ name: 'reading', reused: state.reused, next: verdict });
    }
  }

  #check(state: Reading): Verdict {
    switch (state.next) {
      case 'mode':
        return this.#checkMode();
      case 'reused-via':
        return this.#checkReusedVia(state.reused);
      case 'via':
        return this.#checkVia();
      case 'encoding':
        return this.#checkEncoding();
      case 'end':
        return this.#checkEnd(state.reused);
    }
  }

  /** 1. A mode this server serves (the decoder has refused versions and modes it cannot read). */
  #checkMode(): Verdict {
    const mode = this.#decoder.mode;
    if (mode === undefined) return 'read-on';
    if (this.#options.modes.has(mode)) return 'reused-via';
    // Modes 3 and 4 are MSMQ's. WCF's demuxer aborts them silently and CoreWCF answers
    // EndpointNotFound; we answer UnsupportedMode, the fault WCF defines for "the listener at
    // the via does not support that channel shape" ([RS] ConnectionOrientedTransportManager.cs),
    // so the client learns why.
    this.#refuse(
      FaultUri.UnsupportedMode,
      SessionErrorCodes.UNSUPPORTED_MODE,
      `A client asked for framing mode ${mode}, which this server does not serve (served: ${[...this.#options.modes].join(', ')}); sent the UnsupportedMode fault. Configure the client's binding for duplex (buffered) or streamed transfer.`,
    );
    return 'stop';
  }

  /** 2. A later preamble on a pooled connection: validateReusedVia, once the encoding is read. */
  #checkReusedVia(reused: boolean): Verdict {
    if (!this.#decoder.encodingKnown) return 'read-on';
    const validate = this.#options.validateReusedVia;
    if (!reused || validate === undefined) return 'via';
    this.#validateReusedVia(validate, this.#decoder.parsedVia as ParsedVia);
    return 'stop';
  }

  /** 2. acceptVia. */
  #checkVia(): Verdict {
    const via = this.#decoder.parsedVia as ParsedVia;
    let served: boolean;
    try {
      served = this.#options.acceptVia(via);
    } catch (error) {
      // WCF: a viaDelegate that throws ServiceActivationException → ServiceActivationFailed.
      this.#refuse(
        FaultUri.ServiceActivationFailed,
        SessionErrorCodes.SERVICE_ACTIVATION_FAILED,
        `acceptVia threw for ${via.uri}: ${error instanceof Error ? error.message : String(error)}; sent the ServiceActivationFailed fault. Fix the service's via check.`,
        error,
      );
      return 'stop';
    }
    if (served) return 'encoding';
    this.#refuse(
      FaultUri.EndpointNotFound,
      SessionErrorCodes.ENDPOINT_NOT_FOUND,
      `No endpoint here serves ${via.uri}; sent the EndpointNotFound fault. Check the client's address against the service's base address.`,
    );
    return 'stop';
  }

  /** 3. The encoding. */
  #checkEncoding(): Verdict {
    const decoder = this.#decoder;
    const mode = decoder.mode as Mode;
    const contentType = decoder.encoding?.contentType ?? '';
    if (this.#options.encodings.get(mode)?.has(contentType.toLowerCase())) return 'end';
    this.#refuse(
      FaultUri.ContentTypeInvalid,
      SessionErrorCodes.CONTENT_TYPE_INVALID,
      `Content Type ${contentType} was not supported by service ${decoder.via ?? ''}; sent the ContentTypeInvalid fault. The client and service bindings may be mismatched (served: ${[...(this.#options.encodings.get(mode) ?? [])].join(', ')}).`,
    );
    return 'stop';
  }

  /** 4 and 5. An UpgradeRequest, or PreambleEnd: then a session slot and PreambleAck. */
  #checkEnd(reused: boolean): Verdict {
    const decoder = this.#decoder;
    if (decoder.stage === 'upgrade-requested') {
      this.#upgrade(reused);
      return 'stop';
    }
    if (!decoder.complete) return 'read-on';
    if (this.#options.security !== undefined && this.#tls === undefined) {
      // CoreWCF ServerFramingDuplexSessionMiddleware.cs SetupSecurityIfNecessary: abort, no fault.
      this.#abort(
        SessionErrorCodes.SECURITY_REQUIRED,
        `Stream Security is required at ${decoder.via ?? ''}, but no security context was negotiated. This is likely caused by the remote endpoint missing a StreamSecurityBindingElement from its binding. The client sent its preamble without the TLS upgrade; set its security mode to Transport.`,
      );
      return 'stop';
    }
    if (this.#host.acquireSlot(this)) {
      this.#openSession();
    } else {
      // Over maxConcurrentSessions: like WCF's throttle, leave the preamble unacknowledged
      // until a session ends; the channel initialization timer still runs.
      this.#to({ name: 'waiting' });
    }
    return 'stop';
  }

  /** Answers an UpgradeRequest: the TLS handshake, or the UpgradeInvalid fault. */
  #upgrade(reused: boolean): void {
    const decoder = this.#decoder;
    const security = this.#options.security;
    const protocol = decoder.upgrade ?? '';
    const via = decoder.via ?? '';
    if (security === undefined) {
      this.#refuse(
        FaultUri.UpgradeInvalid,
        SessionErrorCodes.UPGRADE_INVALID,
        `.Net Framing upgrade request for ${protocol} was sent to a service that is not setup to receive upgrades (${via}); sent the UpgradeInvalid fault. Give the service the security option, or set the client's security mode to None.`,
      );
      return;
    }
    if (protocol.toLowerCase() !== UpgradeProtocol.SslTls || this.#tls !== undefined) {
      // application/negotiate is Windows credentials (SPNEGO); a second ssl-tls would be TLS in TLS.
      this.#refuse(
        FaultUri.UpgradeInvalid,
        SessionErrorCodes.UPGRADE_INVALID,
        `Protocol Type ${protocol} was sent to a service that does not support that type of upgrade (${via}${this.#tls === undefined ? '' : ', already upgraded'}); sent the UpgradeInvalid fault. This service takes ${UpgradeProtocol.SslTls}: set the client's ClientCredentialType to None or Certificate.`,
      );
      return;
    }
    this.#to({ name: 'upgrading', reused });
    this.accepted.write(UPGRADE_RESPONSE);
    // Called from inside the feed's dispatch: the feed keeps the bytes after the UpgradeRequest
    // once this returns, so the TLS layer starts after it.
    queueMicrotask(() => this.#startTls(security, via));
  }

  #startTls(security: ResolvedServerSecurity, via: string): void {
    if (this.#state.name !== 'upgrading') return;
    // What the client sent after its UpgradeRequest is the start of its handshake: give it back
    // to the socket, where the TLS layer reads it first.
    this.#feed.release();
    security.acceptor.accept(this.accepted).then(
      (tls) => this.#secured(tls, security, via),
      (error: Error) => {
        if (this.#state.name !== 'upgrading') return;
        this.#abort(
          SessionErrorCodes.SECURITY_NEGOTIATION_FAILED,
          `The TLS handshake with a client of ${via} failed: ${error.message}; the connection was aborted. The client may not trust this service's certificate, or their TLS versions and ciphers do not meet.`,
          error,
        );
      },
    );
  }

  #secured(tls: TLSSocket, security: ResolvedServerSecurity, via: string): void {
    this.#tls = tls;
    this.#feed = new SocketFeed(tls);
    tls.once('close', () => this.#onSocketClose());
    const state = this.#state;
    if (state.name !== 'upgrading') {
      tls.destroy();
      return;
    }
    const refusal = checkClientCertificate(tls, security);
    if (refusal !== undefined) {
      this.#abort(SessionErrorCodes.SECURITY_NEGOTIATION_FAILED, `${refusal} (${via}; the connection was aborted.)`);
      return;
    }
    this.#to({ name: 'reading', reused: state.reused, next: 'end' });
    this.#decoder.resumeAfterUpgrade();
    this.#feed.attach(this.#preambleSink);
  }

  #validateReusedVia(validate: (via: ParsedVia, socket: Socket, context: Context) => Promise<boolean>, via: ParsedVia): void {
    this.#to({ name: 'validating', reused: true });
    const refused = (cause: unknown): void => {
      if (this.#state.name !== 'validating') return;
      // WCF aborts a reused connection whose new via does not route to this worker
      // ([RS] SharedConnectionListener.cs TcpValidatingConnection).
      this.#abort(
        SessionErrorCodes.VIA_REJECTED,
        `A pooled connection asked for ${via.uri}, which does not route to this worker; the connection was aborted. The client will reconnect through the sharing service.`,
        cause,
      );
    };
    let pending: Promise<boolean>;
    try {
      pending = validate(via, this.accepted, this.context);
    } catch (error) {
      refused(error);
      return;
    }
    pending.then(
      (ok) => {
        if (this.#state.name !== 'validating') return;
        if (!ok) {
          refused(undefined);
          return;
        }
        this.#to({ name: 'reading', reused: true, next: 'via' });
        if (this.#advance()) this.#feed.attach(this.#preambleSink);
      },
      (error: unknown) => refused(error),
    );
  }

  #openSession(): void {
    const decoder = this.#decoder;
    const mode = decoder.mode as Mode;
    const streamed = this.#options.transferMode === 'streamed' && mode === Mode.SingletonUnsized;
    const session = new ServerSessionImpl({
      feed: this.#feed,
      mode,
      via: decoder.via as string,
      parsedVia: decoder.parsedVia as ParsedVia,
      encoding: decoder.encoding?.contentType ?? '',
      decoder: new RecordDecoder({ role: 'server', mode, maxMessageSize: this.#options.maxMessageSize, streamUnsized: streamed }),
      maxPendingBytes: this.#options.maxPendingBytes,
      streamed,
      closeTimeoutMs: this.#options.closeTimeoutMs,
      idleTimeoutMs: this.#options.idleTimeoutMs,
      owner: this,
      security:
        this.#tls === undefined
          ? undefined
          : securityInfoOf(this.#tls, this.#options.security?.clientCertificate === 'none' ? 'none' : 'read'),
    });
    this.#to({ name: 'session', session });
    this.socket.write(PREAMBLE_ACK);
    // Announce before feeding: envelopes that came with the preamble wait in the session's queue.
    this.#host.sessionOpened(session, this.accepted, this.context);
    if (this.#runs(session)) this.#feed.attach(session);
  }

  #preambleFailed(error: unknown): void {
    if (error instanceof FramingError) {
      // WCF's mode reader sends these two faults; its session readers abort on every other
      // preamble error without a fault (docs/protocol.md §6).
      if (error.code === FramingErrorCodes.UNSUPPORTED_VERSION) {
        this.#refuse(FaultUri.UnsupportedVersion, SessionErrorCodes.UNSUPPORTED_VERSION, error.message, error);
        return;
      }
      if (error.code === FramingErrorCodes.UNSUPPORTED_MODE) {
        this.#refuse(FaultUri.UnsupportedMode, SessionErrorCodes.UNSUPPORTED_MODE, error.message, error);
        return;
      }
      this.#abort(SessionErrorCodes.PROTOCOL, `Malformed preamble, connection aborted: ${error.message}`, error);
      return;
    }
    this.#abort(SessionErrorCodes.PROTOCOL, `Reading the preamble failed: ${String(error)}`, error);
  }

  // ---- endings -------------------------------------------------------------------------------

  #onTimer(): void {
    const state = this.#state;
    switch (state.name) {
      case 'reading':
      case 'validating':
      case 'upgrading':
        this.#preambleTimedOut(state.reused);
        return;
      case 'waiting':
        this.#refuse(
          FaultUri.ServerTooBusy,
          SessionErrorCodes.SERVER_TOO_BUSY,
          `No session slot became free within the channel initialization timeout (maxConcurrentSessions = ${this.#options.maxConcurrentSessions}); sent the ServerTooBusy fault. Raise maxConcurrentSessions or make clients close their sessions sooner.`,
        );
        return;
      default:
    }
  }

  #preambleTimedOut(reused: boolean): void {
    if (!reused) {
      this.#abort(
        SessionErrorCodes.CHANNEL_INIT_TIMEOUT,
        // [SR] ChannelInitializationTimeout, with WCF's double spaces.
        `A newly accepted connection did not receive initialization data from the sender within the configured ChannelInitializationTimeout (${formatTimeSpan(this.#options.channelInitializationTimeoutMs)}).  As a result, the connection will be aborted.  If you are on a highly congested network, or your sending machine is heavily loaded, consider increasing this value or load-balancing your server.`,
      );
      return;
    }
    if (this.#decoder.consumed === 0 && this.#feed.bufferedBytes === 0) {
      // A pooled connection nobody reused: close it, as WCF does after IdleTimeout.
      this.#close();
      return;
    }
    this.#abort(
      SessionErrorCodes.IDLE_TIMEOUT,
      `A pooled connection did not complete its next preamble within ${formatTimeSpan(this.#options.idleTimeoutMs)} (idleTimeoutMs); the connection was aborted.`,
    );
  }

  /** Refuses the preamble with a fault (written, half-close, drain, close). */
  #refuse(faultUri: string, code: SessionErrorCode, message: string, cause?: unknown): void {
    this.#to({ name: 'closing' });
    this.#report(new SessionError(code, message, { cause, faultUri }));
    this.#sendFault(faultUri);
  }

  #sendFault(faultUri: string): void {
    sendFault(this.#feed, faultUri, {
      maxBytes: this.#options.faultDrainMaxBytes,
      timeoutMs: this.#options.faultDrainTimeoutMs,
    });
  }

  /** Aborts the connection without a fault and reports why. */
  #abort(code: SessionErrorCode, message: string, cause?: unknown): void {
    this.#to({ name: 'closing' });
    this.#report(new SessionError(code, message, { cause }));
    this.socket.destroy();
  }

  /** Closes quietly: half-close, drain, close. */
  #close(): void {
    this.#to({ name: 'closing' });
    endConnection(this.#feed, {
      maxBytes: this.#options.faultDrainMaxBytes,
      timeoutMs: this.#options.closeTimeoutMs,
    });
  }

  #report(error: SessionError): void {
    this.#host.connectionError(error, this.socket);
  }

  #onSocketClose(): void {
    const state = this.#state;
    if (state.name === 'closed') return;
    // A session whose input had ended (waiting for our close()) is not attached to the feed and
    // would not hear of the close otherwise; it fails, and sessionFailed gives its slot back.
    if (state.name === 'session') state.session.connectionLost();
    this.#to({ name: 'closed' });
    this.#host.connectionClosed(this);
  }

  #startTimer(ms: number): void {
    this.#stopTimer();
    this.#timer = startTimer(ms, () => this.#onTimer());
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
