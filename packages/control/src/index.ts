export {
  ControlError,
  ControlErrorCodes,
  type ControlErrorCode,
  SERVICE_NAME,
  sharedManagerMessage,
  registrationMessages,
  disabledMessage,
  accessDeniedMessage,
  accessDeniedForRequestMessage,
  notRunningMessage,
} from './errors.js';
export {
  resolveInstance,
  checkSocketPath,
  systemInstancePresent,
  SYSTEM_FOLDERS,
  MAX_SOCKET_PATH_BYTES,
  type InstancePaths,
  type InstanceScope,
  type ResolveOptions,
} from './paths.js';
export {
  accountLabel,
  ancestorProblem,
  describeProblem,
  descriptorPath,
  fileProblem,
  folderProblem,
  openForAppend,
  pathProblem,
  prepareFolder,
  prepareStickyFolder,
  removeStaleSocket,
  unsafePathError,
  writeNewFile,
  type FolderKind,
  type PathProblem,
} from './safe-fs.js';
export { readState, writeState, DEFAULT_STATE, type InstanceState, type StartMode } from './state.js';
export { LineDecoder, encodeLine, DEFAULT_MAX_CONTROL_MESSAGE_BYTES } from './codec.js';
export { ControlClient, type ControlClientOptions } from './client.js';
export {
  CONTROL_PROTOCOL_VERSION,
  HostNameComparisonMode,
  type HandoffTransport,
  type ControlRequest,
  type HelloRequest,
  type RegisterRequest,
  type UnregisterRequest,
  type ValidateRequest,
  type StatusRequest,
  type AdminRequest,
  type TakeoverRequest,
  type HandoverRequest,
  type ReleaseRequest,
  type TakeoverListener,
  type TakeoverReply,
  type ControlNotice,
  type HelloReply,
  type RegisterReply,
  type ValidateReply,
  type StatusReply,
  type RegistrationStatus,
  type Counters,
  type ReplyFor,
  type WireRequest,
  type WireReply,
} from './messages.js';
export {
  encodeHandoffPayload,
  decodeHandoffPayload,
  encodeProxyPreface,
  HANDOFF_HEADER_VERSION,
  MAX_HANDOFF_HEADER_BYTES,
  type HandoffHeader,
} from './handoff-header.js';
export { startDetached, waitForDaemon, type StartDetachedOptions } from './launcher.js';
export { readAccountTable } from './account-files.js';
