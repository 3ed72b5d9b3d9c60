import { PortshareError } from '@portshare/framing';

/**
 * Every error code this package raises. The README "Errors" table lists the same codes; a test
 * keeps the two equal.
 */
export const InteropErrorCodes = {
  /** A program the tests need (mcs, mono, tshark) is not installed or cannot be run. */
  TOOLCHAIN_MISSING: 'INTEROP_ERR_TOOLCHAIN_MISSING',
  /** mcs rejected the C# sources. */
  COMPILE_FAILED: 'INTEROP_ERR_COMPILE_FAILED',
  /** A child process exited before it printed what was waited for. */
  PROCESS_EXITED: 'INTEROP_ERR_PROCESS_EXITED',
  /** A child process did not print what was waited for in time. */
  TIMEOUT: 'INTEROP_ERR_TIMEOUT',
  /** A child process printed more than `maxOutputBytes`; it was killed. */
  OUTPUT_TOO_LARGE: 'INTEROP_ERR_OUTPUT_TOO_LARGE',
  /** The private portshare daemon did not come up. */
  DAEMON_START_FAILED: 'INTEROP_ERR_DAEMON_START_FAILED',
  /** A live packet capture could not be started or read. */
  CAPTURE_FAILED: 'INTEROP_ERR_CAPTURE_FAILED',
  /** An option is out of range. */
  INVALID_OPTION: 'INTEROP_ERR_INVALID_OPTION',
} as const;

export type InteropErrorCode = (typeof InteropErrorCodes)[keyof typeof InteropErrorCodes];

/** The error of the interop harness: a missing peer, a failed compile, a child process that misbehaved. */
export class InteropError extends PortshareError<InteropErrorCode> {}
