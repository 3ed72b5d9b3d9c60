import { PortshareError } from '@portshare/framing';

export const ServiceErrorCodes = {
  /** The configuration file is invalid: the message names the key and the reason. */
  BadConfig: 'SERVICE_ERR_BAD_CONFIG',
  /** Start refused: the instance's start mode is "disabled". */
  Disabled: 'SERVICE_ERR_DISABLED',
  /** Another daemon already serves this instance's control socket. */
  AlreadyRunning: 'SERVICE_ERR_ALREADY_RUNNING',
  /** A listening socket could not be opened (port in use, no permission). */
  ListenFailed: 'SERVICE_ERR_LISTEN_FAILED',
  /** Dropping privileges to the configured user failed. */
  PrivilegeDrop: 'SERVICE_ERR_PRIVILEGE_DROP',
  /** The native addon that accepts and reads connections (@portshare/handoff) cannot be loaded. */
  AddonUnavailable: 'SERVICE_ERR_ADDON_UNAVAILABLE',
  /** The configured user or group does not exist. */
  UnknownAccount: 'SERVICE_ERR_UNKNOWN_ACCOUNT',
  /**
   * An instance folder or file cannot be trusted (a symbolic link, another account's folder,
   * writable by others): the message names the path, why, and what to do.
   */
  UnsafePath: 'SERVICE_ERR_UNSAFE_PATH',
  /**
   * A restart could not take the listening sockets over from the running daemon; that daemon goes
   * on serving.
   */
  TakeoverFailed: 'SERVICE_ERR_TAKEOVER_FAILED',
  /**
   * A reload asked of a daemon that dropped root (SIGHUP) could not start the daemon that
   * replaces it; this one goes on serving (reload-helper.ts).
   */
  ReloadFailed: 'SERVICE_ERR_RELOAD_FAILED',
} as const;
export type ServiceErrorCode = (typeof ServiceErrorCodes)[keyof typeof ServiceErrorCodes];

export class ServiceError extends PortshareError<ServiceErrorCode> {}
