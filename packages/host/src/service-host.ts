/**
 * The service host: contracts and their implementations, a base address and binding-like options
 * in; a running net.tcp service out — WCF's `ServiceHost` with a `NetTcpBinding` endpoint.
 *
 * It wires what every service wrote by hand (a `NetTcpServer` whose sessions a `ServiceDispatcher`
 * serves, then closes), and adds what WCF gives a host: one `maxReceivedMessageSize` for both the
 * framing layer and the message layer, a preamble that takes only what the dispatcher can serve
 * (duplex or singleton mode; binary session, sessionless binary or SOAP 1.2 text: anything else
 * gets ContentTypeInvalid at the preamble, never a decoding error later), a session id and the client's address in
 * `OperationContext`, errors reported as events, and a graceful close bounded by a timeout.
 *
 * @module
 */

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { KnownEncoding, Mode } from '@portshare/framing';
import {
  type DispatchErrorContext,
  type ReaderQuotas,
  ServiceDispatcher,
  type ServiceEndpoint,
} from '@portshare/soap';
import {
  type ConnectionInfo,
  NetTcpServer,
  type NetTcpServerOptions,
  type ServerSecurityOptions,
  type ServerSession,
  type SessionError,
} from '@portshare/worker';
import { HostError, HostErrorCodes } from './errors.js';

/** What {@link ServiceHost.open} takes. */
export interface ServiceHostOptions
  extends Omit<NetTcpServerOptions, 'uri' | 'maxMessageSize' | 'modes' | 'encodings'> {
  /** The base address, e.g. `net.tcp://localhost:9000/calculator/4381`; vias under it are served. */
  address: string;
  /** The contracts served, each bound to its implementation with `implement()`. */
  services: readonly ServiceEndpoint[];
  /**
   * Largest message received, in bytes (default 65536): WCF's `MaxReceivedMessageSize`, applied to
   * the framing layer (a larger envelope gets MaxMessageSizeExceededFault) and to the message
   * layer's reader alike.
   */
  maxReceivedMessageSize?: number;
  /**
   * The message reader's other limits (WCF's `ReaderQuotas`: `maxStringContentLength` 8192,
   * `maxArrayLength` 16384, `maxDepth` 32, …). A 70,000-character string needs
   * `maxStringContentLength` raised as well as `maxReceivedMessageSize`, as in WCF.
   */
  readerQuotas?: Partial<Omit<ReaderQuotas, 'maxReceivedMessageSize'>>;
  /** Most session-string bytes sent to a client per connection (default 2048, the client's MaxSessionSize). */
  writerSessionSize?: number;
  /** `xml:lang` of the fault reasons the host writes (default `en-US`). */
  faultLanguage?: string;
  /**
   * How long close() gives in-flight calls and sessions before aborting them (default 10000, WCF's
   * ServiceHost CloseTimeout).
   */
  closeTimeoutMs?: number;
}

/** Options of {@link ServiceHost.close}. */
export interface CloseOptions {
  /** Overrides the host's closeTimeoutMs for this close. */
  timeoutMs?: number;
  /**
   * Wait for clients to end their sessions themselves (a deploy that lets every client finish),
   * instead of ending each session once its call in flight is answered. Either way the wait is
   * bounded by the timeout.
   */
  waitForSessions?: boolean;
}

/** Where a host is in its life. */
export type ServiceHostState = 'opened' | 'closing' | 'closed';

/** Events of a {@link ServiceHost}. */
export interface ServiceHostEvents {
  /** A session started (its preamble was acknowledged). */
  session: [session: ServerSession, info: ConnectionInfo];
  /**
   * An operation threw something other than a FaultException (the client got WCF's
   * InternalServiceFault), a one-way operation failed, or a request could not be read. The
   * context names the action, the operation and the session (its id and the client's address).
   */
  operationError: [error: unknown, context: DispatchErrorContext];
  /** One connection's trouble at the transport: a fault sent, a timeout, a failed TLS handshake. */
  connectionError: [error: SessionError, socket: Socket];
  /** Registered with the sharing service (again, after it restarted). */
  registered: [registrationId: number];
  unregistered: [];
  /** A host started with `onConflict: 'replace'` took the address; close this one when ready. */
  superseded: [];
  warning: [error: Error];
  /** close() aborted sessions that did not finish within its timeout. */
  closeTimeout: [error: HostError];
}

