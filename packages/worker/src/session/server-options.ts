/**
 * Options of a {@link SessionServer} and their resolution to checked values.
 *
 * @module
 */

import type { Socket } from 'node:net';
import { FramingLimits, KNOWN_ENCODING_CONTENT_TYPES, KnownEncoding, Mode, type ParsedVia } from '@portshare/framing';
import { SessionError, SessionErrorCodes } from './errors.js';
import {
  defaultMaxConcurrentSessions,
  integerOption,
  SessionDefaults,
  timeoutOption,
  type TransferMode,
  transferModeOption,
} from './options.js';
import { type ResolvedServerSecurity, resolveServerSecurity, type ServerSecurityOptions } from './transport-security.js';

/**
 * What a {@link SessionServer} serves and the limits it enforces. `Context` is what the caller
 * knows of each connection it hands over (see SessionServer.handle).
 */
export interface SessionServerOptions<Context = undefined> {
  /**
   * Is this via served here? (The listener compares it with its base URI.) false → the
   * EndpointNotFound fault; a throw → the ServiceActivationFailed fault.
   */
  acceptVia(via: ParsedVia): boolean;
  /**
   * For the second and later preambles on one connection: does the via still route to this worker?
   * (WCF's ValidateUriRoute, docs/protocol.md §5.) false or a rejection aborts the
   * connection without a fault, as WCF does. When absent, acceptVia alone decides.
   */
  validateReusedVia?(via: ParsedVia, socket: Socket, context: Context): Promise<boolean>;
  /** Framing modes served (default both 2, duplex, and 1, singleton-unsized). Others → UnsupportedMode. */
  modes?: readonly Mode[];
  /**
   * Encodings served, as KnownEncoding bytes or content types. Default: BinarySession (8) for duplex
   * and Binary (7) for singleton, what NetTcpBinding sends. Others → the ContentTypeInvalid fault.
   */
  encodings?: readonly (number | string)[];
  /** Largest incoming message in bytes (default 65536, WCF MaxReceivedMessageSize). Over → MaxMessageSizeExceededFault. */
  maxMessageSize?: number;
  /** Largest via in bytes (default 2048, WCF MaxViaSize). Over → abort without a fault, as WCF. */
  maxViaBytes?: number;
  /** Largest ExtensibleEncoding content type in bytes (default 256). Over → abort without a fault. */
  maxContentTypeBytes?: number;
  /** Time for the first preamble to arrive in full (default 30000). Past it → abort without a fault. */
  channelInitializationTimeoutMs?: number;
  /**
   * Longest silence on a session, and longest wait for the next preamble on a pooled connection
   * (default 120000, WCF IdleTimeout). Past it the session is aborted / the connection closed.
   */
  idleTimeoutMs?: number;
  /** How long a session's close() waits for the client's End (default 60000). */
  closeTimeoutMs?: number;
  /**
   * Sessions open at once (default 100 × CPU count, WCF 4.5's MaxConcurrentSessions). A preamble
   * beyond it waits, unacknowledged, for a free slot until its channel initialization time runs
   * out, then gets the ServerTooBusy fault.
   */
  maxConcurrentSessions?: number;
  /** Incoming bytes queued per session before the socket is paused (default 65536). */
  maxPendingBytes?: number;
  /**
   * `'streamed'` (WCF's TransferMode.Streamed): the message of a singleton-mode session (mode 1)
   * is read piece by piece as it arrives instead of whole (see SessionChannel.streamed), still
   * bounded in total by maxMessageSize. Duplex sessions are always buffered. Default `'buffered'`.
   */
  transferMode?: TransferMode;
  /** Bytes read and discarded after a fault before aborting (default 65536, WCF MaxDrainSize). */
  faultDrainMaxBytes?: number;
  /** Longest wait for the client's EOF after a fault (default 60000). */
  faultDrainTimeoutMs?: number;
  /**
   * Transport security (NetTcpBinding's SecurityMode.Transport over TLS): every client must upgrade
   * to TLS (`application/ssl-tls`) before its session; one that does not is aborted, as WCF does.
   * The TLS handshake counts against channelInitializationTimeoutMs. Default: none (SecurityMode.None).
   */
  security?: ServerSecurityOptions;
}

