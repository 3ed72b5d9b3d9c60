import { PortshareError } from '@portshare/framing';

export const WorkerErrorCodes = {
  /** Sharing off, and another process holds the port (WCF AddressAlreadyInUseException). */
  AddressAlreadyInUse: 'WORKER_ERR_ADDRESS_ALREADY_IN_USE',
  /** Sharing on: the daemon already has this URI and comparison mode registered. */
  AlreadyRegistered: 'WORKER_ERR_ALREADY_REGISTERED',
  /** Sharing on: port sharing is disabled on this machine and the daemon is not running. */
  Disabled: 'WORKER_ERR_DISABLED',
  /** Sharing on: this user is not on the daemon's allow list. */
  AccessDenied: 'WORKER_ERR_ACCESS_DENIED',
  /** The base URI is longer than 2048 UTF-8 bytes. */
  UriTooLong: 'WORKER_ERR_URI_TOO_LONG',
  /** Sharing on: the daemon could not listen on the URI's port. */
  ServiceFailedToListen: 'WORKER_ERR_SERVICE_FAILED_TO_LISTEN',
  /** Sharing on: the daemon could not be started on demand. */
  ServiceStartFailed: 'WORKER_ERR_SERVICE_START_FAILED',
  /** Sharing on: any other refusal by the daemon (the message is the daemon's). */
  RegistrationFailed: 'WORKER_ERR_REGISTRATION_FAILED',
  /** The base URI is not a net.tcp absolute URI. */
  InvalidUri: 'WORKER_ERR_INVALID_URI',
  /** Listening failed for another reason (permission, address not available). */
  ListenFailed: 'WORKER_ERR_LISTEN_FAILED',
  /** A hand-off message from the daemon could not be used (the connection is dropped). */
  BadHandoff: 'WORKER_ERR_BAD_HANDOFF',
  /** The listener is closed. */
  Closed: 'WORKER_ERR_CLOSED',
} as const;
export type WorkerErrorCode = (typeof WorkerErrorCodes)[keyof typeof WorkerErrorCodes];

export class WorkerError extends PortshareError<WorkerErrorCode> {}

/** WCF's TcpAddressInUse text (two spaces after each period, as WCF writes it). */
export function addressInUseMessage(endpoint: string): string {
  return (
    `There is already a listener on IP endpoint ${endpoint}.  Make sure that you are not trying to use this ` +
    `endpoint multiple times in your application and that there are no other applications listening on this endpoint.`
  );
}