interface Served {
  readonly stop: AbortController;
  readonly done: Promise<void>;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RECEIVED_MESSAGE_SIZE = 65_536;

let sessionCounter = 0;

/** A running net.tcp service; see the module comment. */
export class ServiceHost extends EventEmitter<ServiceHostEvents> {
  /** The base address served. */
  readonly address: string;
  readonly #server: NetTcpServer;
  readonly #dispatcher: ServiceDispatcher;
  readonly #closeTimeoutMs: number;
  readonly #sessions = new Map<ServerSession, Served>();
  readonly #idleWaiters = new Set<() => void>();
  #state: ServiceHostState = 'opened';
  #closed: Promise<void> | undefined;

  private constructor(server: NetTcpServer, dispatcher: ServiceDispatcher, options: ServiceHostOptions, closeTimeoutMs: number) {
    super();
    this.address = options.address;
    this.#server = server;
    this.#dispatcher = dispatcher;
    this.#closeTimeoutMs = closeTimeoutMs;
    server.on('session', (session, info) => this.#serve(session, info));
    server.on('connectionError', (error, socket) => this.emit('connectionError', error, socket));
    server.on('registered', (id) => this.emit('registered', id));
    server.on('unregistered', () => this.emit('unregistered'));
    server.on('superseded', () => this.emit('superseded'));
    server.on('warning', (error) => this.emit('warning', error));
  }

  /**
   * Checks the options, starts listening (or registers with the sharing service) and resolves
   * once the service takes connections. Rejects with HOST_ERR_INVALID_OPTION, or the listener's
   * error (WCF's AddressAlreadyInUse text, the sharing service's refusals).
   */
  static async open(options: ServiceHostOptions): Promise<ServiceHost> {
    if (typeof options !== 'object' || options === null) {
      throw new HostError(HostErrorCodes.INVALID_OPTION, 'ServiceHost.open needs options: { address, services, … }.');
    }
    if (typeof options.address !== 'string' || options.address === '') {
      throw new HostError(HostErrorCodes.INVALID_OPTION, 'The option address is required: the base address, e.g. net.tcp://localhost:808/service.');
    }
    if (!Array.isArray(options.services) || options.services.length === 0) {
      throw new HostError(
        HostErrorCodes.INVALID_OPTION,
        'The option services needs at least one contract implementation: services: [implement(IContract, { … })].',
      );
    }
    const maxReceivedMessageSize = whole('maxReceivedMessageSize', options.maxReceivedMessageSize, DEFAULT_MAX_RECEIVED_MESSAGE_SIZE, 1);
    const closeTimeoutMs = whole('closeTimeoutMs', options.closeTimeoutMs, DEFAULT_CLOSE_TIMEOUT_MS, 1);
    let onError: (error: unknown, context: DispatchErrorContext) => void = () => {};
    // Made first: a contract error (two operations with one action) fails before anything listens.
    const dispatcher = new ServiceDispatcher(options.services, {
      quotas: { ...options.readerQuotas, maxReceivedMessageSize },
      ...(options.writerSessionSize === undefined ? {} : { writerSessionSize: options.writerSessionSize }),
      ...(options.faultLanguage === undefined ? {} : { faultLanguage: options.faultLanguage }),
      onError: (error, context) => onError(error, context),
    });
    const {
      address,
      services: _services,
      maxReceivedMessageSize: _max,
      readerQuotas: _quotas,
      writerSessionSize: _writer,
      faultLanguage: _lang,
      closeTimeoutMs: _close,
      ...transport
    } = options;
    const server = await NetTcpServer.listen({
      // Singleton mode is what WCF's streamed transfer uses: its message is read as it arrives, so
      // a `stream` part reaches the operation while it is still coming (the host's default).
      transferMode: 'streamed',
      ...transport,
      uri: address,
      maxMessageSize: maxReceivedMessageSize,
      // What the dispatcher serves: buffered transfer (duplex mode) with NetTcpBinding's binary
      // session encoding, streamed transfer's singleton mode with the sessionless binary encoding
      // (one call per connection), and SOAP 1.2 text (TextMessageEncoding over TCP) in either.
      modes: [Mode.Duplex, Mode.SingletonUnsized],
      encodings: [KnownEncoding.BinarySession, KnownEncoding.Binary, KnownEncoding.Soap12Utf8],
    });
    const host = new ServiceHost(server, dispatcher, options, closeTimeoutMs);
    onError = (error, context) => host.#operationError(error, context);
    return host;
  }

  /** 'opened', then 'closing' during close(), then 'closed'. */
  get state(): ServiceHostState {
    return this.#state;
  }

  /** Sessions being served now. */
  get activeSessions(): number {
    return this.#sessions.size;
  }

  /**
   * Replaces the transport security for connections accepted from now on (a renewed
   * certificate); open sessions keep theirs. A credential that does not load throws and changes
   * nothing.
   */
  setSecurity(security: ServerSecurityOptions | undefined): void {
    this.#server.setSecurity(security);
  }

  /**
   * Closes gracefully: stops taking connections (unregistering from the sharing service at once),
   * lets each call in flight finish and be answered, ends each session with End, and resolves
   * when every connection is closed. Sessions still open when the timeout runs out are aborted
   * and reported with a `closeTimeout` event (HOST_ERR_CLOSE_TIMEOUT); close() still resolves.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closed ??= this.#close(whole('timeoutMs', options.timeoutMs, this.#closeTimeoutMs, 1), options.waitForSessions === true);
    return this.#closed;
  }

  /** Closes at once: every connection aborted, no End. */
  abort(): void {
    this.#state = 'closing';
    for (const session of this.#sessions.keys()) session.abort('the service host was aborted');
    void this.#server.close().finally(() => {
      this.#state = 'closed';
    });
  }

