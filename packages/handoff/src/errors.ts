/**
 * The errors of `@portshare/handoff`: one class, {@link HandoffError}, with a stable `code` from
 * {@link HandoffErrorCodes} and, when a system call failed, the `errno` name (`EPIPE`, …).
 *
 * @module
 */
import { PortshareError, type PortshareErrorOptions } from '@portshare/framing';

/**
 * Codes of every {@link HandoffError}. The README "Errors" table lists the same codes; a test keeps
 * the two in step.
 */
export const HandoffErrorCodes = {
  /** The native addon is not available (not Linux, not built, or turned off): use the proxy path. */
  UNSUPPORTED: 'HANDOFF_ERR_UNSUPPORTED',
  /** `sendmsg()` failed, for example EPIPE or ECONNRESET when the worker went away. */
  SEND: 'HANDOFF_ERR_SEND',
  /** The receiver could not accept or read, or a message was malformed (no descriptor, truncated control data). */
  RECEIVE: 'HANDOFF_ERR_RECEIVE',
  /** `HandoffSender.connect()` could not connect to the worker's hand-off socket. */
  CONNECT: 'HANDOFF_ERR_CONNECT',
  /** `HandoffReceiver.listen()` could not bind, chmod or listen at the path. */
  LISTEN: 'HANDOFF_ERR_LISTEN',
  /** A payload is larger than `MAX_PAYLOAD_BYTES` (refused by the sender, dropped by the receiver). */
  PAYLOAD_TOO_LARGE: 'HANDOFF_ERR_PAYLOAD_TOO_LARGE',
  /** The sender was closed (or a socket has no descriptor any more). */
  CLOSED: 'HANDOFF_ERR_CLOSED',
  /** A message still waiting for buffer space was taken back with `withdraw()`; its descriptor was not passed. */
  WITHDRAWN: 'HANDOFF_ERR_WITHDRAWN',
  /** `SO_PEERCRED` could not be read: the descriptor is not a connected Unix socket. */
  PEER_CREDENTIALS: 'HANDOFF_ERR_PEER_CREDENTIALS',
  /** An argument has the wrong type or is out of range (a descriptor, a path, an option). */
  INVALID_ARGUMENT: 'HANDOFF_ERR_INVALID_ARGUMENT',
} as const;

/** One of the {@link HandoffErrorCodes} values. */
export type HandoffErrorCode = (typeof HandoffErrorCodes)[keyof typeof HandoffErrorCodes];

/** Options of a {@link HandoffError}. */
export interface HandoffErrorOptions extends PortshareErrorOptions {
  /** The errno name of the failed system call, such as `EPIPE`. */
  errno?: string | undefined;
}

/** Every failure of `@portshare/handoff`. Branch on `code` (and `errno`), never on the message. */
export class HandoffError extends PortshareError<HandoffErrorCode> {
  /** The errno name of the failed system call (`EPIPE`, `ECONNREFUSED`, `ENOENT`, …), if one failed. */
  readonly errno: string | undefined;

  constructor(code: HandoffErrorCode, message: string, options?: HandoffErrorOptions) {
    super(code, message, options);
    this.errno = options?.errno;
  }
}

/** The errno name the addon put in `code` (its errors are plain Errors with code = errno name). */
export function errnoOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** "EPIPE, sendmsg failed: broken pipe" style detail for messages. */
export function describeNative(err: unknown): string {
  const errno = errnoOf(err);
  const text = err instanceof Error ? err.message : String(err);
  return errno === undefined ? text : `${errno}, ${text}`;
}

/** Wraps an addon failure into a HandoffError of `code`, keeping the errno and the cause. */
export function fromNative(code: HandoffErrorCode, message: string, err: unknown): HandoffError {
  return new HandoffError(code, message, { cause: err, errno: errnoOf(err) });
}
