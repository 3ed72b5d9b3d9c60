/**
 * Errors of the net.tcp session layer (server and client side).
 *
 * Every code is listed in {@link SessionErrorCodes}; packages/worker/SESSIONS.md documents the
 * same codes in its "Errors" table, and a test keeps the two in step. Callers branch on `code`.
 *
 * @module
 */

import { PortshareError } from '@portshare/framing';

/** Codes of every {@link SessionError}. */
export const SessionErrorCodes = {
  /** The peer answered (or was answered) with the EndpointNotFound fault: no endpoint serves the via. */
  ENDPOINT_NOT_FOUND: 'SESSION_ERR_ENDPOINT_NOT_FOUND',
  /** The EndpointUnavailable fault: the service at the via is paused or disabled. */
  ENDPOINT_UNAVAILABLE: 'SESSION_ERR_ENDPOINT_UNAVAILABLE',
  /** The ConnectionDispatchFailed fault: the sharing service could not hand the connection over. */
  CONNECTION_DISPATCH_FAILED: 'SESSION_ERR_CONNECTION_DISPATCH_FAILED',
  /** The ContentTypeInvalid fault: the service does not serve the requested message encoding. */
  CONTENT_TYPE_INVALID: 'SESSION_ERR_CONTENT_TYPE_INVALID',
  /** The ContentTypeTooLong fault. */
  CONTENT_TYPE_TOO_LONG: 'SESSION_ERR_CONTENT_TYPE_TOO_LONG',
  /** An envelope exceeds maxMessageSize (MaxMessageSizeExceededFault, sent or received). */
  MESSAGE_TOO_LARGE: 'SESSION_ERR_MESSAGE_TOO_LARGE',
  /** The ServerTooBusy fault: no session slot became free in time. */
  SERVER_TOO_BUSY: 'SESSION_ERR_SERVER_TOO_BUSY',
  /** The ServiceActivationFailed fault. */
  SERVICE_ACTIVATION_FAILED: 'SESSION_ERR_SERVICE_ACTIVATION_FAILED',
  /** The UnsupportedMode fault: the framing mode is not served. */
  UNSUPPORTED_MODE: 'SESSION_ERR_UNSUPPORTED_MODE',
  /** The UnsupportedVersion fault: the framing major version is not 1. */
  UNSUPPORTED_VERSION: 'SESSION_ERR_UNSUPPORTED_VERSION',
  /**
   * The UpgradeInvalid fault: the server does not accept the stream upgrade the client asked for
   * (no transport security there, or `application/negotiate`, Windows credentials).
   */
  UPGRADE_INVALID: 'SESSION_ERR_UPGRADE_INVALID',
  /**
   * The TLS handshake failed, or the peer's certificate was refused (untrusted, expired, missing
   * when required), or the server did not answer the upgrade request (WCF's
   * SecurityNegotiationException).
   */
  SECURITY_NEGOTIATION_FAILED: 'SESSION_ERR_SECURITY_NEGOTIATION_FAILED',
  /** The server certificate does not carry the expected DNS identity (WCF's MessageSecurityException). */
  IDENTITY_CHECK_FAILED: 'SESSION_ERR_IDENTITY_CHECK_FAILED',
  /** A service with transport security got a client that did not upgrade; the connection was aborted. */
  SECURITY_REQUIRED: 'SESSION_ERR_SECURITY_REQUIRED',
  /** The ViaTooLong fault. */
  VIA_TOO_LONG: 'SESSION_ERR_VIA_TOO_LONG',
  /** A fault URI this implementation does not know. */
  SERVER_FAULT: 'SESSION_ERR_SERVER_FAULT',
  /** The server's first byte is not a framing record: it does not speak .NET Framing. */
  NOT_FRAMING: 'SESSION_ERR_NOT_FRAMING',
  /** The peer broke the [MC-NMF] grammar (malformed preamble, unexpected record). */
  PROTOCOL: 'SESSION_ERR_PROTOCOL',
  /** A reused connection's new via was refused by validateReusedVia; the connection is aborted. */
  VIA_REJECTED: 'SESSION_ERR_VIA_REJECTED',
  /** The preamble did not arrive within channelInitializationTimeoutMs. */
  CHANNEL_INIT_TIMEOUT: 'SESSION_ERR_CHANNEL_INIT_TIMEOUT',
  /** No traffic on a session for idleTimeoutMs. */
  IDLE_TIMEOUT: 'SESSION_ERR_IDLE_TIMEOUT',
  /** The client's connect + preamble exchange did not finish within openTimeoutMs. */
  OPEN_TIMEOUT: 'SESSION_ERR_OPEN_TIMEOUT',
  /** The peer did not answer End (or close the connection) within closeTimeoutMs. */
  CLOSE_TIMEOUT: 'SESSION_ERR_CLOSE_TIMEOUT',
  /** The TCP connection was refused (nothing listens at host:port). */
  CONNECTION_REFUSED: 'SESSION_ERR_CONNECTION_REFUSED',
  /** The TCP connection could not be made for another reason (name lookup, unreachable host). */
  CONNECT_FAILED: 'SESSION_ERR_CONNECT_FAILED',
  /** The connection closed or failed before the session ended with End. */
  CONNECTION_CLOSED: 'SESSION_ERR_CONNECTION_CLOSED',
  /** The session was aborted locally (abort() or the server closing). */
  ABORTED: 'SESSION_ERR_ABORTED',
  /** send() after close() began, or a second message in singleton mode. */
  SESSION_CLOSED: 'SESSION_ERR_SESSION_CLOSED',
  /** The server is closed and takes no more connections. */
  SERVER_CLOSED: 'SESSION_ERR_SERVER_CLOSED',
  /** An option has a value out of its range. */
  INVALID_OPTION: 'SESSION_ERR_INVALID_OPTION',
} as const;

/** One of the {@link SessionErrorCodes} values. */
export type SessionErrorCode = (typeof SessionErrorCodes)[keyof typeof SessionErrorCodes];

/** Options of a {@link SessionError}. */
export interface SessionErrorOptions {
  cause?: unknown;
  /** The [MC-NMF] fault URI sent or received with this failure, if any. */
  faultUri?: string | undefined;
}

/** Every failure of a net.tcp session, on either side. */
export class SessionError extends PortshareError<SessionErrorCode> {
  /** The fault URI that was sent to or received from the peer, if the failure has one. */
  readonly faultUri: string | undefined;

  constructor(code: SessionErrorCode, message: string, options?: SessionErrorOptions) {
    super(code, message, options);
    this.faultUri = options?.faultUri;
  }
}
