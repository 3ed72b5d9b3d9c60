/**
 * The client side of a net.tcp session: connect, send the preamble in one write, wait for
 * PreambleAck (or a Fault, which becomes a {@link SessionError} with WCF's client text), exchange
 * envelopes, and close with End both ways ([MC-NMF] 2.2; [RS] FramingChannels.cs
 * `ClientFramingDuplexSessionChannel`, StreamedFramingRequestChannel.cs). With transport security
 * the preamble ends with an UpgradeRequest instead of PreambleEnd; after the server's
 * UpgradeResponse and the TLS handshake, PreambleEnd and everything else go inside TLS
 * (transport-security.ts).
 *
 * @module
 */

import { connect, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  encodePreamble,
  encodePreambleEnd,
  KnownEncoding,
  knownEncodingContentType,
  Mode,
  NET_TCP_DEFAULT_PORT,
  type ParsedVia,
  parseVia,
  RecordDecoder,
  UpgradeProtocol,
} from '@portshare/framing';
import { endConnection } from './connection-close.js';
import { SessionError, SessionErrorCodes } from './errors.js';
import { faultReceivedError } from './faults.js';
import type { MessageChannel } from './message-channel.js';
import {
  formatTimeSpan,
  integerOption,
  SessionDefaults,
  startTimer,
  timeoutOption,
  type TransferMode,
  transferModeOption,
} from './options.js';
import { SessionChannel, type SessionFailure, type SessionState } from './session-channel.js';
import { type FeedSink, SocketFeed } from './socket-feed.js';
import {
  type ClientSecurityOptions,
  initiateTls,
  resolveClientSecurity,
  securityInfoOf,
  type TransportSecurityInfo,
} from './transport-security.js';

/** Options of {@link connectSession}. */
export interface ConnectOptions {
  /** Host to connect to (default: the via's host). */
  host?: string;
  /** Port to connect to (default: the via's port, 808 when it has none). */
  port?: number;
  /** 2 (duplex, default: NetTcpBinding buffered) or 1 (singleton-unsized: streamed transfer). */
  mode?: Mode;
  /**
   * `'streamed'` (WCF's TransferMode.Streamed): the reply is read piece by piece as it arrives
   * (see SessionChannel.streamed), and `mode` defaults to 1, which it needs. Default `'buffered'`.
   */
  transferMode?: TransferMode;
  /** KnownEncoding byte or content type (default 8, binary session, for duplex; 7, binary, for singleton). */
  encoding?: number | string;
  /** Largest incoming message in bytes (default 65536, WCF MaxReceivedMessageSize). */
  maxMessageSize?: number;
  /** Time for connect + preamble + PreambleAck (default 60000, WCF OpenTimeout). */
  openTimeoutMs?: number;
  /**
   * How long close() waits for the server's End after sending ours (default 60000, WCF
   * CloseTimeout). A server that closes the connection instead of sending End (Mono's does) ends
   * close() at once; one that does neither makes close() reject with SESSION_ERR_CLOSE_TIMEOUT
   * after this time, with the connection aborted.
   */
  closeTimeoutMs?: number;
  /** Incoming bytes queued before the socket is paused (default 65536). */
  maxPendingBytes?: number;
  /** A connected socket to use instead of a new connection (a pooled one, after a finished session). */
  socket?: Socket;
  /**
   * Keep the connection open after close() for another session (pass it as `socket`). Default
   * false: close() ends the connection after the End exchange. Not with `security`: a TLS
   * connection is not pooled.
   */
  keepSocketOpen?: boolean;
  /**
   * Transport security (NetTcpBinding SecurityMode.Transport, ClientCredentialType None or
   * Certificate): upgrade the connection to TLS (`application/ssl-tls`) before the session. The
   * server certificate must verify against `ca` (default: Node's root store) and carry
   * `dnsIdentity` (default: the via's host). `{}` turns it on with those defaults.
   */
  security?: ClientSecurityOptions;
}

/** A session this process opened with a server. */
export interface ClientSession extends MessageChannel {
  /** 2 (duplex) or 1 (singleton-unsized). */
  readonly mode: Mode;
  /** The socket the session's bytes travel on (the TLS socket with transport security). */
  readonly socket: Socket;
  /** What the TLS upgrade negotiated (protocol, cipher, the server's certificate), or undefined in clear text. */
  readonly security: TransportSecurityInfo | undefined;
  /** The content type of the preamble's encoding record, e.g. `application/soap+msbinsession1`. */
  readonly encoding: string;
  readonly state: SessionState;
  /** Incoming bytes held in memory for this session now (queue + partial envelope + socket). */
  readonly bufferedBytes: number;
  /** The largest bufferedBytes seen so far. */
  readonly peakBufferedBytes: number;
  /** Closes the connection at once, without End. */
  abort(): void;
}

