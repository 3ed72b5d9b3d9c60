/**
 * Peer credentials (SO_PEERCRED).
 *
 * @module
 */
import { describeNative, fromNative, HandoffErrorCodes } from './errors.js';
import { requireNative } from './native.js';
import { assertFd } from './validate.js';

/** Who is at the other end of a Unix socket, as the kernel recorded it at connect() time. */
export interface PeerCredentials {
  /** Process id of the peer. */
  pid: number;
  /** Effective user id of the peer. */
  uid: number;
  /** Effective group id of the peer. */
  gid: number;
}

/**
 * Reads the credentials of the process at the other end of a connected Unix socket (SO_PEERCRED,
 * socket(7)). The kernel records them when the connection is made, so they cannot be forged by the
 * peer; the daemon uses them to authenticate registrations.
 *
 * @throws HandoffError `HANDOFF_ERR_PEER_CREDENTIALS` (with `errno`) when `fd` is not a connected
 *   Unix socket; `HANDOFF_ERR_UNSUPPORTED` without the addon.
 */
export function peerCredentials(fd: number): PeerCredentials {
  const native = requireNative();
  assertFd(fd, 'fd');
  try {
    const { pid, uid, gid } = native.peerCredentials(fd);
    return { pid, uid, gid };
  } catch (err) {
    throw fromNative(
      HandoffErrorCodes.PEER_CREDENTIALS,
      `Could not read the peer credentials of descriptor ${fd} (${describeNative(err)}). ` +
        'Pass the descriptor of a connected Unix socket.',
      err,
    );
  }
}
