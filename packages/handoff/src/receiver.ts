/**
 * Worker side of the hand-off: a SOCK_SEQPACKET listening socket at a path, read in C with uv_poll
 * so that libuv never read()s it (a plain read would drop the passed descriptors).
 *
 * @module
 */
import { closeSync } from 'node:fs';
import type { PeerCredentials } from './credentials.js';
import { HandoffError, describeNative, fromNative, HandoffErrorCodes } from './errors.js';
import { DEFAULT_RECEIVER_BACKLOG, DEFAULT_RECEIVER_MODE, MAX_PAYLOAD_BYTES } from './limits.js';
import { type NativeBinding, type NativeReceiver, ReceiverEvent, requireNative } from './native.js';
import { assertIntegerOption, assertSocketPath } from './validate.js';

/** What a {@link HandoffReceiver} calls. */
export interface HandoffReceiverHandlers {
  /**
   * One hand-off: `fd` is a new descriptor for the passed socket (close-on-exec), owned by the
   * handler from now on (wrap it with `new net.Socket({ fd, readable: true, writable: true })` or
   * close it); `payload` is the sender's bytes; `kind` says what the descriptor is (always
   * `'stream-socket'` with {@link HandoffReceiverOptions.streamSocketsOnly}). If the handler
   * throws, the exception is reported to `onError` and the descriptor is still the handler's.
   */
  onMessage(fd: number, payload: Buffer, kind: DescriptorKind): void;
  /**
   * A message was dropped (no descriptor, more than one, truncated, not a stream socket), a
   * socket failed, accepting is paused (`errno` `EMFILE`…), or a handler threw. Any descriptor
   * that came with a dropped message has already been closed. Without this handler the error is
   * emitted as a process warning; if this handler throws, what it threw is emitted as one.
   */
  onError?(err: HandoffError): void;
  /** A sender connected; its credentials come from SO_PEERCRED. */
  onConnection?(creds: PeerCredentials): void;
  /** A sender's connection ended (it closed, or the daemon exited). */
  onDisconnect?(): void;
}

/** Options of {@link HandoffReceiver.listen}. */
export interface HandoffReceiverOptions {
  /** Permission bits of the socket file (default {@link DEFAULT_RECEIVER_MODE}, 0o600), 0..0o777. */
  mode?: number;
  /** Accept backlog (default {@link DEFAULT_RECEIVER_BACKLOG}); the kernel caps it at somaxconn. */
  backlog?: number;
  /**
   * Take connected TCP and Unix stream sockets only (default false: any descriptor). A message
   * carrying anything else — a file, a pipe, a datagram or listening socket — is dropped, its
   * descriptor closed before `onMessage` sees it, and reported to `onError` (`HANDOFF_ERR_RECEIVE`
   * with `errno` `ENOTSOCK`, `EPROTOTYPE` or `ENOTCONN`). A receiver that wraps every descriptor in
   * a `net.Socket` wants this: Node cannot wrap the others (it throws) or gets no connection.
   */
  streamSocketsOnly?: boolean;
}

/**
 * What a received descriptor is, as the addon found it with fstat(2) and SO_TYPE, SO_DOMAIN and
 * SO_ACCEPTCONN (socket(7)); see descriptor_kind in handoff.c. `'stream-socket'` is a TCP or
 * Unix stream socket that is not listening: the only kind `net.Socket` can carry a connection on.
 */
export type DescriptorKind =
  | 'stream-socket'
  | 'listening-socket'
  | 'datagram-socket'
  | 'seqpacket-socket'
  | 'other-socket'
  | 'file'
  | 'pipe'
  | 'directory'
  | 'device'
  | 'other';

/** How long the addon pauses accepting after accept() fails (ACCEPT_RETRY_MS in handoff.c). */
const ACCEPT_RETRY_MS = 100;

/** The errno a refused descriptor kind is reported with. */
function refusedErrno(kind: DescriptorKind): string {
  if (kind === 'listening-socket') return 'ENOTCONN';
  if (kind.endsWith('-socket')) return 'EPROTOTYPE';
  return 'ENOTSOCK';
}

/**
 * Listens for hand-offs at a filesystem path. Accepting and reading happen in the addon; every
 * message becomes one `onMessage(fd, payload)` call. The receiver keeps the process alive while it
 * is open (see {@link unref}).
 */
export class HandoffReceiver {
  /** The socket path this receiver listens on. */
  readonly path: string;
  readonly #native: NativeBinding;
  readonly #handle: NativeReceiver;
  readonly #handlers: HandoffReceiverHandlers;
  readonly #streamSocketsOnly: boolean;
  #closed = false;
  #allowedSender: number | undefined;

