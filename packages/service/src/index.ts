// The sharing service's public API: run the daemon (or embed it), its configuration, its errors and
// exit codes, and what the admin CLI's `doctor` judges. The routing table is under
// `@portshare/service/routing`; the daemon binary is `@portshare/service/main`.
export { PortshareService, type ServiceOptions } from './service.js';
export { runDaemon, disabledStartMessage, type RunDaemonOptions, type RunningDaemon } from './daemon.js';
export { configJsonSchema, defaultConfig, validateConfig, loadConfig, type ServiceConfig, type StaticRoute, type UriReservation } from './config.js';
export { checkConfigOnHost, type RunningService } from './config-host.js';
export { ServiceError, ServiceErrorCodes, type ServiceErrorCode } from './errors.js';
export { ExitCode, exitCodeFor } from './exit-codes.js';
// For the admin CLI's `doctor`: the instance folders judged as the daemon judges them at start.
export { entryProblems, folderTrust, instanceProblems, type FolderTrust } from './instance-files.js';
