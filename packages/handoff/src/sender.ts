/**
 * Daemon side of the hand-off: a connected SOCK_SEQPACKET socket to a worker's hand-off path.
 *
 * @module
 */
import { closeSync } from 'node:fs';
import { type PeerCredentials, peerCredentials } from './credentials.js';
import { HandoffError, describeNative, fromNative, HandoffErrorCodes } from './errors.js';
import { MAX_PAYLOAD_BYTES } from './limits.js';
import { type NativeBinding, type NativePoller, requireNative } from './native.js';
import { assertSocketPath, checkFd } from './validate.js';

interface PendingSend {
  readonly fd: number;
  payload: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (err: HandoffError) => void;
}

/**
 * A connected SOCK_SEQPACKET socket to a worker's hand-off path. Each {@link HandoffSender.send}
 * is one message: the payload plus one descriptor as SCM_RIGHTS ancillary data (unix(7)).
 * Messages go out in the order `send()` was called.
 */
export class HandoffSender {
  /** The sender's own socket descriptor (owned by this object; closed by {@link close}). */
  readonly fd: number;
  /** The path this sender connected to. */
  readonly path: string;
  readonly #native: NativeBinding;
  readonly #poller: NativePoller;
  readonly #queue: PendingSend[] = [];
  #waiting = false;
  #closed = false;

  private constructor(native: NativeBinding, fd: number, path: string) {
    this.#native = native;
    this.fd = fd;
    this.path = path;
    this.#poller = native.pollerOpen(fd, (errno) => this.#onWritable(errno));
  }

  /**
   * Connects to a worker's hand-off socket. Unix sockets connect at once or fail, so this is
   * synchronous.
   *
   * @throws HandoffError `HANDOFF_ERR_CONNECT` with `errno` `ENOENT` (no socket at the path),
   *   `ECONNREFUSED` (nobody listening), `EACCES` (mode forbids us), `EAGAIN` (the worker's accept
   *   backlog is full); `HANDOFF_ERR_INVALID_ARGUMENT` for a bad path; `HANDOFF_ERR_UNSUPPORTED`
   *   without the addon.
   */
  static connect(path: string): HandoffSender {
    const native = requireNative();
    assertSocketPath(path, 'path');
    let fd: number;
    try {
      fd = native.connect(path);
    } catch (err) {
      throw fromNative(
        HandoffErrorCodes.CONNECT,
        `Could not connect to the worker's hand-off socket at ${path} (${describeNative(err)}). ` +
          'Check that the worker is running and listening there and that this user may connect to it.',
        err,
      );
    }
    try {
      return new HandoffSender(native, fd, path);
    } catch (err) {
      closeSync(fd); // the poller did not take it
      throw fromNative(
        HandoffErrorCodes.CONNECT,
        `Could not watch the hand-off socket to ${path} (${describeNative(err)}).`,
        err,
      );
    }
  }

