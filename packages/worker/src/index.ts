export {
  NetTcpListener,
  type NetTcpListenerOptions,
  type NetTcpListenerEvents,
  type ConnectionInfo,
} from './listener.js';
export { NetTcpServer, type NetTcpServerOptions, type NetTcpServerEvents } from './server.js';
export { BaseUri } from './base-uri.js';
export { WorkerError, WorkerErrorCodes, addressInUseMessage, type WorkerErrorCode } from './errors.js';
export { HostNameComparisonMode, type OnConflict } from '@portshare/control';
// The values the session options take (modes, encodings).
export { KnownEncoding, Mode } from '@portshare/framing';
export * from './session/index.js';
