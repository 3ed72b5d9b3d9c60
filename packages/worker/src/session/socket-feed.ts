/**
 * Hands a socket's incoming bytes to one consumer ("sink") at a time.
 *
 * A net.tcp connection goes through stages — preamble, session, the next preamble on a pooled
 * connection, a fault drain — and one TCP chunk often straddles two of them (a client writes
 * PreambleEnd and its first envelope together; End and the next preamble may arrive together). A
 * sink takes what belongs to its stage and returns how many bytes it used; the feed keeps the rest,
 * pauses the socket, and gives those bytes to the next sink first. The same pause serves
 * backpressure: a sink whose consumer is not reading calls pause(), and Node stops reading from the
 * kernel once the socket's own buffer reaches its high-water mark, so TCP flow control reaches the
 * sender.
 *
 * @module
 */

import type { Socket } from 'node:net';

/** A consumer of a socket's bytes. */
export interface FeedSink {
  /**
   * Takes bytes and returns how many it used. Using fewer than offered, or calling
   * {@link SocketFeed.detach} during the call, ends this sink's turn; the rest waits for the next.
   */
  onData(chunk: Buffer): number;
  /** The peer half-closed the connection (EOF), after every earlier byte was offered. */
  onEnd(): void;
  /** The socket closed; `error` is set when it failed (reset, write error). */
  onClose(error: Error | undefined): void;
}

function ignoreError(): void {}

/** Per-socket byte dispatcher; see the module comment. */
export class SocketFeed {
  readonly socket: Socket;
  #sink: FeedSink | undefined;
  #held: Buffer | undefined;
  #paused = false;
  #flowing = false;
  #eof = false;
  #eofDelivered = false;
  #closed = false;
  #closeDelivered = false;
  #error: Error | undefined;
  #dispatching = false;

  readonly #onDataListener = (chunk: Buffer): void => {
    this.#held = this.#held === undefined ? chunk : Buffer.concat([this.#held, chunk]);
    this.#dispatch();
  };
  readonly #onEndListener = (): void => {
    this.#eof = true;
    this.#dispatch();
  };
  readonly #onErrorListener = (error: Error): void => {
    this.#error ??= error;
  };
  readonly #onCloseListener = (): void => {
    this.#closed = true;
    this.#dispatch();
  };

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', this.#onDataListener);
    socket.on('end', this.#onEndListener);
    socket.on('error', this.#onErrorListener);
    socket.on('close', this.#onCloseListener);
    // Adding a 'data' listener starts the flow; nothing is read until a sink is attached.
    socket.pause();
    if (socket.destroyed) this.#closed = true;
  }

  /** Bytes read from the kernel and not yet taken by a sink. */
  get bufferedBytes(): number {
    return (this.#held?.length ?? 0) + this.socket.readableLength;
  }

  /** True once the peer's EOF was seen. */
  get ended(): boolean {
    return this.#eof;
  }

  /** Makes `sink` the consumer; bytes held from an earlier stage are offered to it first. */
  attach(sink: FeedSink): void {
    this.#sink = sink;
    this.#paused = false;
    this.#eofDelivered = false;
    this.#closeDelivered = false;
    this.#dispatch();
  }

  /** Ends `sink`'s turn (if it is the current one); later bytes are held for the next sink. */
  detach(sink: FeedSink): void {
    if (this.#sink === sink) this.#sink = undefined;
    this.#updateFlow();
  }

  /** Stops offering bytes to the current sink until resume() (backpressure). */
  pause(): void {
    this.#paused = true;
    this.#updateFlow();
  }

  /** Undoes pause(). */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#dispatch();
  }

  /**
   * Gives the socket back: removes the feed's listeners and returns unconsumed bytes to the
   * socket's read buffer, so a new owner reads them first. A no-op 'error' listener stays, so that
   * a pooled socket reset while nobody owns it does not crash the process; its next owner sees
   * the socket closed.
   */
  release(): void {
    this.#sink = undefined;
    this.socket.off('data', this.#onDataListener);
    this.socket.off('end', this.#onEndListener);
    this.socket.off('close', this.#onCloseListener);
    this.socket.off('error', this.#onErrorListener);
    if (!this.socket.listeners('error').includes(ignoreError)) this.socket.on('error', ignoreError);
    this.socket.pause();
    if (this.#held !== undefined && !this.#eof && !this.socket.destroyed) this.socket.unshift(this.#held);
    this.#held = undefined;
  }

  #dispatch(): void {
    // A sink may attach another sink from inside onData; the running loop then carries on with it.
    if (this.#dispatching) return;
    this.#dispatching = true;
    try {
      for (;;) {
        const sink = this.#sink;
        if (sink === undefined || this.#paused) break;
        const chunk = this.#held;
        if (chunk !== undefined) {
          this.#held = undefined;
          const used = sink.onData(chunk);
          if (used < chunk.length) {
            const rest = chunk.subarray(used);
            this.#held = this.#held === undefined ? rest : Buffer.concat([rest, this.#held]);
            if (this.#sink === sink) this.#sink = undefined;
          }
          continue;
        }
        if (this.#eof && !this.#eofDelivered) {
          this.#eofDelivered = true;
          sink.onEnd();
          continue;
        }
        if (this.#closed && !this.#closeDelivered) {
          this.#closeDelivered = true;
          sink.onClose(this.#error);
          continue;
        }
        break;
      }
    } finally {
      this.#dispatching = false;
    }
    this.#updateFlow();
  }

  #updateFlow(): void {
    const flowing = this.#sink !== undefined && !this.#paused && this.#held === undefined && !this.#closed;
    if (flowing === this.#flowing) return;
    this.#flowing = flowing;
    if (flowing) this.socket.resume();
    else this.socket.pause();
  }
}
