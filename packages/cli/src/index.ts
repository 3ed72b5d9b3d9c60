/**
 * `@portshare/cli`: the `portshare` admin command. The commands are thin layers over
 * `@portshare/control` and `@portshare/service`; what is exported here is what they share.
 *
 * @packageDocumentation
 */
export { COMMANDS } from './commands.js';
export { PortshareCommand, type CommandArgs, type CommandFlags } from './base-command.js';
export { CliError, CliErrorCodes, cliErrorExitCodes, type CliErrorCode } from './errors.js';
export { presentError, exitCodeOf, type PresentedError } from './present-error.js';
export { CliLimits } from './limits.js';
export { SMSVCHOST_COUNTER_NAMES, counterRows, type CounterRow } from './counters.js';
export { readConfigView, type ConfigEntry, type ConfigView } from './config-view.js';
export { runDoctor, type CheckResult, type CheckStatus } from './doctor.js';
export { readLastLines, followFile, formatLogLine, parseLogLine } from './log-file.js';
export { renderTable, formatUptime, type Column } from './table.js';
export { serviceMainPath, defaultStartCommand } from './service-binary.js';
export { SERVICE_UNIT, SOCKET_UNIT, UNIT_MARKER, listenStream, renderUnits, unitFolder, unitWord, type UnitOptions } from './systemd-units.js';
export type { InstallServiceResult } from './commands/install-service.js';
export type { UninstallServiceResult } from './commands/uninstall-service.js';
export type { EnableResult } from './commands/enable.js';
export type { DisableResult } from './commands/disable.js';
export type { StartResult } from './commands/start.js';
export type { StopResult } from './commands/stop.js';
export type { RestartResult } from './commands/restart.js';
export type { StatusResult } from './commands/status.js';
export type { PauseResult } from './commands/pause.js';
export type { ResumeResult } from './commands/resume.js';
export type { RoutesResult } from './commands/routes.js';
export type { LogsResult } from './commands/logs.js';
export type { DoctorResult } from './commands/doctor.js';
export type { ConfigResult } from './commands/config/show.js';
export type { ConfigValidateResult } from './commands/config/validate.js';
export type { ConfigPathResult } from './commands/config/path.js';