interface ClientSessionInit {
  feed: SocketFeed;
  mode: Mode;
  via: string;
  contentType: string;
  maxMessageSize: number;
  maxPendingBytes: number;
  closeTimeoutMs: number;
  streamed: boolean;
  keepSocketOpen: boolean;
  security: TransportSecurityInfo | undefined;
}

/** @internal The implementation of {@link ClientSession}. */
class ClientSessionImpl extends SessionChannel implements ClientSession {
  readonly #keepSocketOpen: boolean;
  readonly #closeTimeoutMs: number;
  readonly #contentType: string;
  readonly security: TransportSecurityInfo | undefined;
  readonly encoding: string;
  readonly opened: Promise<void>;
  #opened = false;
  #resolveOpened!: () => void;
  #rejectOpened!: (error: SessionError) => void;

  constructor(init: ClientSessionInit) {
    super({
      feed: init.feed,
      mode: init.mode,
      via: init.via,
      decoder: new RecordDecoder({
        role: 'client',
        mode: init.mode,
        maxMessageSize: init.maxMessageSize,
        streamUnsized: init.streamed,
      }),
      maxPendingBytes: init.maxPendingBytes,
      closeTimeoutMs: init.closeTimeoutMs,
      endWithMessage: true,
      streamed: init.streamed,
    });
    this.#keepSocketOpen = init.keepSocketOpen;
    this.#closeTimeoutMs = init.closeTimeoutMs;
    this.#contentType = init.contentType;
    this.encoding = init.contentType;
    this.security = init.security;
    this.opened = new Promise<void>((resolve, reject) => {
      this.#resolveOpened = resolve;
      this.#rejectOpened = reject;
    });
    // connectSession awaits it; a failure after open is reported through the session instead.
    this.opened.catch(() => {});
  }

  /** @internal Fails a session that is still opening (the open timeout). */
  failOpen(error: SessionError): void {
    this.fail(error);
  }

  protected override onPreambleAck(): void {
    if (this.#opened) {
      super.onPreambleAck();
      return;
    }
    this.#opened = true;
    this.#resolveOpened();
  }

