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
 * The session's life is one state machine ({@link Lifecycle}): where the exchange of End records
 * stands, then finished or failed. Every change of it goes through `SessionChannel.#transition`.
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

/**
 * Where a session stands. Each direction of a session ends with its own End record ([MC-NMF]
 * 2.2: "duplex-stream-a" and "duplex-stream-b" each end with End), and either may come first: a
 * client's close() sends End and waits for the server's, a server answers the client's End with
 * its close(). Ours goes through two steps: written (the socket has it, so nothing more may be
 * sent) and flushed (the kernel has it). The session has finished once ours is flushed and the
 * peer's has arrived (or, after ours, the peer's EOF: Mono's server closes instead of answering
 * End).
 *
 * ```text
 *   open ────── our End written ──────► end-written ── flushed ──► end-sent
 *    │                                       │                        │
 *    │ the peer's End                        │ the peer's End or EOF  │ the peer's End or EOF
 *    ▼                                       ▼                        ▼
 *   peer-ended ── our End written ──► flushing-end ──── flushed ────► finished
 * ```
 *
 * Every state but `finished` can go to `failed`; those two are final. `peerClosed`: the peer
 * ended with EOF instead of End, so its connection cannot carry another session.
 */
type Lifecycle =
  /** Neither End yet: messages go both ways. */
  | { readonly name: 'open' }
  /** The peer's End arrived; ours is not written yet (we may still send). */
  | { readonly name: 'peer-ended' }
  /** Our End is written but not yet flushed; the peer's has not arrived. */
  | { readonly name: 'end-written' }
  /** Our End is flushed; waiting for the peer's (bounded by the close timer, if close() runs it). */
  | { readonly name: 'end-sent' }
  /** The peer has ended; our End is written but not yet flushed. */
  | { readonly name: 'flushing-end'; readonly peerClosed: boolean }
  | { readonly name: 'finished'; readonly peerClosed: boolean }
  | { readonly name: 'failed'; readonly failure: SessionFailure };

/** What moves a session from one {@link Lifecycle} state to the next. */
type LifecycleEvent =
  | { readonly type: 'end-written' }
  | { readonly type: 'end-flushed' }
  | { readonly type: 'input-ended'; readonly peerClosed: boolean }
  | { readonly type: 'fail'; readonly failure: SessionFailure };

const OPEN: Lifecycle = { name: 'open' };
const PEER_ENDED: Lifecycle = { name: 'peer-ended' };
const END_WRITTEN: Lifecycle = { name: 'end-written' };
const END_SENT: Lifecycle = { name: 'end-sent' };

/**
 * The transition table: the state `event` leads to from the live state `from`, or undefined when
 * the event cannot happen there. One case per state.
 */
