/**
 * net.tcp session channels: the server side (SessionServer, ServerSession) and the client side
 * (connectSession, ClientSession) of [MC-NMF] duplex and singleton-unsized sessions.
 *
 * @module
 */

export { type ClientSession, type ConnectOptions, connectSession } from './client-session.js';
export { SessionError, type SessionErrorCode, SessionErrorCodes, type SessionErrorOptions } from './errors.js';
export { faultCode } from './faults.js';
export type { MessageChannel } from './message-channel.js';
export { defaultMaxConcurrentSessions, SessionDefaults, type TransferMode } from './options.js';
export type { SessionServerOptions } from './server-options.js';
export type { ServerSession } from './server-session.js';
export type { SessionState } from './session-channel.js';
export { SessionServer, type SessionServerEvents } from './session-server.js';
export type {
  CertificateCheckContext,
  CertificateValidator,
  ClientCertificateMode,
  ClientSecurityOptions,
  ServerSecurityOptions,
  TlsSettings,
  TransportSecurityInfo,
} from './transport-security.js';