  protected override onFaultRecord(uri: string): void {
    // The server refused the preamble, or ended the session with a fault instead of End.
    this.fail(faultReceivedError(uri, this.via, this.#contentType), { faultUri: uri });
  }

  protected override onFinished(peerClosed: boolean): void {
    if (this.#keepSocketOpen && !peerClosed) {
      this.feed.release();
      return;
    }
    endConnection(this.feed, { maxBytes: SessionDefaults.faultDrainMaxBytes, timeoutMs: this.#closeTimeoutMs });
  }

  protected override onFailed(failure: SessionFailure): void {
    // WCF's client closes right after decoding a fault, without waiting for End.
    this.socket.destroy();
    if (!this.#opened) this.#rejectOpened(failure.error);
  }

  protected override connectionClosed(error: Error | undefined): void {
    if (!this.#opened && this.failure === undefined) {
      const detail = error === undefined ? '' : ` (${error.message})`;
      this.fail(
        this.security === undefined
          ? new SessionError(
              SessionErrorCodes.CONNECTION_CLOSED,
              `The server at ${this.via} closed the connection without answering the preamble${detail}. It may not be a net.tcp service, it dropped the connection, or it requires transport security (give the security option); check the address and the server's logs.`,
              { cause: error },
            )
          : // After the handshake, the server's only reason to close is the client certificate
            // (TLS 1.3 checks it after the client's side of the handshake is done).
            new SessionError(
              SessionErrorCodes.SECURITY_NEGOTIATION_FAILED,
              `The server at ${this.via} closed the secured connection without answering the preamble${detail}. It may require a client certificate this client did not send (security.certificate and key), or not trust the one it sent.`,
              { cause: error },
            ),
      );
      return;
    }
    super.connectionClosed(error);
  }

  override onEnd(): void {
    if (!this.#opened && this.failure === undefined) {
      this.connectionClosed(undefined);
      return;
    }
    super.onEnd();
  }
}

/**
 * Opens a net.tcp session with the service at `via`: connects (or uses `options.socket`), sends the
 * preamble, and resolves once the server acknowledged it. Rejects with a {@link SessionError}: the
 * code of the fault the server sent (with WCF's client text), SESSION_ERR_NOT_FRAMING,
 * SESSION_ERR_CONNECTION_REFUSED / SESSION_ERR_CONNECT_FAILED (naming host:port),
 * SESSION_ERR_OPEN_TIMEOUT, or SESSION_ERR_CONNECTION_CLOSED.
 */
export async function connectSession(via: string, options: ConnectOptions = {}): Promise<ClientSession> {
  let parsed: ParsedVia;
  try {
    parsed = parseVia(via);
  } catch (error) {
    throw new SessionError(
      SessionErrorCodes.INVALID_OPTION,
      `The via ${JSON.stringify(via)} is not an absolute URI. Pass the service address, e.g. net.tcp://host:808/service.`,
      { cause: error },
    );
  }
  const transferMode = transferModeOption(options.transferMode);
  const mode = options.mode ?? (transferMode === 'streamed' ? Mode.SingletonUnsized : Mode.Duplex);
  if (mode !== Mode.Duplex && mode !== Mode.SingletonUnsized) {
    throw new SessionError(
      SessionErrorCodes.INVALID_OPTION,
      `The option mode is ${String(mode)}; a client session uses 2 (duplex) or 1 (singleton-unsized).`,
    );
  }
  if (transferMode === 'streamed' && mode !== Mode.SingletonUnsized) {
    throw new SessionError(
      SessionErrorCodes.INVALID_OPTION,
      'Streamed transfer (transferMode: streamed) runs in singleton mode, as WCF does; the option mode is 2 (duplex). Leave mode out or set it to 1.',
    );
  }
  const host = options.host ?? unbracket(parsed.host);
  if (host === '') {
    throw new SessionError(
      SessionErrorCodes.INVALID_OPTION,
      `The via ${via} has no host. Pass a via with a host, or the host option.`,
    );
  }
  const port = integerOption('port', options.port, parsed.port > 0 ? parsed.port : NET_TCP_DEFAULT_PORT, 1, 65535);
  const openTimeoutMs = timeoutOption('openTimeoutMs', options.openTimeoutMs, SessionDefaults.openTimeoutMs);
  const closeTimeoutMs = timeoutOption('closeTimeoutMs', options.closeTimeoutMs, SessionDefaults.closeTimeoutMs);
  const maxMessageSize = integerOption('maxMessageSize', options.maxMessageSize, SessionDefaults.maxMessageSize, 0);
  const maxPendingBytes = integerOption('maxPendingBytes', options.maxPendingBytes, SessionDefaults.maxPendingBytes, 1);
  const encoding = options.encoding ?? (mode === Mode.Duplex ? KnownEncoding.BinarySession : KnownEncoding.Binary);
  const contentType = typeof encoding === 'string' ? encoding : knownEncodingContentType(encoding);
  const security = resolveClientSecurity(options.security);
  if (security !== undefined && options.keepSocketOpen === true) {
    throw new SessionError(
      SessionErrorCodes.INVALID_OPTION,
      'The options security and keepSocketOpen cannot be combined: a TLS connection is not pooled (the server closes it after the session). Leave keepSocketOpen out.',
    );
  }
  let preamble: Buffer;
  try {
    preamble = encodePreamble({ mode, via, encoding, ...(security === undefined ? {} : { upgrade: UpgradeProtocol.SslTls }) });
  } catch (error) {
    throw new SessionError(
      SessionErrorCodes.INVALID_OPTION,
      `The preamble for ${via} cannot be encoded: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }

  const socket = options.socket ?? connect({ host, port });
  // The socket the session runs on: the TLS socket once upgraded.
  let stream: Socket = socket;
  let session: ClientSessionImpl | undefined;
  let timedOut = false;
  let timeoutError: SessionError | undefined;
  const timer = startTimer(openTimeoutMs, () => {
    timedOut = true;
    const error = new SessionError(
      SessionErrorCodes.OPEN_TIMEOUT,
      `Opening the session with ${via} (${host}:${port}) did not complete within the allotted timeout of ${formatTimeSpan(openTimeoutMs)} (openTimeoutMs). Check that the service is running and responsive, or raise openTimeoutMs.`,
    );
    timeoutError = error;
    if (session === undefined) stream.destroy(error);
    else session.failOpen(error);
  });
  try {
    if (socket.connecting) await connected(socket, via, host, port, () => timedOut);
    if (socket.destroyed || !socket.writable) {
      throw new SessionError(
        SessionErrorCodes.CONNECTION_CLOSED,
        `The socket given for ${via} is already closed. Pass a connected socket, or leave the socket option out to connect.`,
      );
    }
    try {
      socket.setNoDelay(true);
    } catch {
      // Not a TCP socket: nothing to tune.
    }
    // [RS] FramingChannels.cs CreatePreamble: without an upgrade the whole preamble, PreambleEnd
    // included, goes in one write; the session reads from the server's first byte on.
    socket.write(preamble);
    let tls: TLSSocket | undefined;
    if (security !== undefined) {
      await upgradeAccepted(socket, { via, mode, contentType });
      tls = await initiateTls(socket, security, {
        host,
        port,
        via,
        viaHost: unbracket(parsed.host),
        viaPort: parsed.port > 0 ? parsed.port : NET_TCP_DEFAULT_PORT,
      });
      stream = tls;
      tls.setNoDelay(true);
    }
    const feed = new SocketFeed(stream);
    session = new ClientSessionImpl({
      feed,
      mode,
      via,
      contentType,
      maxMessageSize,
      maxPendingBytes,
      closeTimeoutMs,
      streamed: transferMode === 'streamed',
      keepSocketOpen: options.keepSocketOpen === true,
      security: tls === undefined ? undefined : securityInfoOf(tls, 'read'),
    });
    if (tls !== undefined) tls.write(encodePreambleEnd());
    feed.attach(session);
    await session.opened;
    return session;
  } catch (error) {
    stream.destroy();
    socket.destroy();
    // The open timer destroys the socket with its own error; whatever broke next, report that.
    throw timeoutError ?? error;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * Reads the server's answer to the UpgradeRequest: UpgradeResponse (go on with TLS), a Fault (the
 * server refuses the upgrade: WCF's text for it), or anything else (dotnet/wcf FramingChannels.cs
 * ValidateUpgradeResponse: "The server rejected the upgrade request.").
 */
function upgradeAccepted(
  socket: Socket,
  session: { via: string; mode: Mode; contentType: string },
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const feed = new SocketFeed(socket);
    const decoder = new RecordDecoder({ role: 'client', mode: session.mode });
    let settled = false;
    const finish = (error?: SessionError): void => {
      if (settled) return;
      settled = true;
      // Bytes after the UpgradeResponse (none from a well-behaved server) go back to the socket,
      // for the TLS layer.
      feed.release();
      if (error === undefined) resolve();
      else reject(error);
    };
    const rejected = (detail: string, cause?: unknown): SessionError =>
      new SessionError(
        SessionErrorCodes.SECURITY_NEGOTIATION_FAILED,
        `The server rejected the upgrade request. (${session.via}: ${detail}) The service may not have transport security; set the client's security to match the service.`,
        { cause },
      );
    const sink: FeedSink = {
      onData: (chunk) => {
        let used = chunk.length;
        let outcome: SessionError | 'upgraded' | undefined;
        try {
          used = decoder.decode(chunk, (record) => {
            if (record.type === 'upgrade-response') outcome = 'upgraded';
            else if (record.type === 'fault') outcome = faultReceivedError(record.uri, session.via, session.contentType);
            else outcome = rejected(`it answered with a ${record.type} record`);
          });
        } catch (error) {
          outcome = rejected(`its answer is not .NET Message Framing: ${error instanceof Error ? error.message : String(error)}`, error);
        }
        if (outcome !== undefined) {
          feed.detach(sink);
          // After this call returns, the feed holds the bytes that followed; release() then gives them back.
          const result = outcome;
          queueMicrotask(() => finish(result === 'upgraded' ? undefined : result));
        }
        return used;
      },
      onEnd: () => finish(rejected('it closed the connection')),
      onClose: (error) => finish(rejected(`the connection closed${error === undefined ? '' : `: ${error.message}`}`, error)),
    };
    feed.attach(sink);
  });
}

function connected(
  socket: Socket,
  via: string,
  host: string,
  port: number,
  timedOut: () => boolean,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onConnect = (): void => {
      socket.off('error', onError);
      resolve();
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      socket.off('connect', onConnect);
      if (timedOut() && error instanceof SessionError) {
        reject(error);
      } else if (error.code === 'ECONNREFUSED') {
        reject(
          new SessionError(
            SessionErrorCodes.CONNECTION_REFUSED,
            `Could not connect to ${via}: the connection to ${host}:${port} was refused (ECONNREFUSED). Check that the service is running and listening on ${host}:${port}.`,
            { cause: error },
          ),
        );
      } else {
        reject(
          new SessionError(
            SessionErrorCodes.CONNECT_FAILED,
            `Could not connect to ${via} at ${host}:${port}: ${error.message}. Check the host name and that ${host}:${port} is reachable from here.`,
            { cause: error },
          ),
        );
      }
    };
    socket.once('connect', onConnect);
    socket.once('error', onError);
  });
}

/** `[::1]` → `::1`: URL hosts keep IPv6 brackets, net.connect wants them off. */
function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
