export { PortshareService, type ServiceOptions } from './service.js';
export { runDaemon, disabledStartMessage, type RunDaemonOptions, type RunningDaemon } from './daemon.js';
export { defaultConfig, validateConfig, loadConfig, type ServiceConfig } from './config.js';
export { ServiceError, ServiceErrorCodes, type ServiceErrorCode } from './errors.js';
export { ExitCode, exitCodeFor } from './exit-codes.js';
export { RoutingTable, pathSegments, type RouteKey, type RouteEntry } from './routing-table.js';
export { prometheusText, createCounters } from './counters.js';
export { sendFault, type FaultOptions } from './faults.js';
// For the admin CLI's `doctor`: whether this Node can pass sockets (else connections are proxied), and why not.
export { isSupported as isHandoffSupported, unsupportedReason as handoffUnsupportedReason } from '@portshare/handoff';
