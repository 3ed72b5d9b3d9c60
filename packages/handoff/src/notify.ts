/**
 * Service-manager notifications without libsystemd: one datagram to the socket named by
 * `$NOTIFY_SOCKET`, the protocol of sd_notify(3). The daemon sends `READY=1` once it serves,
 * `STOPPING=1` when it stops, and `WATCHDOG=1` keep-alives when the unit sets `WatchdogSec=`.
 *
 * @module
 */
import { describeNative, fromNative, HandoffErrorCodes, HandoffError } from './errors.js';
import { requireNative, type NativeBinding } from './native.js';

/** The environment variable systemd (and other managers) set to the notification socket's path. */
export const NOTIFY_SOCKET_ENV = 'NOTIFY_SOCKET';

/** Longer datagrams are refused (notify.c's buffer; systemd reads at most PIPE_BUF + 1 bytes). */
export const MAX_NOTIFY_MESSAGE_BYTES = 4094;

type NotifyBinding = NativeBinding & { notifySocket?: (path: string, message: string) => void };

/**
 * Sends `message` (newline-separated `KEY=value` assignments, e.g. `READY=1\nSTATUS=serving`) as
 * one datagram to the AF_UNIX datagram socket at `path`. A path that starts with `@` is in the
 * abstract namespace (unix(7)), as `$NOTIFY_SOCKET` may name it.
 *
 * @throws HandoffError `HANDOFF_ERR_INVALID_ARGUMENT` for a path that is not absolute or abstract,
 *   or a message too long; `HANDOFF_ERR_SEND` (with `errno`) when sendto() fails, e.g. ECONNREFUSED
 *   when nothing listens there; `HANDOFF_ERR_UNSUPPORTED` without the addon.
 */
export function notifySocket(path: string, message: string): void {
  const native = requireNative() as NotifyBinding;
  if (typeof native.notifySocket !== 'function') {
    throw new HandoffError(HandoffErrorCodes.UNSUPPORTED, 'The hand-off addon has no notifySocket (rebuild it: `pnpm rebuild @portshare/handoff`).');
  }
  if (typeof path !== 'string' || !(path.startsWith('/') || path.startsWith('@')) || Buffer.byteLength(path) > 106 || path.includes('\0')) {
    throw new HandoffError(
      HandoffErrorCodes.INVALID_ARGUMENT,
      `The notification socket path ${JSON.stringify(path)} must be absolute or start with '@' (abstract), at most 106 bytes.`,
    );
  }
  if (typeof message !== 'string' || Buffer.byteLength(message) > MAX_NOTIFY_MESSAGE_BYTES || message.includes('\0')) {
    throw new HandoffError(HandoffErrorCodes.INVALID_ARGUMENT, `A notification is a string of at most ${MAX_NOTIFY_MESSAGE_BYTES} bytes without NUL.`);
  }
  try {
    native.notifySocket(path, message);
  } catch (err) {
    throw fromNative(HandoffErrorCodes.SEND, `Could not notify the service manager at ${path} (${describeNative(err)}).`, err);
  }
}

/**
 * sd_notify(3) with `$NOTIFY_SOCKET`: sends when the variable is set and does nothing (returns
 * false) when it is not, so a daemon started by hand runs the same code.
 */
export function notifyServiceManager(message: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const path = env[NOTIFY_SOCKET_ENV];
  if (path === undefined || path === '') return false;
  notifySocket(path, message);
  return true;
}