  private constructor(
    native: NativeBinding,
    path: string,
    handlers: HandoffReceiverHandlers,
    mode: number,
    backlog: number,
    streamSocketsOnly: boolean,
  ) {
    this.#native = native;
    this.path = path;
    this.#handlers = handlers;
    this.#streamSocketsOnly = streamSocketsOnly;
    // The addon calls this from libuv callbacks; an exception here would reach it and end the
    // process (napi_fatal_exception), so #dispatch catches everything the handlers throw.
    this.#handle = native.listen(path, mode, backlog, MAX_PAYLOAD_BYTES, (kind, a, b, c, d?: unknown) =>
      this.#dispatch(kind, a, b, c, d),
    );
  }

  /**
   * Binds a SOCK_SEQPACKET socket at `path` and starts accepting senders. A stale socket file at
   * the path (left by a receiver that died) is removed first; any other kind of file is not
   * touched. The socket file gets `options.mode` before it starts listening.
   *
   * @throws HandoffError `HANDOFF_ERR_LISTEN` (with `errno`: `EADDRINUSE` for a non-socket file at
   *   the path, `ENOENT`/`EACCES` for a missing or read-only folder), `HANDOFF_ERR_INVALID_ARGUMENT`,
   *   `HANDOFF_ERR_UNSUPPORTED` without the addon.
   */
  static listen(path: string, handlers: HandoffReceiverHandlers, options: HandoffReceiverOptions = {}): HandoffReceiver {
    const native = requireNative();
    assertSocketPath(path, 'path');
    if (typeof handlers !== 'object' || handlers === null || typeof handlers.onMessage !== 'function') {
      throw new HandoffError(
        HandoffErrorCodes.INVALID_ARGUMENT,
        'handlers.onMessage must be a function: it receives every passed descriptor.',
      );
    }
    const mode = options.mode ?? DEFAULT_RECEIVER_MODE;
    const backlog = options.backlog ?? DEFAULT_RECEIVER_BACKLOG;
    const streamSocketsOnly = options.streamSocketsOnly ?? false;
    assertIntegerOption(mode, 'options.mode', 0, 0o777);
    assertIntegerOption(backlog, 'options.backlog', 1, 0x7fffffff);
    if (typeof streamSocketsOnly !== 'boolean') {
      throw new HandoffError(HandoffErrorCodes.INVALID_ARGUMENT, 'options.streamSocketsOnly must be true or false.');
    }
    try {
      return new HandoffReceiver(native, path, handlers, mode, backlog, streamSocketsOnly);
    } catch (err) {
      throw fromNative(
        HandoffErrorCodes.LISTEN,
        `Could not listen for hand-offs at ${path} (${describeNative(err)}). ` +
          'Check that the folder exists and is writable by this user, and that no other file has that name.',
        err,
      );
    }
  }

  /** Whether {@link close} has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Stops accepting and reading, closes the listening socket and every connection, and removes the
   * socket file (if it is still the one this receiver created). Messages not yet read are
   * discarded and the kernel closes their descriptors. Lets the process exit. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native.receiverClose(this.#handle);
  }

  /**
   * From now on only the process `pid` may connect as a sender (checked with SO_PEERCRED when the
   * connection is accepted); any other is closed before it can pass a descriptor, and reported to
   * `onError` (`HANDOFF_ERR_RECEIVE`, errno `EPERM`). Senders already connected stay. `undefined`
   * lets anyone connect again (the default).
   */
  allowOnlySender(pid: number | undefined): this {
    if (pid !== undefined) assertIntegerOption(pid, 'pid', 1, 0x7fffffff);
    this.#allowedSender = pid;
    if (!this.#closed) this.#native.receiverAllowSender(this.#handle, pid ?? 0);
    return this;
  }

  /** Lets the process exit while this receiver is open (as `server.unref()`). */
  unref(): this {
    if (!this.#closed) this.#native.receiverRef(this.#handle, false);
    return this;
  }

  /** Keeps the process alive while this receiver is open again (the default). */
  ref(): this {
    if (!this.#closed) this.#native.receiverRef(this.#handle, true);
    return this;
  }

  #dispatch(kind: number, a: unknown, b: unknown, c: unknown, d: unknown): void {
    let handler = '';
    try {
      switch (kind) {
        case ReceiverEvent.CONNECTION:
          handler = 'onConnection';
          this.#handlers.onConnection?.({ pid: a as number, uid: b as number, gid: c as number });
          return;
        case ReceiverEvent.MESSAGE:
          handler = 'onMessage';
          this.#message(a as number, b as Buffer, typeof c === 'string' ? (c as DescriptorKind) : 'other');
          return;
        case ReceiverEvent.ERROR:
          this.#emitError(receiveError(this.path, a as string | null, b as string, c as string, this.#allowedSender, d));
          return;
        case ReceiverEvent.DISCONNECT:
          handler = 'onDisconnect';
          this.#handlers.onDisconnect?.();
          return;
        default:
          return;
      }
    } catch (err) {
      this.#emitError(
        new HandoffError(
          HandoffErrorCodes.RECEIVE,
          `The ${handler} handler of the hand-off receiver at ${this.path} threw (${describeNative(err)}). ` +
            'The receiver goes on; a descriptor passed to onMessage is still the handler’s to wrap or close.',
          { cause: err },
        ),
      );
    }
  }

  #message(fd: number, payload: Buffer, kind: DescriptorKind): void {
    if (this.#streamSocketsOnly && kind !== 'stream-socket') {
      // Nobody else has this descriptor yet: close it here, before any handler could wrap it.
      try {
        closeSync(fd);
      } catch {
        /* EBADF cannot happen for a descriptor the kernel just installed; nothing else to do */
      }
      this.#emitError(
        new HandoffError(
          HandoffErrorCodes.RECEIVE,
          `A hand-off message on ${this.path} carried a ${kind.replaceAll('-', ' ')} instead of a connected stream ` +
            'socket; it was dropped and the descriptor closed. The sender must pass an accepted TCP or Unix stream connection.',
          { errno: refusedErrno(kind) },
        ),
      );
      return;
    }
    this.#handlers.onMessage(fd, payload, kind);
  }

  /** Never throws: what an onError handler throws becomes a process warning. */
  #emitError(err: HandoffError): void {
    const onError = this.#handlers.onError;
    if (onError === undefined) {
      process.emitWarning(err);
      return;
    }
    try {
      onError(err);
    } catch (thrown) {
      process.emitWarning(
        new HandoffError(
          HandoffErrorCodes.RECEIVE,
          `The onError handler of the hand-off receiver at ${this.path} threw (${describeNative(thrown)}) ` +
            `while reporting: ${err.message}`,
          { cause: thrown },
        ),
      );
    }
  }
}

