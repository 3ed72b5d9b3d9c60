/**
 * Argument checks shared by the sender, the receiver and the credential helpers. Each failure is a
 * HandoffError `HANDOFF_ERR_INVALID_ARGUMENT` naming the argument.
 *
 * @module
 */
import { HandoffError, HandoffErrorCodes } from './errors.js';
import { MAX_SOCKET_PATH_BYTES } from './limits.js';

/** File descriptors are non-negative C ints. */
export function checkFd(value: unknown, name: string): HandoffError | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0x7fffffff) return undefined;
  return new HandoffError(
    HandoffErrorCodes.INVALID_ARGUMENT,
    `${name} must be an open file descriptor (an integer from 0 to 2147483647), got ${String(value)}.`,
  );
}

export function assertFd(value: unknown, name: string): asserts value is number {
  const err = checkFd(value, name);
  if (err !== undefined) throw err;
}

/** A filesystem path for a Unix socket: non-empty, no NUL, at most MAX_SOCKET_PATH_BYTES bytes. */
export function assertSocketPath(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.includes('\0')) {
    throw new HandoffError(
      HandoffErrorCodes.INVALID_ARGUMENT,
      `${name} must be a non-empty filesystem path without NUL characters, got ${JSON.stringify(value)}.`,
    );
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new HandoffError(
      HandoffErrorCodes.INVALID_ARGUMENT,
      `${name} is ${bytes} bytes long, but a Unix socket path holds at most ${MAX_SOCKET_PATH_BYTES} bytes ` +
        `(sun_path). Use a shorter path, for example under /run or a short temporary folder: ${value}`,
      { errno: 'ENAMETOOLONG' },
    );
  }
}

/** An integer in [min, max]. */
export function assertIntegerOption(value: unknown, name: string, min: number, max: number): asserts value is number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return;
  throw new HandoffError(
    HandoffErrorCodes.INVALID_ARGUMENT,
    `${name} must be an integer from ${min} to ${max}, got ${String(value)}.`,
  );
}
