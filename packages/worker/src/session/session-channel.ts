/**
 * What a net.tcp session does once its preamble is acknowledged, on either side: decode the
 * peer's records into a bounded queue of payloads, send envelopes, and end with an exchange of End
 * records ([MC-NMF] 2.2, "duplex-stream-a/b", "singleton-unsized-stream-a/b").
 *
 * Backpressure runs end to end: incoming payloads wait in a queue of at most `maxPendingBytes`
 * (plus the one chunk being decoded); past that the socket is paused, Node stops reading once its
 * own buffer is full, and TCP flow control slows the sender. Outgoing, `send()` resolves only when
 * the bytes have been handed to the kernel.
 *
 * Streamed transfer (WCF's TransferMode.Streamed, singleton mode): with `streamed`, the one
 * incoming message is read as the pieces of its UnsizedEnvelope, as they arrive, through the same
 * bounded queue; `sendStreamed()` writes the outgoing one as its source produces it, waiting for
 * the socket to drain. Neither side then holds more than a bounded window of a message of any size.
 *
 * @module
 */

import type { Socket } from 'node:net';
import {
  encodeEnd,
  encodeSizedEnvelope,
  encodeSizedEnvelopeHeader,
  encodeUnsizedChunkHeader,
  encodeUnsizedEnvelope,
  encodeUnsizedEnvelopeStart,
  FramingError,
  FramingErrorCodes,
  type FramingRecord,
  Mode,
  type RecordDecoder,
} from '@portshare/framing';
import { SessionError, SessionErrorCodes } from './errors.js';
import type { MessageChannel } from './message-channel.js';
import { formatTimeSpan, startTimer } from './options.js';
import type { FeedSink, SocketFeed } from './socket-feed.js';

/** Settings every session needs. */
export interface SessionChannelInit {
  feed: SocketFeed;
  mode: Mode;
  via: string;
  decoder: RecordDecoder;
  maxPendingBytes: number;
  closeTimeoutMs: number;
  /**
   * Client side of a singleton session: the request is followed at once by End, in the same write
   * (`00 07`, SingletonEncoder.EnvelopeEndFramingEndBytes, which WCF's StreamingConnectionHelper
   * writes after a request), so the server can answer before the client closes.
   */
  endWithMessage?: boolean;
  /**
   * Singleton mode: the incoming message is delivered in pieces as they arrive, and the iterator
   * ends where the message ends (TransferMode.Streamed). The decoder must have `streamUnsized`.
   */
  streamed?: boolean;
}

/** The lifecycle of a session. */
export type SessionState = 'open' | 'closing' | 'closed' | 'failed';

/** Why a session failed, for the side that owns the connection. */
export interface SessionFailure {
  error: SessionError;
  /** A fault to send to the peer before closing (server side only). */
  faultUri: string | undefined;
  /** True when the local side asked for it (abort()), so nobody needs telling. */
  local: boolean;
}

// Payloads up to this size are copied behind their record header (one write); larger ones go as
// header + payload in one corked writev, without copying.
const COPY_LIMIT = 16 * 1024;
const END = encodeEnd();
const UNSIZED_END = Buffer.from([0x00]);
const UNSIZED_END_AND_END = Buffer.from([0x00, 0x07]);

interface Reader {
  resolve(result: IteratorResult<Buffer>): void;
  reject(error: unknown): void;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * The part of a session shared by the server and the client side. Subclasses decide what happens
 * to the connection when the session finishes or fails.
 */
export abstract class SessionChannel implements MessageChannel, FeedSink {
  /** The via of the preamble that opened this session. */
  readonly via: string;
  /** The framing mode: 2 (duplex) or 1 (singleton-unsized). */
  readonly mode: Mode;
  protected readonly feed: SocketFeed;
  readonly #decoder: RecordDecoder;
  readonly #maxPendingBytes: number;
  readonly #closeTimeoutMs: number;
  readonly #endWithMessage: boolean;
  /** Singleton mode, streamed transfer (see the module comment). */
  readonly streamed: boolean;

  #queue: Buffer[] = [];
  #queueHead = 0;
  #queuedBytes = 0;
  #readers: Reader[] = [];
  #backpressure = false;
  #inputEnded = false;
  /** streamed: the incoming message's last piece has arrived. */
  #messageEnded = false;
  #peerClosed = false;
  #endWritten = false;
  #endFlushed = false;
  #messagesSent = 0;
  /** A sendStreamed() in progress: End must not be written into the middle of its message. */
  #streamedSend: Promise<void> | undefined;
  #failure: SessionError | undefined;
  #finished = false;
  #close: Deferred | undefined;
  #closeTimer: NodeJS.Timeout | undefined;
  #peakBufferedBytes = 0;