  /** Whether {@link close} has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The credentials of the worker process at the other end (SO_PEERCRED), to check that the
   * socket at the path belongs to the worker that registered it.
   *
   * @throws HandoffError `HANDOFF_ERR_CLOSED` after close().
   */
  peerCredentials(): PeerCredentials {
    if (this.#closed) throw this.#closedError();
    return peerCredentials(this.fd);
  }

  /**
   * Sends `fd` and `payload` as one message. Resolves once the kernel has taken the message (the
   * descriptor is then in flight to the worker). When the socket buffer is full the message waits
   * for writability and goes out in order. The caller still owns `fd` and closes its own copy
   * afterwards; it must keep `fd` open until the promise settles.
   *
   * Rejects with HandoffError: `HANDOFF_ERR_SEND` (`errno` `EPIPE`/`ECONNRESET` when the worker
   * has gone, `EBADF` for a closed `fd`), `HANDOFF_ERR_PAYLOAD_TOO_LARGE` above
   * {@link MAX_PAYLOAD_BYTES}, `HANDOFF_ERR_CLOSED` after close(), `HANDOFF_ERR_INVALID_ARGUMENT`.
   */
  send(fd: number, payload: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const badFd = checkFd(fd, 'fd');
    if (badFd !== undefined) return Promise.reject(badFd);
    if (!(payload instanceof Uint8Array)) {
      return Promise.reject(
        new HandoffError(HandoffErrorCodes.INVALID_ARGUMENT, 'payload must be a Uint8Array (or a Buffer).'),
      );
    }
    if (payload.byteLength > MAX_PAYLOAD_BYTES) {
      return Promise.reject(
        new HandoffError(
          HandoffErrorCodes.PAYLOAD_TOO_LARGE,
          `The hand-off payload is ${payload.byteLength} bytes, more than MAX_PAYLOAD_BYTES (${MAX_PAYLOAD_BYTES}). ` +
            'Nothing was sent; send fewer pre-read bytes, or proxy this connection instead.',
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const item: PendingSend = { fd, payload, resolve, reject };
      this.#queue.push(item);
      if (!this.#waiting) this.#flush();
      // A message that has to wait gets its own copy, so the caller may reuse its buffer at once.
      // Flushing takes messages from the front, so a non-empty queue still holds this one.
      if (this.#queue.length > 0) item.payload = new Uint8Array(payload); // a copy (Buffer#slice would share)
    });
  }

  /**
   * Takes back the message for `fd` if it is still waiting for buffer space (a worker that does
   * not read its hand-off socket must not hold a connection for ever). Its `send()` promise
   * rejects with `HANDOFF_ERR_WITHDRAWN`, and the descriptor, never passed, is still the caller's.
   * False when no message for `fd` waits (it went out, or failed, already).
   */
  withdraw(fd: number): boolean {
    const i = this.#queue.findIndex((item) => item.fd === fd);
    // The head may be mid-flush only within #flush, which runs to completion: any queued item is unsent.
    if (i === -1) return false;
    const [item] = this.#queue.splice(i, 1);
    item!.reject(
      new HandoffError(
        HandoffErrorCodes.WITHDRAWN,
        `The hand-off of descriptor ${fd} to ${this.path} was withdrawn before the worker took it; the connection is still yours.`,
      ),
    );
    return true;
  }

  /**
   * Closes the socket. Messages still waiting for buffer space are rejected with
   * `HANDOFF_ERR_CLOSED` (their descriptors were not passed); messages already taken by the kernel
   * still reach the worker. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // The poller owns the socket from connect() on: this closes it too.
    this.#native.pollerClose(this.#poller);
    for (const item of this.#queue.splice(0)) {
      item.reject(
        new HandoffError(
          HandoffErrorCodes.CLOSED,
          `The hand-off sender to ${this.path} was closed before this message was sent; the descriptor was not ` +
            'passed, so the connection is still yours to close or proxy.',
        ),
      );
    }
  }

  #closedError(): HandoffError {
    return new HandoffError(
      HandoffErrorCodes.CLOSED,
      `The hand-off sender to ${this.path} is closed. Connect a new HandoffSender to the worker.`,
    );
  }

  // Sends queued messages in order until the queue is empty or the socket buffer is full.
  // `pollErrno` is set when the writability poll itself reported a socket error.
  #flush(pollErrno?: string): void {
    for (;;) {
      const item = this.#queue[0];
      if (item === undefined) return;
      let sent: boolean;
      try {
        sent = this.#native.sendFd(this.fd, item.fd, item.payload);
      } catch (err) {
        this.#queue.shift();
        item.reject(this.#sendError(err));
        continue;
      }
      if (sent) {
        this.#queue.shift();
        item.resolve();
        continue;
      }
      if (pollErrno !== undefined) {
        // The poll said the socket failed, yet sendmsg() still reports a full buffer: fail rather
        // than spin on a broken socket.
        this.#queue.shift();
        item.reject(this.#sendError(Object.assign(new Error(`poll failed: ${pollErrno}`), { code: pollErrno })));
        continue;
      }
      try {
        this.#native.pollerWait(this.#poller);
        this.#waiting = true;
      } catch (err) {
        for (const pending of this.#queue.splice(0)) pending.reject(this.#sendError(err));
      }
      return;
    }
  }

  #onWritable(errno: string | null): void {
    this.#waiting = false;
    if (this.#closed) return;
    this.#flush(errno ?? undefined);
  }

  #sendError(err: unknown): HandoffError {
    return fromNative(
      HandoffErrorCodes.SEND,
      `Could not pass the connection to the worker at ${this.path} (${describeNative(err)}). ` +
        'The descriptor was not passed: close or proxy the connection, and reconnect to the worker ' +
        '(EPIPE and ECONNRESET mean it closed its receiver or exited).',
      err,
    );
  }
}
