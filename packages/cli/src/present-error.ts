import { userInfo } from 'node:os';
import { ControlErrorCodes, SYSTEM_FOLDERS, readState, type InstancePaths } from '@portshare/control';
import { PortshareError } from '@portshare/framing';
import { ServiceErrorCodes, disabledStartMessage, exitCodeFor, type ExitCode } from '@portshare/service';
import { CliErrorCodes, cliErrorExitCodes, type CliErrorCode } from './errors.js';

/** An error as the CLI shows it: one message that says what to do next, and an exit code. */
export interface PresentedError {
  code: string;
  message: string;
  exitCode: ExitCode;
}

/** The exit code for an error code of any portshare package. */
export function exitCodeOf(code: string): ExitCode {
  return (cliErrorExitCodes as Record<string, ExitCode | undefined>)[code as CliErrorCode] ?? exitCodeFor(code);
}

function currentUser(): string {
  const uid = process.getuid?.() ?? 0;
  try {
    return `${userInfo().username} (uid ${uid})`;
  } catch {
    return `uid ${uid}`;
  }
}

/**
 * A file the command changes that this account may not write (EACCES, EPERM from the system
 * call, with its path): say whose it is and what to do, not the bare errno.
 */
function permissionDenied(err: unknown, paths: InstancePaths | undefined): PresentedError | undefined {
  const e = err as NodeJS.ErrnoException;
  if (e === null || typeof e !== 'object' || (e.code !== 'EACCES' && e.code !== 'EPERM') || typeof e.path !== 'string') return undefined;
  const system = paths !== undefined && paths.home === undefined && paths.runDir === SYSTEM_FOLDERS.run;
  // The file itself, not the temporary one written next to it and renamed over it.
  const path = e.path.replace(/\/\.([^/]+)\.\d+\.tmp$/, '/$1').replace(/\.\d+\.tmp$/, '');
  return {
    code: CliErrorCodes.PermissionDenied,
    message:
      `${currentUser()} may not write ${path} (${e.code}). ` +
      (system
        ? "That is the system instance's, which only root administers: run the command as root (sudo portshare …), or pass --user to work on your own instance."
        : 'Run the command as the account that owns it, or as root.'),
    exitCode: cliErrorExitCodes[CliErrorCodes.PermissionDenied],
  };
}

function isDisabled(paths: InstancePaths): boolean {
  try {
    return readState(paths).startMode === 'disabled';
  } catch {
    return false;
  }
}

/**
 * Turns an expected error (any PortshareError) into what the user reads. Returns undefined for
 * anything else, which is a bug and is left to the default handler.
 */
export function presentError(err: unknown, paths: InstancePaths | undefined): PresentedError | undefined {
  const denied = permissionDenied(err, paths);
  if (denied !== undefined) return denied;
  if (!(err instanceof PortshareError)) return undefined;
  const exitCode = exitCodeOf(err.code);
  const configFile = paths?.configFile ?? 'the portshare configuration file';
  let message = err.message;
  switch (err.code) {
    case ControlErrorCodes.NotRunning:
      if (paths && isDisabled(paths)) {
        message += " Port sharing is disabled on this instance: run 'portshare enable' first.";
      }
      break;
    case ControlErrorCodes.AccessDenied:
      // The daemon's text is WCF's "failed to listen on the URI" wording, meant for workers; an
      // administrator needs to know which setting admits them.
      message =
        `The portshare service denied access to ${currentUser()}. ` +
        `Add the user to allowAccounts.users (or one of its groups to allowAccounts.groups) in ${configFile}, ` +
        `then restart the service ('portshare restart').`;
      break;
    case ControlErrorCodes.TooManyConnections:
      // The socket answered: the service runs. Say so, or "cannot connect" reads as "not running".
      message = `The portshare service is running but refused this connection: ${err.message}`;
      break;
    case ControlErrorCodes.NotAdministrator:
      message = `${err.message} You are ${currentUser()}: run the command as root or as the service's user.`;
      break;
    case ControlErrorCodes.Disabled:
    case ServiceErrorCodes.Disabled:
      message = disabledStartMessage();
      break;
    case ServiceErrorCodes.BadConfig:
      if (!/portshare config validate/.test(message)) message += " Check the file with 'portshare config validate'.";
      break;
    default:
      break;
  }
  return { code: err.code, message, exitCode };
}
