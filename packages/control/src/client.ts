import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { LineDecoder, encodeLine, DEFAULT_MAX_CONTROL_MESSAGE_BYTES } from './codec.js';
import { ControlError, ControlErrorCodes, notRunningMessage, type ControlErrorCode } from './errors.js';
import type { ControlNotice, ControlRequest, ReplyFor, WireReply } from './messages.js';
import { CONTROL_PROTOCOL_VERSION } from './messages.js';

export interface ControlClientOptions {
  /** Per-request answer timeout. Default 10 s. */
  requestTimeoutMs?: number;
  /** Largest answer accepted (status replies with many registrations are big). Default 16 MiB. */
  maxMessageBytes?: number;
}

const KNOWN_CODES = new Set<string>(Object.values(ControlErrorCodes));

/**
 * A connection to the daemon's control socket. Registrations made through it live as long as it
 * stays open; 'close' tells the owner the daemon went away (so a worker can re-register).
 */
export class ControlClient extends EventEmitter<{ close: []; notice: [notice: ControlNotice] }> {
  readonly socketPath: string;
  readonly #socket: Socket;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  #nextId = 1;
  #closed = false;
  /** The daemon's reason for closing this connection (its `id: 0` error line), once it gave one. */
  #closeReason: ControlError | undefined;

  private constructor(socketPath: string, socket: Socket, options: ControlClientOptions) {
    super();
    this.socketPath = socketPath;
    this.#socket = socket;
    this.#timeoutMs = options.requestTimeoutMs ?? 10_000;
    const decoder = new LineDecoder(options.maxMessageBytes ?? 16 * 1024 * 1024);
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk, (msg) => this.#onMessage(msg as WireReply | ControlNotice));
      } catch (err) {
        this.#shutdown(err as Error);
      }
    });
    socket.on('error', (err) => this.#shutdown(err));
    socket.on('close', () => this.#shutdown(undefined));
  }

  /** Connects; a missing socket or a refused connection is CONTROL_ERR_NOT_RUNNING. */
  static connect(socketPath: string, options: ControlClientOptions = {}): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(socketPath);
      const onError = (err: NodeJS.ErrnoException) => {
        socket.destroy();
        if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'ENOTSOCK') {
          reject(new ControlError(ControlErrorCodes.NotRunning, notRunningMessage(socketPath), { cause: err }));
        } else if (err.code === 'EACCES' || err.code === 'EPERM') {
          reject(
            new ControlError(
              ControlErrorCodes.AccessDenied,
              `Access to the portshare control socket ${socketPath} was denied (${err.code}). ` +
                `Run as a user on the allowAccounts list, or ask an administrator to add yours.`,
              { cause: err },
            ),
          );
        } else {
          reject(
            new ControlError(ControlErrorCodes.Closed, `Cannot reach the portshare service at ${socketPath}: ${err.code ?? err.message}.`, {
              cause: err,
            }),
          );
        }
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve(new ControlClient(socketPath, socket, options));
      });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Why the daemon closed this connection, when it said (a refusal at accept, an idle close). */
  get closeReason(): ControlError | undefined {
    return this.#closeReason;
  }

  request<R extends ControlRequest>(req: R): Promise<ReplyFor<R>> {
    if (this.#closed) {
      return Promise.reject(
        this.#closeReason ?? new ControlError(ControlErrorCodes.Closed, 'The control connection to the portshare service is closed.'),
      );
    }
    const id = this.#nextId++;
    return new Promise<ReplyFor<R>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ControlError(ControlErrorCodes.Timeout, `The portshare service did not answer '${req.op}' within ${this.#timeoutMs} ms.`));
      }, this.#timeoutMs);
      timer.unref();
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.#socket.write(encodeLine({ ...req, id }));
    });
  }

  /** Says hello and checks the protocol version. */
  hello() {
    return this.request({ op: 'hello', version: CONTROL_PROTOCOL_VERSION });
  }

  close(): void {
    this.#socket.end();
    this.#socket.destroySoon();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  ref(): void {
    this.#socket.ref();
  }
  unref(): void {
    this.#socket.unref();
  }

  #onMessage(msg: WireReply | ControlNotice): void {
    if (typeof msg !== 'object' || msg === null) return;
    if ('notice' in msg) {
      // Not an answer: the daemon telling its workers something (a takeover, see ControlNotice).
      // Unknown notices are for newer clients and are ignored.
      if (msg.notice === 'moving' || (msg.notice === 'superseded' && typeof msg.registrationId === 'number')) this.emit('notice', msg);
      return;
    }
    if (!msg.ok && msg.id === 0) {
      // Not an answer: the daemon's reason for the close that follows. Requests still waiting, and
      // any made later, fail with it, so the caller can tell "refused" from "not running".
      this.#closeReason ??= toControlError(msg.error);
      return;
    }
    const entry = this.#pending.get(msg.id);
    if (!entry) return;
    this.#pending.delete(msg.id);
    clearTimeout(entry.timer);
    if (msg.ok) entry.resolve(msg.result);
    else entry.reject(toControlError(msg.error));
  }

  #shutdown(err: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    for (const [, entry] of this.#pending) {
      clearTimeout(entry.timer);
      entry.reject(
        this.#closeReason ??
          new ControlError(ControlErrorCodes.Closed, 'The portshare service closed the control connection before answering.', {
            cause: err,
          }),
      );
    }
    this.#pending.clear();
    this.emit('close');
  }
}

function toControlError(error: { code: string; message: string }): ControlError {
  const code = (KNOWN_CODES.has(error.code) ? error.code : ControlErrorCodes.InvalidArgument) as ControlErrorCode;
  return new ControlError(code, error.message);
}

export { DEFAULT_MAX_CONTROL_MESSAGE_BYTES };