  readonly #onRecord = (record: FramingRecord): void => {
    switch (record.type) {
      case 'sized-envelope':
        this.#deliver(record.payload);
        break;
      case 'unsized-envelope':
        this.#deliver(record.chunks.length === 1 ? (record.chunks[0] as Buffer) : Buffer.concat(record.chunks));
        break;
      case 'unsized-piece':
        this.#deliver(record.payload);
        break;
      case 'unsized-end':
        this.#onMessageEnd();
        break;
      case 'end':
        this.#onInputEnd();
        break;
      case 'fault':
        this.onFaultRecord(record.uri);
        break;
      case 'preamble-ack':
        this.onPreambleAck();
        break;
      default:
        // upgrade-response (we never request an upgrade) and octets (mode 4 is never served).
        this.fail(
          new SessionError(
            SessionErrorCodes.PROTOCOL,
            `Unexpected ${record.type} record on a ${this.mode === Mode.Duplex ? 'duplex' : 'singleton'} session with ${this.via}. The peer broke the .NET Message Framing record order; check that both sides use the same binding.`,
          ),
        );
    }
  };

  constructor(init: SessionChannelInit) {
    this.feed = init.feed;
    this.mode = init.mode;
    this.via = init.via;
    this.#decoder = init.decoder;
    this.#maxPendingBytes = init.maxPendingBytes;
    this.#closeTimeoutMs = init.closeTimeoutMs;
    this.#endWithMessage = init.endWithMessage === true && init.mode === Mode.SingletonUnsized;
    this.streamed = init.streamed === true && init.mode === Mode.SingletonUnsized;
  }

  /** The connection this session runs on. */
  get socket(): Socket {
    return this.feed.socket;
  }