  async #close(timeoutMs: number, waitForSessions: boolean): Promise<void> {
    this.#state = 'closing';
    const deadline = Date.now() + timeoutMs;
    await this.#server.listener.close();
    if (waitForSessions) await this.#idle(deadline);
    for (const served of this.#sessions.values()) served.stop.abort();
    await this.#idle(deadline);
    if (this.#sessions.size > 0) {
      const error = new HostError(
        HostErrorCodes.CLOSE_TIMEOUT,
        `${this.#sessions.size} session(s) of ${this.address} were still open after the close timeout of ${timeoutMs} ms and were aborted. Raise closeTimeoutMs if calls take longer.`,
      );
      for (const session of this.#sessions.keys()) session.abort('the service host closed');
      this.emit('closeTimeout', error);
    }
    await this.#server.sessions.close();
    this.#state = 'closed';
  }

  /** Resolves when no session is left, or at the deadline. */
  #idle(deadline: number): Promise<void> {
    if (this.#sessions.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#idleWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
      this.#idleWaiters.add(done);
    });
  }

  #serve(session: ServerSession, info: ConnectionInfo): void {
    const sessionId = `uuid:${randomUUID()};id=${++sessionCounter}`;
    const stop = new AbortController();
    if (this.#state !== 'opened') stop.abort();
    const description = {
      sessionId,
      ...(info.remoteAddress === '' ? {} : { remoteAddress: info.remoteAddress }),
      ...(info.remotePort === 0 ? {} : { remotePort: info.remotePort }),
    };
    const done = this.#dispatcher
      .serve(session, { signal: stop.signal, session: description })
      .then(
        () => session.close(),
        // A message that cannot be read at all ends the session (reported as an operationError).
        () => session.abort('a message of the session could not be read'),
      )
      .catch(() => {
        // close() timed out (the client never answered End): the connection is aborted; nothing else to do.
      })
      .finally(() => {
        this.#sessions.delete(session);
        if (this.#sessions.size === 0) for (const waiter of [...this.#idleWaiters]) waiter();
      });
    this.#sessions.set(session, { stop, done });
    this.emit('session', session, info);
  }

  #operationError(error: unknown, context: DispatchErrorContext): void {
    this.emit('operationError', error, context);
  }
}

function whole(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > 0x7fffffff) {
    throw new HostError(HostErrorCodes.INVALID_OPTION, `The option ${name} is ${String(value)}; it must be a whole number from ${min} to ${0x7fffffff}.`);
  }
  return value;
}
