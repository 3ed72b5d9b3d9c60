export { NetTcpListener, type NetTcpListenerOptions, type NetTcpListenerEvents } from './listener.js';
export type { ConnectionInfo } from './connection-info.js';
export { NetTcpServer, type NetTcpServerOptions, type NetTcpServerEvents } from './server.js';
export { BaseUri } from './base-uri.js';
export { WorkerError, WorkerErrorCodes, addressInUseMessage, type WorkerErrorCode } from './errors.js';
export { HostNameComparisonMode, type OnConflict } from '@portshare/control';
// The values the session options take (modes, encodings).
export { KnownEncoding, Mode } from '@portshare/framing';
export {
  // Sessions, server and client side (SESSIONS.md).
  SessionServer,
  connectSession,
  faultCode,
  defaultMaxConcurrentSessions,
  SessionDefaults,
  SessionError,
  SessionErrorCodes,
  type ClientSession,
  type ConnectOptions,
  type MessageChannel,
  type ServerSession,
  type SessionErrorCode,
  type SessionErrorOptions,
  type SessionServerEvents,
  type SessionServerOptions,
  type SessionState,
  type TransferMode,
  // Transport security (SESSIONS.md, "Transport security").
  type CertificateCheckContext,
  type CertificateValidator,
  type ClientCertificateMode,
  type ClientSecurityOptions,
  type ServerSecurityOptions,
  type TlsSettings,
  type TransportSecurityInfo,
} from './session/index.js';