  /** Where the session is in its life. */
  get state(): SessionState {
    if (this.#failure !== undefined) return 'failed';
    if (this.#finished) return 'closed';
    if (this.#close !== undefined) return 'closing';
    return 'open';
  }

  /**
   * Incoming bytes held in memory for this session right now: queued payloads, a partly received
   * envelope, and what the socket has read but nobody has taken yet.
   */
  get bufferedBytes(): number {
    return this.#queuedBytes + this.#decoder.bufferedBytes + this.feed.bufferedBytes;
  }

  /** The largest {@link bufferedBytes} seen after any chunk was decoded. */
  get peakBufferedBytes(): number {
    return this.#peakBufferedBytes;
  }

  /** True once the peer's End (or, after our End, its EOF) was received. */
  protected get inputEnded(): boolean {
    return this.#inputEnded;
  }

  /** The failure, once the session has failed. */
  protected get failure(): SessionError | undefined {
    return this.#failure;
  }

  // ---- FeedSink ------------------------------------------------------------------------------

  /** @internal */
  onData(chunk: Buffer): number {
    if (this.#failure !== undefined || this.#inputEnded) return 0;
    let used: number;
    try {
      used = this.#decoder.decode(chunk, this.#onRecord);
    } catch (error) {
      const failure = this.decodeError(error);
      this.fail(failure, { faultUri: failure.faultUri });
      return chunk.length;
    }
    this.onActivity();
    const buffered = this.bufferedBytes;
    if (buffered > this.#peakBufferedBytes) this.#peakBufferedBytes = buffered;
    return used;
  }

  /** @internal */
  onEnd(): void {
    if (this.#failure !== undefined || this.#inputEnded) return;
    if (this.#endWritten) {
      // A peer that closes the connection instead of answering our End (Mono's server does) has
      // ended its side all the same.
      this.#peerClosed = true;
      this.#onInputEnd();
      return;
    }
    let cause: unknown;
    try {
      this.#decoder.end();
    } catch (error) {
      cause = error;
    }
    this.fail(
      new SessionError(
        SessionErrorCodes.CONNECTION_CLOSED,
        `The peer closed the connection of the session with ${this.via} without ending the session (no End record)${cause === undefined ? '' : ', in the middle of a record'}. The session's last messages may be lost; the peer may have crashed or timed out.`,
        { cause },
      ),
    );
  }

  /** @internal */
  onClose(error: Error | undefined): void {
    this.connectionClosed(error);
  }

  // ---- MessageChannel ------------------------------------------------------------------------

  send(payload: Uint8Array): Promise<void> {
    const refused = this.#sendRefusal();
    if (refused !== undefined) return Promise.reject(refused);
    let first: Buffer;
    let second: Uint8Array | undefined;
    try {
      if (this.mode === Mode.SingletonUnsized) {
        first = encodeUnsizedEnvelope(payload.length === 0 ? [] : [payload]);
        if (this.#endWithMessage) first = Buffer.concat([first, END]);
      } else if (payload.length <= COPY_LIMIT) {
        first = encodeSizedEnvelope(payload);
      } else {
        first = encodeSizedEnvelopeHeader(payload.length);
        second = payload;
      }
    } catch (error) {
      return Promise.reject(
        new SessionError(
          SessionErrorCodes.MESSAGE_TOO_LARGE,
          `A message of ${payload.length} bytes cannot be framed: [MC-NMF] sizes stop at 2147483647 bytes. Split the data into smaller messages.`,
          { cause: error },
        ),
      );
    }
    this.#messagesSent++;
    this.onActivity();
    const ends = this.#endWithMessage;
    if (ends) this.#endWritten = true;
    return new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null): void => {
        if (error != null) {
          reject(this.#writeFailed(error));
          return;
        }
        if (ends) {
          this.#endFlushed = true;
          this.#maybeFinish();
        }
        resolve();
      };
      const socket = this.socket;
      if (second === undefined) {
        socket.write(first, done);
      } else {
        socket.cork();
        socket.write(first);
        socket.write(second, done);
        socket.uncork();
      }
    });
  }

  /**
   * Sends the one message of a singleton session as its source produces it: each piece becomes a
   * data chunk of the UnsizedEnvelope, written when the socket has room (backpressure), then the
   * terminator (and End, on the client side). If the source fails, the message cannot be
   * completed: the session is aborted and the promise rejects with SESSION_ERR_ABORTED, whose
   * cause is the source's error.
   */
  async sendStreamed(pieces: AsyncIterable<Uint8Array>): Promise<void> {
    if (this.mode !== Mode.SingletonUnsized) {
      throw new SessionError(
        SessionErrorCodes.INVALID_OPTION,
        `sendStreamed() needs a singleton session (mode 1, TransferMode.Streamed); the session with ${this.via} is duplex. Use send(), or open the session with mode 1.`,
      );
    }
    const refused = this.#sendRefusal();
    if (refused !== undefined) throw refused;
    this.#messagesSent++;
    const sending = this.#writeStreamed(pieces);
    this.#streamedSend = sending;
    try {
      await sending;
    } finally {
      this.#streamedSend = undefined;
    }
  }

  async #writeStreamed(pieces: AsyncIterable<Uint8Array>): Promise<void> {
    const socket = this.socket;
    socket.write(encodeUnsizedEnvelopeStart());
    try {
      for await (const piece of pieces) {
        if (this.#failure !== undefined) throw this.#failure;
        if (piece.length === 0) continue;
        this.onActivity();
        const header = encodeUnsizedChunkHeader(piece.length);
        let room: boolean;
        if (piece.length <= COPY_LIMIT) {
          room = socket.write(Buffer.concat([header, piece]));
        } else {
          socket.cork();
          socket.write(header);
          room = socket.write(piece);
          socket.uncork();
        }
        if (!room) await this.#drained();
      }
    } catch (error) {
      if (this.#failure !== undefined) throw this.#failure;
      const failure = new SessionError(
        SessionErrorCodes.ABORTED,
        `The source of the streamed message on the session with ${this.via} failed (${error instanceof Error ? error.message : String(error)}), so the message could not be completed and the session was aborted.`,
        { cause: error },
      );
      this.fail(failure, { local: true });
      throw failure;
    }
    if (this.#failure !== undefined) throw this.#failure;
    const ends = this.#endWithMessage;
    if (ends) this.#endWritten = true;
    await new Promise<void>((resolve, reject) => {
      socket.write(ends ? UNSIZED_END_AND_END : UNSIZED_END, (error) => {
        if (error != null) {
          reject(this.#writeFailed(error));
          return;
        }
        if (ends) {
          this.#endFlushed = true;
          this.#maybeFinish();
        }
        resolve();
      });
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return {
      next: () => this.#next(),
      // Leaving a for-await loop early neither closes nor aborts the session.
      return: () => Promise.resolve({ done: true, value: undefined }),
    };
  }

  close(): Promise<void> {
    if (this.#close !== undefined) return this.#close.promise;
    const close = deferred();
    this.#close = close;
    if (this.#failure !== undefined) {
      close.reject(this.#failure);
      return close.promise;
    }
    if (this.#finished) {
      close.resolve();
      return close.promise;
    }
    if (!this.#endWritten) {
      // close() while a streamed message is still being written (a reply that came first): End
      // goes after the message, never inside it.
      const sending = this.#streamedSend;
      if (sending === undefined) {
        this.#writeEnd();
      } else {
        const after = (): void => {
          if (!this.#endWritten && this.#failure === undefined) this.#writeEnd();
        };
        sending.then(after, after);
      }
    }
    if (!this.#inputEnded) {
      this.#closeTimer = startTimer(this.#closeTimeoutMs, () => {
        this.fail(
          new SessionError(
            SessionErrorCodes.CLOSE_TIMEOUT,
            `The session with ${this.via} sent End but the peer neither answered End nor closed the connection within the close timeout (${formatTimeSpan(this.#closeTimeoutMs)}); the connection was aborted. Raise closeTimeoutMs if the peer is slow, or check the peer.`,
          ),
        );
      });
    }
    return close.promise;
  }

  /** Ends the session at once: the connection is closed without End, pending calls fail. */
  abort(reason?: string): void {
    this.fail(
      new SessionError(
        SessionErrorCodes.ABORTED,
        reason === undefined
          ? `The session with ${this.via} was aborted locally.`
          : `The session with ${this.via} was aborted locally: ${reason}`,
      ),
      { local: true },
    );
  }

  // ---- for subclasses ------------------------------------------------------------------------

  /**
   * Marks the session failed: pending readers and close() reject with `error`, later sends reject,
   * and the subclass disposes of the connection. Payloads queued before the failure can still be
   * read. Does nothing once the session has finished or failed.
   */
  protected fail(error: SessionError, options: { faultUri?: string | undefined; local?: boolean } = {}): void {
    if (this.#finished || this.#failure !== undefined) return;
    this.#failure = error;
    if (this.#closeTimer !== undefined) clearTimeout(this.#closeTimer);
    this.feed.detach(this);
    const readers = this.#readers;
    this.#readers = [];
    for (const reader of readers) reader.reject(error);
    if (this.#close !== undefined) this.#close.reject(error);
    this.onFailed({ error, faultUri: options.faultUri, local: options.local === true });
  }

  /** Called once when both End records have been exchanged. */
  protected abstract onFinished(peerClosed: boolean): void;
  /** Called once when the session fails; disposes of the connection. */
  protected abstract onFailed(failure: SessionFailure): void;

  /** A Fault record from the peer (only a server sends them). */
  protected onFaultRecord(uri: string): void {
    this.fail(
      new SessionError(
        SessionErrorCodes.PROTOCOL,
        `The client sent a Fault record (${uri}); only servers send faults. Check the peer.`,
        { faultUri: uri },
      ),
    );
  }

  /** A PreambleAck record (only expected by a client before its session opens). */
  protected onPreambleAck(): void {
    this.fail(
      new SessionError(
        SessionErrorCodes.PROTOCOL,
        `Unexpected PreambleAck record on the session with ${this.via}. The peer broke the .NET Message Framing record order.`,
      ),
    );
  }

  /** Bytes arrived or a message was sent. */
  protected onActivity(): void {}

  /** The incoming queue filled up (true) or drained (false). */
  protected onBackpressure(_paused: boolean): void {}

  /** The socket closed. Fails the session unless it has already finished. */
  protected connectionClosed(error: Error | undefined): void {
    if (this.#finished || this.#failure !== undefined) return;
    this.fail(
      new SessionError(
        SessionErrorCodes.CONNECTION_CLOSED,
        `The connection of the session with ${this.via} closed before the session ended${error === undefined ? '' : ` (${error.message})`}. The peer may have crashed, timed out or reset the connection.`,
        { cause: error },
      ),
    );
  }

  /** Maps a decoder failure to the session error (and, server side, the fault to send). */
  protected decodeError(error: unknown): SessionError {
    if (error instanceof FramingError) {
      const code =
        error.code === FramingErrorCodes.MESSAGE_TOO_LARGE
          ? SessionErrorCodes.MESSAGE_TOO_LARGE
          : error.code === FramingErrorCodes.NOT_FRAMING
            ? SessionErrorCodes.NOT_FRAMING
            : SessionErrorCodes.PROTOCOL;
      return new SessionError(code, error.message, { cause: error, faultUri: error.faultUri });
    }
    return new SessionError(
      SessionErrorCodes.PROTOCOL,
      `Decoding the records of the session with ${this.via} failed: ${String(error)}`,
      { cause: error },
    );
  }

  // ---- internals -----------------------------------------------------------------------------

  /** Why a message cannot be sent now, or undefined. */
  #sendRefusal(): SessionError | undefined {
    if (this.#failure !== undefined) return this.#failure;
    if (this.mode === Mode.SingletonUnsized && this.#messagesSent > 0) {
      return new SessionError(
        SessionErrorCodes.SESSION_CLOSED,
        `A singleton session with ${this.via} carries one message each way, and this one was sent. Open a new session (or use duplex mode) for the next message.`,
      );
    }
    if (this.#endWritten) {
      return new SessionError(
        SessionErrorCodes.SESSION_CLOSED,
        `The session with ${this.via} is closing or closed, so it cannot send. Open a new session to send more messages.`,
      );
    }
    return undefined;
  }

  /** Resolves when the socket wants more data, or when it closed (the caller checks the failure). */
  #drained(): Promise<void> {
    const socket = this.socket;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  /** streamed: the last piece of the incoming message arrived; readers end once the queue is drained. */
  #onMessageEnd(): void {
    this.#messageEnded = true;
    if (this.#queueHead < this.#queue.length) return;
    const readers = this.#readers;
    this.#readers = [];
    for (const reader of readers) reader.resolve({ done: true, value: undefined });
  }

  #deliver(payload: Buffer): void {
    if (this.#failure !== undefined) return;
    const reader = this.#readers.shift();
    if (reader !== undefined) {
      reader.resolve({ value: payload, done: false });
      return;
    }
    this.#queue.push(payload);
    this.#queuedBytes += payload.length;
    if (!this.#backpressure && this.#queuedBytes >= this.#maxPendingBytes) {
      this.#backpressure = true;
      this.feed.pause();
      this.onBackpressure(true);
    }
  }

  #next(): Promise<IteratorResult<Buffer>> {
    if (this.#queueHead < this.#queue.length) {
      const value = this.#queue[this.#queueHead] as Buffer;
      this.#queue[this.#queueHead] = undefined as unknown as Buffer;
      this.#queueHead++;
      if (this.#queueHead === this.#queue.length) {
        this.#queue = [];
        this.#queueHead = 0;
      } else if (this.#queueHead >= 1024 && this.#queueHead * 2 >= this.#queue.length) {
        this.#queue = this.#queue.slice(this.#queueHead);
        this.#queueHead = 0;
      }
      this.#queuedBytes -= value.length;
      if (this.#backpressure && (this.#queuedBytes * 2 < this.#maxPendingBytes || this.#queue.length === 0)) {
        this.#backpressure = false;
        this.onBackpressure(false);
        if (this.#failure === undefined && !this.#inputEnded) this.feed.resume();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#inputEnded || this.#messageEnded) return Promise.resolve({ done: true, value: undefined });
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => this.#readers.push({ resolve, reject }));
  }

  #onInputEnd(): void {
    this.#inputEnded = true;
    this.feed.detach(this);
    const readers = this.#readers;
    this.#readers = [];
    for (const reader of readers) reader.resolve({ done: true, value: undefined });
    this.#maybeFinish();
  }

  #writeEnd(): void {
    this.#endWritten = true;
    // In singleton mode the unsized reply (if any) already ended with its 0x00 chunk, so this End
    // completes WCF's `00 07` (SingletonEncoder.EnvelopeEndFramingEndBytes); without a reply the
    // server sends End alone ([MC-NMF] 2.2, singleton-stream-b).
    this.socket.write(END, (error) => {
      if (error != null) {
        this.#writeFailed(error);
        return;
      }
      this.#endFlushed = true;
      this.#maybeFinish();
    });
  }

  #maybeFinish(): void {
    if (!this.#inputEnded || !this.#endFlushed || this.#finished || this.#failure !== undefined) return;
    this.#finished = true;
    if (this.#closeTimer !== undefined) clearTimeout(this.#closeTimer);
    this.onFinished(this.#peerClosed);
    this.#close?.resolve();
  }

  #writeFailed(error: Error): SessionError {
    if (this.#failure !== undefined) return this.#failure;
    const failure = new SessionError(
      SessionErrorCodes.CONNECTION_CLOSED,
      `Writing to the session with ${this.via} failed (${error.message}): the connection is closed. Open a new session.`,
      { cause: error },
    );
    this.fail(failure);
    return failure;
  }
}
