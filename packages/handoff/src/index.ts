/**
 * `@portshare/handoff`: pass a connected socket to another process over a Unix SOCK_SEQPACKET
 * socket (SCM_RIGHTS) together with a payload, and read peer credentials (SO_PEERCRED). A small
 * N-API addon does the system calls; where it cannot load, {@link isSupported} is false and the
 * classes throw `HANDOFF_ERR_UNSUPPORTED`, so callers take the proxy path.
 *
 * @module
 */
import { loadNative, nativeUnavailableReason } from './native.js';

export { type PeerCredentials, peerCredentials } from './credentials.js';
export { HandoffError, type HandoffErrorCode, type HandoffErrorOptions, HandoffErrorCodes } from './errors.js';
export {
  DEFAULT_RECEIVER_BACKLOG,
  DEFAULT_RECEIVER_MODE,
  MAX_PAYLOAD_BYTES,
  MAX_SOCKET_PATH_BYTES,
} from './limits.js';
export { DISABLE_ADDON_ENV } from './native.js';
export { FrontGate, descriptorLimit, type FrontGateHandlers, type FrontGateOptions, type GateListener } from './gate.js';
export { MAX_NOTIFY_MESSAGE_BYTES, NOTIFY_SOCKET_ENV, notifyServiceManager, notifySocket } from './notify.js';
export { HandoffReceiver, type DescriptorKind, type HandoffReceiverHandlers, type HandoffReceiverOptions } from './receiver.js';
export { HandoffSender } from './sender.js';
export { listenStream, type StreamServer, type StreamServerOptions } from './stream-server.js';

/** Whether the native addon is loaded (Linux with a build or prebuild); false elsewhere. */
export function isSupported(): boolean {
  return loadNative() !== undefined;
}

/** Why hand-off is not available (for logs), or undefined when {@link isSupported} is true. */
export function unsupportedReason(): string | undefined {
  return nativeUnavailableReason();
}
