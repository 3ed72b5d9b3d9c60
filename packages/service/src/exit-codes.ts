/** Process exit codes shared by the service binary and the CLI: each means one thing. */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
  NotRunning: 3,
  Disabled: 4,
  Refused: 5,
  AlreadyRunning: 6,
  BadConfig: 78, // EX_CONFIG
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export function exitCodeFor(code: string): ExitCode {
  switch (code) {
    case 'SERVICE_ERR_DISABLED':
    case 'CONTROL_ERR_DISABLED':
      return ExitCode.Disabled;
    case 'CONTROL_ERR_NOT_RUNNING':
      return ExitCode.NotRunning;
    case 'CONTROL_ERR_ACCESS_DENIED':
    case 'CONTROL_ERR_NOT_ADMINISTRATOR':
    case 'CONTROL_ERR_TOO_MANY_CONNECTIONS':
    case 'CONTROL_ERR_RESERVED':
    case 'CONTROL_ERR_HELD':
      return ExitCode.Refused;
    case 'SERVICE_ERR_ALREADY_RUNNING':
      return ExitCode.AlreadyRunning;
    case 'SERVICE_ERR_BAD_CONFIG':
      return ExitCode.BadConfig;
    default:
      return ExitCode.Failure;
  }
}
