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
  /** Takes a session slot now (true) or queues the connection for one (false). */
  acquireSlot(connection: ServerConnection<Context>): boolean;
  /** Leaves the queue for a slot. */
  cancelSlotWait(connection: ServerConnection<Context>): void;
  /** Gives a slot back (and hands it to the next waiting connection). */
  releaseSlot(): void;
  sessionOpened(session: ServerSession, accepted: Socket, context: Context): void;
  connectionError(error: SessionError, socket: Socket): void;
  connectionClosed(connection: ServerConnection<Context>): void;
}

type State = 'preamble' | 'validating' | 'upgrading' | 'waiting' | 'session' | 'closing' | 'closed';

// Checks done so far on the current preamble, in order.
const Step = { Mode: 0, ReusedVia: 1, Via: 2, Encoding: 3, End: 4, Done: 5 } as const;
type Step = (typeof Step)[keyof typeof Step];

const PREAMBLE_ACK = encodePreambleAck();
const UPGRADE_RESPONSE = encodeUpgradeResponse();

/** @internal */
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
  #state: State = 'preamble';
  #step: Step = Step.Mode;
  #reused = false;
  #timer: NodeJS.Timeout | undefined;
  #session: ServerSessionImpl | undefined;

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
      if (this.#state !== 'preamble' && this.#state !== 'validating') return;
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
    switch (this.#state) {
      case 'session':
        this.#session?.close().catch(() => {
          // The failure was reported as a connectionError; the connection is gone either way.
        });
        break;
      case 'closed':
        break;
      default:
        this.#host.cancelSlotWait(this);
        this.socket.destroy();
    }
  }

  /** A session slot became free for this waiting connection. */
  grantSlot(): void {
    if (this.#state !== 'waiting') {
      this.#host.releaseSlot();
      return;
    }
    this.#openSession();
  }

  // ---- ServerSessionOwner --------------------------------------------------------------------

  sessionFinished(session: ServerSessionImpl, peerClosed: boolean): void {
    if (session !== this.#session) return;
    this.#session = undefined;
    this.#host.releaseSlot();
    // A secured connection is not pooled: see transport-security.ts.
    if (peerClosed || this.#host.closing || this.socket.destroyed || this.#tls !== undefined) {
      this.#close();
      return;
    }
    // Pooling: the connection may carry another preamble, possibly for another via. WCF's
    // ConnectionDemuxer.ReuseConnection reads it under the idle timeout.
    this.#reused = true;
    this.#decoder.reset();
    this.#step = Step.Mode;
    this.#state = 'preamble';
    this.#startTimer(this.#options.idleTimeoutMs);
    this.#feed.attach(this.#preambleSink);
  }

  sessionFailed(session: ServerSessionImpl, failure: SessionFailure): void {
    if (session !== this.#session) return;
    this.#session = undefined;
    this.#host.releaseSlot();
    if (this.#state !== 'closed') this.#state = 'closing';
    if (!failure.local) this.#report(failure.error);
    if (failure.faultUri !== undefined) this.#sendFault(failure.faultUri);
    else this.socket.destroy();
  }

  // ---- the preamble --------------------------------------------------------------------------

  /** Runs the checks the decoded part of the preamble allows. Returns true to read on. */
  #advance(): boolean {
    const decoder = this.#decoder;
    if (this.#step === Step.Mode) {
      if (decoder.mode === undefined) return true;
      this.#step = Step.ReusedVia;
      if (!this.#options.modes.has(decoder.mode)) {
        // Modes 3 and 4 are MSMQ's. WCF's demuxer aborts them silently and CoreWCF answers
        // EndpointNotFound; we answer UnsupportedMode, the fault WCF defines for "the listener at
        // the via does not support that channel shape" ([RS] ConnectionOrientedTransportManager.cs),
        // so the client learns why.
        this.#refuse(
          FaultUri.UnsupportedMode,
          SessionErrorCodes.UNSUPPORTED_MODE,
          `A client asked for framing mode ${decoder.mode}, which this server does not serve (served: ${[...this.#options.modes].join(', ')}); sent the UnsupportedMode fault. Configure the client's binding for duplex (buffered) or streamed transfer.`,
        );
        return false;
      }
    }
    if (this.#step === Step.ReusedVia) {
      if (!decoder.encodingKnown) return true;
      this.#step = Step.Via;
      const validate = this.#options.validateReusedVia;
      if (this.#reused && validate !== undefined) {
        this.#validateReusedVia(validate, decoder.parsedVia as ParsedVia);
        return false;
      }
    }
    if (this.#step === Step.Via) {
      this.#step = Step.Encoding;
      const via = decoder.parsedVia as ParsedVia;
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
        return false;
      }
      if (!served) {
        this.#refuse(
          FaultUri.EndpointNotFound,
          SessionErrorCodes.ENDPOINT_NOT_FOUND,
          `No endpoint here serves ${via.uri}; sent the EndpointNotFound fault. Check the client's address against the service's base address.`,
        );
        return false;
      }
    }
    if (this.#step === Step.Encoding) {
      this.#step = Step.End;
      const mode = decoder.mode as Mode;
      const contentType = decoder.encoding?.contentType ?? '';
      if (!this.#options.encodings.get(mode)?.has(contentType.toLowerCase())) {
        this.#refuse(
          FaultUri.ContentTypeInvalid,
          SessionErrorCodes.CONTENT_TYPE_INVALID,
          `Content Type ${contentType} was not supported by service ${decoder.via ?? ''}; sent the ContentTypeInvalid fault. The client and service bindings may be mismatched (served: ${[...(this.#options.encodings.get(mode) ?? [])].join(', ')}).`,
        );
        return false;
      }
    }
    if (this.#step === Step.End) {
      if (decoder.stage === 'upgrade-requested') {
        this.#upgrade();
        return false;
      }
      if (!decoder.complete) return true;
      if (this.#options.security !== undefined && this.#tls === undefined) {
        // CoreWCF ServerFramingDuplexSessionMiddleware.cs SetupSecurityIfNecessary: abort, no fault.
        this.#abort(
          SessionErrorCodes.SECURITY_REQUIRED,
          `Stream Security is required at ${decoder.via ?? ''}, but no security context was negotiated. This is likely caused by the remote endpoint missing a StreamSecurityBindingElement from its binding. The client sent its preamble without the TLS upgrade; set its security mode to Transport.`,
        );
        return false;
      }
      this.#step = Step.Done;
      if (this.#host.acquireSlot(this)) {
        this.#openSession();
      } else {
        // Over maxConcurrentSessions: like WCF's throttle, leave the preamble unacknowledged
        // until a session ends; the channel initialization timer still runs.
        this.#state = 'waiting';
      }
    }
    return false;
  }

  /** Answers an UpgradeRequest: the TLS handshake, or the UpgradeInvalid fault. */
  #upgrade(): void {
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
    this.#state = 'upgrading';
    this.accepted.write(UPGRADE_RESPONSE);
    // Called from inside the feed's dispatch: the feed keeps the bytes after the UpgradeRequest
    // once this returns, so the TLS layer starts after it.
    queueMicrotask(() => this.#startTls(security, via));
  }

  #startTls(security: ResolvedServerSecurity, via: string): void {
    if (this.#state !== 'upgrading') return;
    // What the client sent after its UpgradeRequest is the start of its handshake: give it back
    // to the socket, where the TLS layer reads it first.
    this.#feed.release();
    security.acceptor.accept(this.accepted).then(
      (tls) => this.#secured(tls, security, via),
      (error: Error) => {
        if (this.#state !== 'upgrading') return;
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
    if (this.#state !== 'upgrading') {
      tls.destroy();
      return;
    }
    const refusal = checkClientCertificate(tls, security);
    if (refusal !== undefined) {
      this.#abort(SessionErrorCodes.SECURITY_NEGOTIATION_FAILED, `${refusal} (${via}; the connection was aborted.)`);
      return;
    }
    this.#state = 'preamble';
    this.#decoder.resumeAfterUpgrade();
    this.#feed.attach(this.#preambleSink);
  }

  #validateReusedVia(validate: (via: ParsedVia, socket: Socket, context: Context) => Promise<boolean>, via: ParsedVia): void {
    this.#state = 'validating';
    const refused = (cause: unknown): void => {
      if (this.#state !== 'validating') return;
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
        if (this.#state !== 'validating') return;
        if (!ok) {
          refused(undefined);
          return;
        }
        this.#state = 'preamble';
        if (this.#advance()) this.#feed.attach(this.#preambleSink);
      },
      (error: unknown) => refused(error),
    );
  }

  #openSession(): void {
    const decoder = this.#decoder;
    this.#state = 'session';
    this.#stopTimer();
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
    this.#session = session;
    this.socket.write(PREAMBLE_ACK);
    // Announce before feeding: envelopes that came with the preamble wait in the session's queue.
    this.#host.sessionOpened(session, this.accepted, this.context);
    if (this.#session === session) this.#feed.attach(session);
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
    switch (this.#state) {
      case 'preamble':
      case 'validating':
      case 'upgrading':
        if (this.#reused) {
          if (this.#decoder.consumed === 0 && this.#feed.bufferedBytes === 0) {
            // A pooled connection nobody reused: close it, as WCF does after IdleTimeout.
            this.#close();
          } else {
            this.#abort(
              SessionErrorCodes.IDLE_TIMEOUT,
              `A pooled connection did not complete its next preamble within ${formatTimeSpan(this.#options.idleTimeoutMs)} (idleTimeoutMs); the connection was aborted.`,
            );
          }
          return;
        }
        this.#abort(
          SessionErrorCodes.CHANNEL_INIT_TIMEOUT,
          // [SR] ChannelInitializationTimeout, with WCF's double spaces.
          `A newly accepted connection did not receive initialization data from the sender within the configured ChannelInitializationTimeout (${formatTimeSpan(this.#options.channelInitializationTimeoutMs)}).  As a result, the connection will be aborted.  If you are on a highly congested network, or your sending machine is heavily loaded, consider increasing this value or load-balancing your server.`,
        );
        return;
      case 'waiting':
        this.#host.cancelSlotWait(this);
        this.#refuse(
          FaultUri.ServerTooBusy,
          SessionErrorCodes.SERVER_TOO_BUSY,
          `No session slot became free within the channel initialization timeout (maxConcurrentSessions = ${this.#options.maxConcurrentSessions}); sent the ServerTooBusy fault. Raise maxConcurrentSessions or make clients close their sessions sooner.`,
        );
        return;
      default:
    }
  }

  /** Refuses the preamble with a fault (written, half-close, drain, close). */
  #refuse(faultUri: string, code: SessionErrorCode, message: string, cause?: unknown): void {
    this.#state = 'closing';
    this.#stopTimer();
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
    this.#state = 'closing';
    this.#stopTimer();
    this.#report(new SessionError(code, message, { cause }));
    this.socket.destroy();
  }

  /** Closes quietly: half-close, drain, close. */
  #close(): void {
    this.#state = 'closing';
    this.#stopTimer();
    endConnection(this.#feed, {
      maxBytes: this.#options.faultDrainMaxBytes,
      timeoutMs: this.#options.closeTimeoutMs,
    });
  }

  #report(error: SessionError): void {
    this.#host.connectionError(error, this.socket);
  }

  #onSocketClose(): void {
    if (this.#state === 'closed') return;
    const wasWaiting = this.#state === 'waiting';
    this.#state = 'closed';
    this.#stopTimer();
    if (wasWaiting) this.#host.cancelSlotWait(this);
    // A session whose input had ended (waiting for our close()) is not attached to the feed and
    // would not hear of the close otherwise.
    this.#session?.connectionLost();
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