// Maps the addon's reason words (see conn_read_one and receiver_pause_accepting in handoff.c) to errors.
function receiveError(
  path: string,
  errno: string | null,
  reason: string,
  syscall: string,
  allowedSender: number | undefined,
  count: unknown,
): HandoffError {
  const options = errno === null ? {} : { errno };
  switch (reason) {
    case 'ACCEPT_PAUSED': {
      const failures = typeof count === 'number' ? count : 1;
      const advice =
        errno === 'EMFILE' || errno === 'ENFILE'
          ? 'The process (EMFILE) or the system (ENFILE) is out of file descriptors: raise the limit (ulimit -n, LimitNOFILE=) or close descriptors.'
          : 'Check the system’s memory and socket buffers.';
      return new HandoffError(
        HandoffErrorCodes.RECEIVE,
        `The hand-off receiver at ${path} could not accept a sender (${errno ?? 'unknown error'} from ${syscall}, ` +
          `${failures} time${failures === 1 ? '' : 's'} since the last report). It pauses accepting and retries every ` +
          `${ACCEPT_RETRY_MS} ms; waiting senders stay queued. ${advice}`,
        options,
      );
    }
    case 'NO_FD':
      return new HandoffError(
        HandoffErrorCodes.RECEIVE,
        `A hand-off message on ${path} carried no file descriptor and was dropped. ` +
          'The sender must pass exactly one descriptor (SCM_RIGHTS) with every message.',
        options,
      );
    case 'TOO_MANY_FDS':
      return new HandoffError(
        HandoffErrorCodes.RECEIVE,
        `A hand-off message on ${path} carried more than one file descriptor; it was dropped and the ` +
          'descriptors were closed. The sender must pass exactly one descriptor per message.',
        options,
      );
    case 'CTRUNC':
      return new HandoffError(
        HandoffErrorCodes.RECEIVE,
        `A hand-off message on ${path} had its control data truncated (MSG_CTRUNC); it was dropped and ` +
          'the descriptors that arrived were closed. Check the process file limit (ulimit -n) of the worker.',
        options,
      );
    case 'REFUSED':
      return new HandoffError(
        HandoffErrorCodes.RECEIVE,
        `A process other than the allowed sender (pid ${allowedSender ?? '?'}) connected to the hand-off socket at ${path}; it was ` +
          'closed before it could pass anything. Only the sharing service hands connections over.',
        options,
      );
    case 'TRUNC':
      return new HandoffError(
        HandoffErrorCodes.PAYLOAD_TOO_LARGE,
        `A hand-off message on ${path} was larger than MAX_PAYLOAD_BYTES (${MAX_PAYLOAD_BYTES}) and arrived ` +
          'truncated (MSG_TRUNC); it was dropped and its descriptor closed. Send at most MAX_PAYLOAD_BYTES per message.',
        options,
      );
    default:
      return new HandoffError(
        HandoffErrorCodes.RECEIVE,
        `The hand-off receiver at ${path} failed in ${syscall}${errno === null ? '' : ` (${errno})`}. ` +
          'The connection it concerned was closed; the sender has to reconnect.',
        options,
      );
  }
}
