/**
 * Loads the N-API addon (src/handoff.c) with node-gyp-build: a prebuild from `prebuilds/` or the
 * local build in `build/Release`. When it cannot be loaded the package reports "unsupported" and
 * callers choose the proxy path.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { HandoffError, HandoffErrorCodes } from './errors.js';

/** Setting this environment variable to `1` turns the addon off (the package reports unsupported). */
export const DISABLE_ADDON_ENV = 'PORTSHARE_NO_HANDOFF_ADDON';

/** Opaque handle of the sender socket and its writability poller. */
export interface NativePoller {
  readonly __nativePoller: never;
}

/** Opaque handle of a listening receiver. */
export interface NativeReceiver {
  readonly __nativeReceiver: never;
}

/** Event kinds the receiver callback gets; mirrors EVENT_* in handoff.c. */
export const ReceiverEvent = {
  CONNECTION: 0,
  MESSAGE: 1,
  ERROR: 2,
  DISCONNECT: 3,
} as const;

/**
 * The receiver callback: `(CONNECTION, pid, uid, gid)`, `(MESSAGE, fd, payload, descriptorKind)`,
 * `(ERROR, errnoName | null, reason, syscall, count)` (count: accept failures since the last report,
 * for the ACCEPT_PAUSED reason) or `(DISCONNECT)`.
 */
export type ReceiverCallback = (kind: number, a?: unknown, b?: unknown, c?: unknown, d?: unknown) => void;

/** The functions src/handoff.c exports. Errors thrown are plain Errors whose `code` is an errno name. */
export interface NativeBinding {
  peerCredentials(fd: number): { pid: number; uid: number; gid: number };
  /** A connected, non-blocking SOCK_SEQPACKET socket to `path`. */
  connect(path: string): number;
  /** One sendmsg(); fd < 0 sends no descriptor. False when the socket buffer is full (EAGAIN). */
  sendFd(socket: number, fd: number, payload: Uint8Array): boolean;
  /** Watches `fd` for writability and owns it from now on (pollerClose or teardown closes it). */
  pollerOpen(fd: number, callback: (errno: string | null) => void): NativePoller;
  /** Calls back once, when the socket is writable (null) or has failed (errno name). */
  pollerWait(poller: NativePoller): void;
  /** Stops watching and closes the socket. */
  pollerClose(poller: NativePoller): void;
  listen(path: string, mode: number, backlog: number, maxPayload: number, callback: ReceiverCallback): NativeReceiver;
  receiverClose(receiver: NativeReceiver): void;
  receiverRef(receiver: NativeReceiver, ref: boolean): void;
  receiverAllowSender(receiver: NativeReceiver, pid: number): void;
  // The front gate (src/gate.c): see gate.ts.
  gateOpen(callback: GateCallback, reserve: number): NativeGate;
  gateListen(gate: NativeGate, address: string, port: number, backlog: number, v6only: boolean, deferSeconds: number): [fd: number, port: number];
  gateUnlisten(gate: NativeGate, fd: number): void;
  gateListenUnix(gate: NativeGate, path: string, mode: number, backlog: number): number;
  gateAdopt(gate: NativeGate, fd: number): [family: number, port: number];
  gateAccept(gate: NativeGate, budget: number, probe: boolean): void;
  gateRead(gate: NativeGate, fd: number, limit: number): void;
  gateRelease(gate: NativeGate, fd: number): void;
  gateClose(gate: NativeGate, fd: number): void;
  gateFault(gate: NativeGate, fd: number, bytes: Buffer, drainBytes: number): void;
  gateShutdown(gate: NativeGate): void;
  gateRef(gate: NativeGate, ref: boolean): void;
  gateProxy(gate: NativeGate, clientFd: number, path: string, preface: Buffer, pid: number, uid: number): void;
  gateProxyTcp(gate: NativeGate, clientFd: number, address: string, port: number, preface: Buffer, timeoutMs: number): void;
  localAddress(fd: number): [address: string, port: number];
  peerAddress(fd: number): [address: string, port: number];
  fdLimit(): [soft: number, hard: number];
}

/** Opaque handle of a front gate (src/gate.c). */
export interface NativeGate {
  readonly __nativeGate: never;
}

/** Event kinds the gate callback gets; mirrors G_* in gate.c. */
export const GateEvent = {
  ACCEPT: 0,
  BLOCKED: 1,
  DATA: 2,
  END: 3,
  CLOSED: 4,
  EMFILE: 5,
  PROXY_END: 6,
  PROXY_CONNECTED: 7,
  PROXY_UNREACHABLE: 8,
} as const;

/**
 * `(ACCEPT, listenerFd, Int32Array)`, `(BLOCKED, listenerFd)`, `(DATA, fd, Buffer)`, `(END, fd, errno | null)`,
 * `(CLOSED, fd)`, `(EMFILE, count)`, `(PROXY_END, clientFd, errno | null)`, `(PROXY_CONNECTED, clientFd, null)`,
 * `(PROXY_UNREACHABLE, clientFd, errno)`.
 */
export type GateCallback = (kind: number, a: number, b?: unknown) => void;

type LoadResult = { binding: NativeBinding; reason?: undefined } | { binding?: undefined; reason: string };

let loaded: LoadResult | undefined;

// dist/native.js (and src/native.ts under the test runner) sit one folder below the package root,
// where binding.gyp, build/ and prebuilds/ live.
const packageRoot = fileURLToPath(new URL('..', import.meta.url));

function load(): LoadResult {
  if (process.env[DISABLE_ADDON_ENV] === '1') {
    return { reason: `the hand-off addon is turned off by ${DISABLE_ADDON_ENV}=1` };
  }
  if (process.platform !== 'linux') {
    return { reason: `socket hand-off is implemented for Linux only, and this is ${process.platform}` };
  }
  try {
    const require = createRequire(import.meta.url);
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
    const binding = nodeGypBuild(packageRoot) as Partial<NativeBinding>;
    if (typeof binding.sendFd !== 'function' || typeof binding.listen !== 'function' || typeof binding.gateOpen !== 'function') {
      return { reason: `the hand-off addon in ${packageRoot} is not this version's (rebuild it)` };
    }
    return { binding: binding as NativeBinding };
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { reason: `the hand-off addon could not be loaded (${detail})` };
  }
}

function state(): LoadResult {
  loaded ??= load();
  return loaded;
}

/** The addon, or undefined when it cannot be loaded. */
export function loadNative(): NativeBinding | undefined {
  return state().binding;
}

/** Why the addon is not available, or undefined when it is. */
export function nativeUnavailableReason(): string | undefined {
  return state().reason;
}

/** The addon; throws `HANDOFF_ERR_UNSUPPORTED` when it cannot be loaded. */
export function requireNative(): NativeBinding {
  const result = state();
  if (result.binding !== undefined) return result.binding;
  throw new HandoffError(
    HandoffErrorCodes.UNSUPPORTED,
    `Socket hand-off is not available: ${result.reason}. Use the proxy path instead, or on Linux ` +
      'install a C toolchain (make, cc, python3) and run `pnpm rebuild @portshare/handoff`.',
  );
}
