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
export * from './session/index.js';