/** @internal Checked options. */
export interface ResolvedServerOptions<Context = undefined> {
  acceptVia(via: ParsedVia): boolean;
  validateReusedVia: ((via: ParsedVia, socket: Socket, context: Context) => Promise<boolean>) | undefined;
  modes: ReadonlySet<Mode>;
  /** Lower-cased content types served, per mode. */
  encodings: ReadonlyMap<Mode, ReadonlySet<string>>;
  maxMessageSize: number;
  maxViaBytes: number;
  maxContentTypeBytes: number;
  channelInitializationTimeoutMs: number;
  idleTimeoutMs: number;
  closeTimeoutMs: number;
  maxConcurrentSessions: number;
  maxPendingBytes: number;
  transferMode: TransferMode;
  faultDrainMaxBytes: number;
  faultDrainTimeoutMs: number;
  security: ResolvedServerSecurity | undefined;
}

const SERVABLE_MODES: readonly Mode[] = [Mode.Duplex, Mode.SingletonUnsized];

/** @internal Checks the options and fills in the defaults. */
export function resolveServerOptions<Context>(options: SessionServerOptions<Context>): ResolvedServerOptions<Context> {
  if (typeof options.acceptVia !== 'function') {
    throw new SessionError(
      SessionErrorCodes.INVALID_OPTION,
      'The option acceptVia is required: a function that tells whether a via is served here.',
    );
  }
  const modes = options.modes ?? SERVABLE_MODES;
  for (const mode of modes) {
    if (!SERVABLE_MODES.includes(mode)) {
      throw new SessionError(
        SessionErrorCodes.INVALID_OPTION,
        `The option modes contains ${String(mode)}; only 2 (duplex) and 1 (singleton-unsized) can be served. Simplex (3) and singleton-sized (4) are MSMQ's and are always refused.`,
      );
    }
  }
  const encodings = new Map<Mode, ReadonlySet<string>>();
  for (const mode of SERVABLE_MODES) {
    const list =
      options.encodings ?? [mode === Mode.Duplex ? KnownEncoding.BinarySession : KnownEncoding.Binary];
    encodings.set(mode, new Set(list.map((entry) => contentTypeOf(entry).toLowerCase())));
  }
  return {
    acceptVia: options.acceptVia.bind(options),
    validateReusedVia: options.validateReusedVia?.bind(options),
    modes: new Set(modes),
    encodings,
    maxMessageSize: integerOption('maxMessageSize', options.maxMessageSize, SessionDefaults.maxMessageSize, 0),
    maxViaBytes: integerOption('maxViaBytes', options.maxViaBytes, FramingLimits.maxViaBytes, 0),
    maxContentTypeBytes: integerOption(
      'maxContentTypeBytes',
      options.maxContentTypeBytes,
      FramingLimits.maxContentTypeBytes,
      0,
    ),
    channelInitializationTimeoutMs: timeoutOption(
      'channelInitializationTimeoutMs',
      options.channelInitializationTimeoutMs,
      SessionDefaults.channelInitializationTimeoutMs,
    ),
    idleTimeoutMs: timeoutOption('idleTimeoutMs', options.idleTimeoutMs, SessionDefaults.idleTimeoutMs),
    closeTimeoutMs: timeoutOption('closeTimeoutMs', options.closeTimeoutMs, SessionDefaults.closeTimeoutMs),
    maxConcurrentSessions: integerOption(
      'maxConcurrentSessions',
      options.maxConcurrentSessions,
      defaultMaxConcurrentSessions(),
      1,
    ),
    maxPendingBytes: integerOption('maxPendingBytes', options.maxPendingBytes, SessionDefaults.maxPendingBytes, 1),
    transferMode: transferModeOption(options.transferMode),
    faultDrainMaxBytes: integerOption(
      'faultDrainMaxBytes',
      options.faultDrainMaxBytes,
      SessionDefaults.faultDrainMaxBytes,
      0,
    ),
    faultDrainTimeoutMs: timeoutOption(
      'faultDrainTimeoutMs',
      options.faultDrainTimeoutMs,
      SessionDefaults.faultDrainTimeoutMs,
    ),
    security: resolveServerSecurity(options.security),
  };
}

function contentTypeOf(entry: number | string): string {
  if (typeof entry === 'string') return entry;
  const contentType = KNOWN_ENCODING_CONTENT_TYPES[entry];
  if (contentType === undefined) {
    throw new SessionError(
      SessionErrorCodes.INVALID_OPTION,
      `The option encodings contains ${entry}, which is not a KnownEncoding byte (0..8). Give a content type string for other encodings.`,
    );
  }
  return contentType;
}
