import { PortshareError } from '@portshare/framing';
import { ExitCode } from '@portshare/service';

/**
 * Codes of the errors the CLI raises itself. Errors from the daemon and the service library keep
 * their own codes (CONTROL_ERR_*, SERVICE_ERR_*); the README's "Errors" table lists both.
 */
export const CliErrorCodes = {
  /** `stop` (or `restart`) sent 'stop' but the daemon still answered when the wait ran out. */
  StopTimeout: 'CLI_ERR_STOP_TIMEOUT',
  /** A configuration file named on the command line does not exist. */
  ConfigNotFound: 'CLI_ERR_CONFIG_NOT_FOUND',
  /** `logs` was asked for a log the service writes to its standard error, not to a file. */
  LogNotInFile: 'CLI_ERR_LOG_NOT_IN_FILE',
  /** `install-service`/`uninstall-service` met a unit file it did not write, or was asked for a non-system instance. */
  ServiceUnit: 'CLI_ERR_SERVICE_UNIT',
  /** The account running the command may not write a file the command changes (EACCES, EPERM). */
  PermissionDenied: 'CLI_ERR_PERMISSION_DENIED',
  /** The command does not exist (the message names the nearest one when it looks like a typo). */
  UnknownCommand: 'CLI_ERR_UNKNOWN_COMMAND',
  /** `restart` of a service systemd runs: `systemctl reload` failed, or `--config` was given (the unit names its file). */
  SystemdReload: 'CLI_ERR_SYSTEMD_RELOAD',
} as const;
export type CliErrorCode = (typeof CliErrorCodes)[keyof typeof CliErrorCodes];

/** The exit code of each CLI error (the service's ExitCode vocabulary). */
export const cliErrorExitCodes: Record<CliErrorCode, ExitCode> = {
  [CliErrorCodes.StopTimeout]: ExitCode.Failure,
  [CliErrorCodes.ConfigNotFound]: ExitCode.BadConfig,
  [CliErrorCodes.LogNotInFile]: ExitCode.Failure,
  [CliErrorCodes.ServiceUnit]: ExitCode.Failure,
  [CliErrorCodes.UnknownCommand]: ExitCode.Usage,
  [CliErrorCodes.PermissionDenied]: ExitCode.Refused,
  [CliErrorCodes.SystemdReload]: ExitCode.Failure,
};

export class CliError extends PortshareError<CliErrorCode> {}
