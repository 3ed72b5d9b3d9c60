import { PortshareError } from '@portshare/framing';

/**
 * Stable codes of the control protocol. The daemon puts the code in every refusal it sends, so a
 * worker or the CLI can tell "already registered" from "access denied" without parsing text.
 */
export const ControlErrorCodes = {
  /** The daemon is not running (no control socket, or nobody accepts on it). */
  NotRunning: 'CONTROL_ERR_NOT_RUNNING',
  /** Port sharing is disabled on this instance; the daemon may not start. */
  Disabled: 'CONTROL_ERR_DISABLED',
  /** The peer's uid/gid is not on the allow list (allowAccounts). */
  AccessDenied: 'CONTROL_ERR_ACCESS_DENIED',
  /** The same URI and host-name comparison mode is already registered (WCF ConflictingRegistration). */
  ConflictingRegistration: 'CONTROL_ERR_CONFLICTING_REGISTRATION',
  /** The URI is longer than 2048 UTF-8 bytes (WCF PathTooLong). */
  PathTooLong: 'CONTROL_ERR_PATH_TOO_LONG',
  /** The daemon holds its maximum number of registrations (WCF RegistrationQuotaExceeded). */
  QuotaExceeded: 'CONTROL_ERR_QUOTA_EXCEEDED',
  /** The URI's scheme is not net.tcp (WCF ProtocolUnsupported). */
  ProtocolUnsupported: 'CONTROL_ERR_PROTOCOL_UNSUPPORTED',
  /** The daemon could not listen on the URI's port (WCF FailedToListen). */
  FailedToListen: 'CONTROL_ERR_FAILED_TO_LISTEN',
  /** The peer speaks a protocol version the daemon does not (WCF VersionUnsupported). */
  VersionUnsupported: 'CONTROL_ERR_VERSION_UNSUPPORTED',
  /** A request is malformed or names something invalid (WCF InvalidArgument). */
  InvalidArgument: 'CONTROL_ERR_INVALID_ARGUMENT',
  /** A control message exceeded maxControlMessageBytes. */
  MessageTooLarge: 'CONTROL_ERR_MESSAGE_TOO_LARGE',
  /** The request needs administrator rights (root or the daemon's own user). */
  NotAdministrator: 'CONTROL_ERR_NOT_ADMINISTRATOR',
  /** No answer within the request timeout. */
  Timeout: 'CONTROL_ERR_TIMEOUT',
  /** The control connection closed before the answer came. */
  Closed: 'CONTROL_ERR_CLOSED',
  /** A Unix socket path does not fit sockaddr_un (107 bytes). */
  SocketPathTooLong: 'CONTROL_ERR_SOCKET_PATH_TOO_LONG',
  /**
   * An instance folder or file cannot be trusted: a symbolic link, another account's, writable by
   * others. The message names the path, why, and what to do.
   */
  UnsafePath: 'CONTROL_ERR_UNSAFE_PATH',
  /** The daemon did not come up after an on-demand start. */
  StartFailed: 'CONTROL_ERR_START_FAILED',
  /**
   * The daemon refused the control connection: maxControlConnections, maxControlConnectionsPerUser
   * or the share kept for administrators (reservedControlConnections) was reached.
   */
  TooManyConnections: 'CONTROL_ERR_TOO_MANY_CONNECTIONS',
  /** The daemon closed a control connection that made no request and held no registration for controlIdleTimeoutMs. */
  IdleTimeout: 'CONTROL_ERR_IDLE_TIMEOUT',
  /** The URI overlaps a reservation that does not list the registering account (an http.sys URL ACL). */
  Reserved: 'CONTROL_ERR_RESERVED',
  /** Another account's registration of the URI ended less than registrationHoldMs ago; it is held for that account. */
  Held: 'CONTROL_ERR_HELD',
} as const;
export type ControlErrorCode = (typeof ControlErrorCodes)[keyof typeof ControlErrorCodes];

export class ControlError extends PortshareError<ControlErrorCode> {}

/** The service name that WCF's "{0} service" templates name; ours is the product's. */
export const SERVICE_NAME = 'portshare';

/**
 * WCF's SharedManagerBase template: "The TransportManager failed to listen on the supplied URI using
 * the {0} service: {1}." ([SR] SharedManagerBase; docs/protocol.md §7).
 */
export function sharedManagerMessage(reason: string): string {
  return `The TransportManager failed to listen on the supplied URI using the ${SERVICE_NAME} service: ${reason}.`;
}

/** Texts of the registration refusals, in WCF's wording (SharedConnectionListener.Register). */
export const registrationMessages = {
  [ControlErrorCodes.ConflictingRegistration]: () =>
    sharedManagerMessage('the URI is already registered with the service'),
  [ControlErrorCodes.FailedToListen]: () => sharedManagerMessage('the service failed to listen'),
  [ControlErrorCodes.PathTooLong]: () => sharedManagerMessage('the URI is too long'),
  [ControlErrorCodes.QuotaExceeded]: () => sharedManagerMessage('the quota was exceeded'),
  [ControlErrorCodes.ProtocolUnsupported]: () => sharedManagerMessage('the protocol is not supported'),
  [ControlErrorCodes.VersionUnsupported]: () => sharedManagerMessage('the version is not supported by the service'),
} as const;

/**
 * WCF's SharedManagerServiceStartFailureDisabled, with our enable command in place of sc.exe. WCF's
 * text ends in two periods (template + inner string); ours keeps the template's single one.
 */
export function disabledMessage(): string {
  return sharedManagerMessage(
    "failed to start the service because it is disabled. An administrator can enable it by running 'portshare enable'",
  );
}

/** WCF's SharedEndpointReadDenied, pointing at our allow list. */
export function accessDeniedMessage(uri: string, configFile: string): string {
  return (
    `The service endpoint failed to listen on the URI '${uri}' because access was denied.  ` +
    `Verify that the current user is granted access in the allowAccounts section of the portshare configuration (${configFile}).`
  );
}

export function notRunningMessage(socketPath: string): string {
  return (
    `The portshare service is not running (no daemon answers on ${socketPath}). ` +
    `Start it with 'portshare start --detach', or enable on-demand start with 'portshare enable'.`
  );
}

/** The refusal for requests other than register (status), which name no URI. */
export function accessDeniedForRequestMessage(what: string, uid: number | undefined, configFile: string): string {
  return (
    `Access to the portshare service was denied${uid === undefined ? '' : ` for uid ${uid}`}: only allowed accounts may ${what}.  ` +
    `Verify that the current user is granted access in the allowAccounts section of the portshare configuration (${configFile}).`
  );
}
