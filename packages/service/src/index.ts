export { PortshareService, type ServiceOptions } from './service.js';
export { runDaemon, disabledStartMessage, type RunDaemonOptions, type RunningDaemon } from './daemon.js';
export { configJsonSchema, defaultConfig, validateConfig, loadConfig, type ServiceConfig, type StaticRoute, type UriReservation } from './config.js';
export { checkConfigOnHost, type RunningService } from './config-host.js';
export { parseTimeSpan } from './timespan.js';
export { logConnectionEvent, ConnectionLog, type ConnectionLogLevel } from './connection-log.js';
export { ServiceError, ServiceErrorCodes, type ServiceErrorCode } from './errors.js';
// For the admin CLI's `doctor`: the instance folders judged as the daemon judges them at start.
export { entryProblems, folderTrust, instanceProblems, type FolderTrust } from './instance-files.js';
export { ExitCode, exitCodeFor } from './exit-codes.js';
export { RoutingTable, pathSegments, type RouteKey, type RouteEntry } from './routing-table.js';
export { prometheusText, createCounters } from './counters.js';
// For the admin CLI's `doctor`: whether this Node can pass sockets (else connections are proxied), and why not.
export { isSupported as isHandoffSupported, unsupportedReason as handoffUnsupportedReason } from '@portshare/handoff';
