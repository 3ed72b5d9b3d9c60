/**
 * Limits and defaults of the hand-off protocol. Both ends enforce them.
 *
 * @module
 */

/**
 * The largest payload one hand-off message may carry, in bytes (64 KiB). The daemon sends a small
 * header plus the bytes it read before routing (at most about 2.5 KiB: the preamble with a via of
 * at most 2048 bytes). The sender refuses anything larger with `HANDOFF_ERR_PAYLOAD_TOO_LARGE`;
 * the receiver reads into a buffer of exactly this size, so a larger message arrives truncated
 * (MSG_TRUNC) and is dropped with its descriptor closed.
 */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

/**
 * The longest socket path, in bytes of UTF-8: `sun_path` holds 108 bytes on Linux and one is kept
 * for the terminating NUL (unix(7), "Address format").
 */
export const MAX_SOCKET_PATH_BYTES = 107;

/** Default permission bits of a receiver's socket file: only its owner may connect. */
export const DEFAULT_RECEIVER_MODE = 0o600;

/**
 * Default accept backlog of a receiver. One daemon connects (and reconnects after a restart), so a
 * small queue is plenty; the kernel caps any value at net.core.somaxconn.
 */
export const DEFAULT_RECEIVER_BACKLOG = 16;