function nextState(from: Lifecycle, event: LifecycleEvent): Lifecycle | undefined {
  if (event.type === 'fail') return { name: 'failed', failure: event.failure };
  switch (from.name) {
    case 'open':
      if (event.type === 'end-written') return END_WRITTEN;
      // An EOF before our End is a failure, not an end (SessionChannel.onEnd).
      if (event.type === 'input-ended' && !event.peerClosed) return PEER_ENDED;
      return undefined;
    case 'peer-ended':
      return event.type === 'end-written' ? { name: 'flushing-end', peerClosed: false } : undefined;
    case 'end-written':
      if (event.type === 'end-flushed') return END_SENT;
      if (event.type === 'input-ended') return { name: 'flushing-end', peerClosed: event.peerClosed };
      return undefined;
    case 'end-sent':
      return event.type === 'input-ended' ? { name: 'finished', peerClosed: event.peerClosed } : undefined;
    case 'flushing-end':
      return event.type === 'end-flushed' ? { name: 'finished', peerClosed: from.peerClosed } : undefined;
    case 'finished':
    case 'failed':
      return undefined;
  }
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
 * The incoming payloads not yet read, and the readers waiting for the next one.
 *
 * Its end is its own, not the session's: in streamed mode the iterator ends with the one message,
 * before the peer's End arrives, and an iterator that has ended stays ended if the session fails
 * afterwards (its reader was told "done", and a failure after the peer's End concerns our side).
 */
class Inbox {
  readonly #maxBytes: number;
  /** Called when the queue fills up (true) or has drained to half (false). */
  readonly #onFull: (full: boolean) => void;
  #queue: Buffer[] = [];
  #head = 0;
  #bytes = 0;
  #readers: Reader[] = [];
  /** The queue is over `maxBytes` and the socket paused, until it drains to half. */
  #full = false;
  /** How the iterator ends once the queue is empty; undefined while payloads may still come. */
  #end: 'done' | SessionError | undefined;

  constructor(maxBytes: number, onFull: (full: boolean) => void) {
    this.#maxBytes = maxBytes;
    this.#onFull = onFull;
  }

  /** Bytes of the queued payloads. */
  get bytes(): number {
    return this.#bytes;
  }

  /** A payload for the first waiting reader, or the queue. */
  push(payload: Buffer): void {
    const reader = this.#readers.shift();
    if (reader !== undefined) {
      reader.resolve({ value: payload, done: false });
      return;
    }
    this.#queue.push(payload);
    this.#bytes += payload.length;
    if (!this.#full && this.#bytes >= this.#maxBytes) {
      this.#full = true;
      this.#onFull(true);
    }
  }

  /** No more payloads: readers end once the queue is empty (a waiting reader means it is). */
  end(): void {
    this.#end = 'done';
    this.#settleReaders((reader) => reader.resolve({ done: true, value: undefined }));
  }

  /** The session failed: waiting readers reject, and so do later ones once the queue is empty. */
  fail(error: SessionError): void {
    this.#end ??= error;
    this.#settleReaders((reader) => reader.reject(error));
  }

  next(): Promise<IteratorResult<Buffer>> {
    if (this.#head < this.#queue.length) return Promise.resolve({ value: this.#take(), done: false });
    const end = this.#end;
    if (end === 'done') return Promise.resolve({ done: true, value: undefined });
    if (end !== undefined) return Promise.reject(end);
    return new Promise((resolve, reject) => this.#readers.push({ resolve, reject }));
  }

  #take(): Buffer {
    const value = this.#queue[this.#head] as Buffer;
    this.#queue[this.#head] = undefined as unknown as Buffer;
    this.#head++;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    this.#bytes -= value.length;
    if (this.#full && (this.#bytes * 2 < this.#maxBytes || this.#queue.length === 0)) {
      this.#full = false;
      this.#onFull(false);
    }
    return value;
  }

  #settleReaders(settle: (reader: Reader) => void): void {
    const readers = this.#readers;
    this.#readers = [];
    for (const reader of readers) settle(reader);
  }
}

/** What close() started: the caller's promise, and the timer bounding the wait for the peer's End. */
interface CloseRequest {
  readonly done: Deferred;
  timer: NodeJS.Timeout | undefined;
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
  readonly #closeTimeoutMs: number;
  readonly #endWithMessage: boolean;
  /** Singleton mode, streamed transfer (see the module comment). */
  readonly streamed: boolean;

  /** Where the session stands; changed only by #transition. */
  #lifecycle: Lifecycle = OPEN;
  readonly #inbox: Inbox;
  /**
   * Set by the first close(). Not a lifecycle state: close() may come in any state (even after the
   * End exchange completed without it, as a singleton client's does) and must then give the same
   * promise each time. `state` reports 'closing' from it.
   */
  #closeRequest: CloseRequest | undefined;
  /**
   * A sendStreamed() in progress: End must not be written into the middle of its message. It is
   * one message's write, which runs while the peer's End arrives or not, so it lies beside the
   * lifecycle (it can only exist before our End is written).
   */
  #streamedSend: Promise<void> | undefined;
  /** A message was sent: a singleton session carries one each way, whatever the End exchange does. */
  #messageSent = false;
  /** A statistic, not a state. */
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
        // streamed: the last piece of the incoming message arrived; the iterator ends once the
        // queue is drained. The session goes on until End, which the decoder requires next.
        this.#inbox.end();
        break;
      case 'end':
        this.#onInputEnd(false);
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
    this.#closeTimeoutMs = init.closeTimeoutMs;
    this.#endWithMessage = init.endWithMessage === true && init.mode === Mode.SingletonUnsized;
    this.streamed = init.streamed === true && init.mode === Mode.SingletonUnsized;
    this.#inbox = new Inbox(init.maxPendingBytes, (full) => this.#onInboxFull(full));
  }

  /** The connection this session runs on. */
  get socket(): Socket {
    return this.feed.socket;
  }

  /** Where the session is in its life. */
  get state(): SessionState {
    switch (this.#lifecycle.name) {
      case 'failed':
        return 'failed';
      case 'finished':
        return 'closed';
      default:
        return this.#closeRequest === undefined ? 'open' : 'closing';
    }
  }

  /**
   * Incoming bytes held in memory for this session right now: queued payloads, a partly received
   * envelope, and what the socket has read but nobody has taken yet.
   */
  get bufferedBytes(): number {
    return this.#inbox.bytes + this.#decoder.bufferedBytes + this.feed.bufferedBytes;
  }

  /** The largest {@link bufferedBytes} seen after any chunk was decoded. */
  get peakBufferedBytes(): number {
    return this.#peakBufferedBytes;
  }

  /** True once the peer's End (or, after our End, its EOF) was received and the session did not fail. */
  protected get inputEnded(): boolean {
    const name = this.#lifecycle.name;
    return name === 'peer-ended' || name === 'flushing-end' || name === 'finished';
  }

  /** The failure, once the session has failed. */
  protected get failure(): SessionError | undefined {
    const state = this.#lifecycle;
    return state.name === 'failed' ? state.failure.error : undefined;
  }

  // ---- FeedSink ------------------------------------------------------------------------------

  /** @internal */
  onData(chunk: Buffer): number {
    if (!this.#awaitsPeerEnd()) return 0;
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
    if (!this.#awaitsPeerEnd()) return;
    if (!this.#canSend()) {
      // A peer that closes the connection instead of answering our End (Mono's server does) has
      // ended its side all the same.
      this.#onInputEnd(true);
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
    this.#messageSent = true;
    this.onActivity();
    const ends = this.#endWithMessage;
    if (ends) this.#transition({ type: 'end-written' });
    return new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null): void => {
        if (error != null) {
          reject(this.#writeFailed(error));
          return;
        }
        if (ends) this.#transition({ type: 'end-flushed' });
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
    this.#messageSent = true;
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
        this.#throwIfFailed();
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
      this.#throwIfFailed();
      const failure = new SessionError(
        SessionErrorCodes.ABORTED,
        `The source of the streamed message on the session with ${this.via} failed (${error instanceof Error ? error.message : String(error)}), so the message could not be completed and the session was aborted.`,
        { cause: error },
      );
      this.fail(failure, { local: true });
      throw failure;
    }
    this.#throwIfFailed();
    const ends = this.#endWithMessage;
    if (ends) this.#transition({ type: 'end-written' });
    await new Promise<void>((resolve, reject) => {
      socket.write(ends ? UNSIZED_END_AND_END : UNSIZED_END, (error) => {
        if (error != null) {
          reject(this.#writeFailed(error));
          return;
        }
        if (ends) this.#transition({ type: 'end-flushed' });
        resolve();
      });
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return {
      next: () => this.#inbox.next(),
      // Leaving a for-await loop early neither closes nor aborts the session.
      return: () => Promise.resolve({ done: true, value: undefined }),
    };
  }

  close(): Promise<void> {
    if (this.#closeRequest !== undefined) return this.#closeRequest.done.promise;
    const request: CloseRequest = { done: deferred(), timer: undefined };
    this.#closeRequest = request;
    const state = this.#lifecycle;
    if (state.name === 'failed') {
      request.done.reject(state.failure.error);
      return request.done.promise;
    }
    if (state.name === 'finished') {
      request.done.resolve();
      return request.done.promise;
    }
    if (this.#canSend()) {
      // close() while a streamed message is still being written (a reply that came first): End
      // goes after the message, never inside it.
      const sending = this.#streamedSend;
      if (sending === undefined) {
        this.#writeEnd();
      } else {
        const after = (): void => {
          if (this.#canSend()) this.#writeEnd();
        };
        sending.then(after, after);
      }
    }
    if (this.#awaitsPeerEnd()) {
      request.timer = startTimer(this.#closeTimeoutMs, () => {
        this.fail(
          new SessionError(
            SessionErrorCodes.CLOSE_TIMEOUT,
            `The session with ${this.via} sent End but the peer neither answered End nor closed the connection within the close timeout (${formatTimeSpan(this.#closeTimeoutMs)}); the connection was aborted. Raise closeTimeoutMs if the peer is slow, or check the peer.`,
          ),
        );
      });
    }
    return request.done.promise;
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
    this.#transition({ type: 'fail', failure: { error, faultUri: options.faultUri, local: options.local === true } });
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
    if (this.#isOver()) return;
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

  // ---- the state machine ---------------------------------------------------------------------

  /**
   * The one place the lifecycle changes. A finished or failed session ignores what is still under
   * way (a write's callback, records decoded from the chunk that made it fail, a timer); in a live
   * state an event the table does not allow is a bug here, not the peer's doing.
   */
  #transition(event: LifecycleEvent): void {
    const from = this.#lifecycle;
    if (from.name === 'finished' || from.name === 'failed') return;
    const to = nextState(from, event);
    if (to === undefined) throw new Error(`SessionChannel: no transition from ${from.name} on ${event.type}`);
    this.#lifecycle = to;
    if (to.name === 'finished') this.#enterFinished(to.peerClosed);
    else if (to.name === 'failed') this.#enterFailed(to.failure);
  }

  #enterFinished(peerClosed: boolean): void {
    const request = this.#closeRequest;
    if (request?.timer !== undefined) clearTimeout(request.timer);
    this.onFinished(peerClosed);
    request?.done.resolve();
  }

  #enterFailed(failure: SessionFailure): void {
    const request = this.#closeRequest;
    if (request?.timer !== undefined) clearTimeout(request.timer);
    this.feed.detach(this);
    this.#inbox.fail(failure.error);
    request?.done.reject(failure.error);
    this.onFailed(failure);
  }

  /** Finished or failed: nothing changes any more. */
  #isOver(): boolean {
    const name = this.#lifecycle.name;
    return name === 'finished' || name === 'failed';
  }

  /** Our End is not written yet (and the session is live), so messages and End may still go out. */
  #canSend(): boolean {
    const name = this.#lifecycle.name;
    return name === 'open' || name === 'peer-ended';
  }

  /** The peer's End has not arrived yet (and the session is live), so its records are still read. */
  #awaitsPeerEnd(): boolean {
    const name = this.#lifecycle.name;
    return name === 'open' || name === 'end-written' || name === 'end-sent';
  }

  // ---- internals -----------------------------------------------------------------------------

  /** Why a message cannot be sent now, or undefined. */
  #sendRefusal(): SessionError | undefined {
    const failure = this.failure;
    if (failure !== undefined) return failure;
    if (this.mode === Mode.SingletonUnsized && this.#messageSent) {
      return new SessionError(
        SessionErrorCodes.SESSION_CLOSED,
        `A singleton session with ${this.via} carries one message each way, and this one was sent. Open a new session (or use duplex mode) for the next message.`,
      );
    }
    if (!this.#canSend()) {
      return new SessionError(
        SessionErrorCodes.SESSION_CLOSED,
        `The session with ${this.via} is closing or closed, so it cannot send. Open a new session to send more messages.`,
      );
    }
    return undefined;
  }

  #throwIfFailed(): void {
    const failure = this.failure;
    if (failure !== undefined) throw failure;
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

  #deliver(payload: Buffer): void {
    // Records decoded from the rest of the chunk that made the session fail are dropped.
    if (this.#lifecycle.name === 'failed') return;
    this.#inbox.push(payload);
  }

  #onInboxFull(full: boolean): void {
    if (full) {
      this.feed.pause();
      this.onBackpressure(true);
      return;
    }
    this.onBackpressure(false);
    if (this.#awaitsPeerEnd()) this.feed.resume();
  }

  /**
   * The peer's End, or its EOF after our End (`peerClosed`). Its records are over, so the feed and
   * the iterator end whatever the state; the lifecycle moves on unless the session already failed
   * (an End decoded from the chunk whose earlier record made it fail).
   */
  #onInputEnd(peerClosed: boolean): void {
    this.feed.detach(this);
    this.#inbox.end();
    this.#transition({ type: 'input-ended', peerClosed });
  }

  #writeEnd(): void {
    this.#transition({ type: 'end-written' });
    // In singleton mode the unsized reply (if any) already ended with its 0x00 chunk, so this End
    // completes WCF's `00 07` (SingletonEncoder.EnvelopeEndFramingEndBytes); without a reply the
    // server sends End alone ([MC-NMF] 2.2, singleton-stream-b).
    this.socket.write(END, (error) => {
      if (error != null) {
        this.#writeFailed(error);
        return;
      }
      this.#transition({ type: 'end-flushed' });
    });
  }

  #writeFailed(error: Error): SessionError {
    const existing = this.failure;
    if (existing !== undefined) return existing;
    const failure = new SessionError(
      SessionErrorCodes.CONNECTION_CLOSED,
      `Writing to the session with ${this.via} failed (${error.message}): the connection is closed. Open a new session.`,
      { cause: error },
    );
    this.fail(failure);
    return failure;
  }
}
