/**
 * Errors of the service host. Every code is listed in {@link HostErrorCodes} and in the README's
 * "Errors" table (a test keeps the two equal). Failures of the layers below keep their own codes
 * (`WORKER_ERR_*`, `SOAP_ERR_*`) and reach the host's events unchanged.
 *
 * @module
 */

import { PortshareError } from '@portshare/framing';

/** Codes of every {@link HostError}. */
export const HostErrorCodes = {
  /** An option is missing or out of its range. */
  INVALID_OPTION: 'HOST_ERR_INVALID_OPTION',
  /** close() ran out of its timeout: the sessions still open were aborted. */
  CLOSE_TIMEOUT: 'HOST_ERR_CLOSE_TIMEOUT',
} as const;

/** One of the {@link HostErrorCodes} values. */
export type HostErrorCode = (typeof HostErrorCodes)[keyof typeof HostErrorCodes];

/** An error of the service host. */
export class HostError extends PortshareError<HostErrorCode> {}
