/**
 * Sans-I/O decoder for the records that follow the preamble, in either direction.
 *
 * - role `'server'` reads what a client sends after its preamble: sized envelopes then End (modes
 *   2 and 3), one unsized envelope then End (mode 1), or raw octets up to EOF (mode 4).
 * - role `'client'` reads what a server sends: UpgradeResponse*, then PreambleAck or Fault, then
 *   envelopes, then End or Fault.
 *
 * Records are delivered to a callback as they complete. An envelope that lies inside one input
 * chunk is delivered as a zero-copy view of that chunk (the receiver must copy it, e.g. with
 * `Buffer.from(payload)`, if it keeps it while the chunk's memory is reused); an envelope that
 * straddles chunks is assembled in a buffer of its own. Unsized envelopes (mode 1) are delivered
 * once complete, as the list of their data chunks, because a buffered WCF binding reads a
 * singleton message whole too and the total is bounded by `maxMessageSize`; with
 * `streamUnsized` (TransferMode.Streamed) they are delivered piece by piece as the bytes arrive,
 * each piece a view of the input, with the running total still bounded by `maxMessageSize`.
 *
 * The decoder stops after End (so that the caller can start a new PreambleDecoder on the rest: a
 * connection may carry several streams, [MC-NMF] 2.2 "protocol-stream-a = (...)+"), after an
 * UpgradeResponse (the upgrade's handshake follows) and, as client, after a Fault.
 *
 * Checks follow FramingDecoders.cs (`ServerSessionDecoder`, `SingletonMessageDecoder`,
 * `ClientDuplexDecoder`, `ClientSingletonDecoder`) and [MC-NMF] 2.2.3.
 *
 * @module
 */

import { ByteAccumulator } from './accumulator.js';
import { asBuffer } from './bytes.js';
import {
  atEnd,
  faultTooLong,
  messageTooLarge,
  notFraming,
  prematureEof,
  recordTypeMismatch,
  zeroSizeFault,
} from './decode-errors.js';
import { FramingError, FramingErrorCodes } from './errors.js';
import { limitOption } from './options.js';
import { DEFAULT_MAX_MESSAGE_SIZE, FaultUri, FramingLimits, Mode, RecordType } from './records.js';
import { SizeDecoder } from './size.js';

/**
 * A decoded record. Envelope payloads may be views of the input chunk (see the module notes).
 *
 * - `sized-envelope`: a SizedEnvelope (0x06) message.
 * - `unsized-envelope`: a whole UnsizedEnvelope (0x05) message, as its data chunks in wire order
 *   (never empty chunks: a zero size ends the envelope).
 * - `unsized-piece`, `unsized-end` (with `streamUnsized` only): the bytes of an UnsizedEnvelope's
 *   data chunks as they arrive (never empty; piece boundaries need not match chunk boundaries),
 *   then the end of the envelope (its zero-size chunk).
 * - `octets`: a piece of a singleton-sized (mode 4) message, delivered as it arrives; the message
 *   runs to EOF.
 * - `end`, `fault`, `preamble-ack`, `upgrade-response`: the records of those names.
 */
export type FramingRecord =
  | { type: 'sized-envelope'; payload: Buffer }
  | { type: 'unsized-envelope'; chunks: Buffer[] }
  | { type: 'unsized-piece'; payload: Buffer }
  | { type: 'unsized-end' }
  | { type: 'octets'; payload: Buffer }
  | { type: 'end' }
  | { type: 'fault'; uri: string }
  | { type: 'preamble-ack' }
  | { type: 'upgrade-response' };

/** Options of a {@link RecordDecoder}. */
export interface RecordDecoderOptions {
  /** Which side's stream is decoded: `'server'` decodes client bytes, `'client'` server bytes. */
  role: 'server' | 'client';
  /** The preamble's mode (default Duplex). Client role supports modes 1 and 2 only. */
  mode?: Mode;
  /**
   * Largest message in bytes: a sized envelope's size, the sum of an unsized envelope's chunks, or
   * a mode-4 message's octets (default 65536, WCF's MaxReceivedMessageSize).
   */
  maxMessageSize?: number;
  /** Largest fault URI in bytes (default 256, WCF's FaultSizeQuota). */
  maxFaultBytes?: number;
  /**
   * Deliver an unsized envelope (mode 1) piece by piece as its bytes arrive (`unsized-piece`
   * records, then `unsized-end`) instead of whole, for streamed transfer (default false).
   */
  streamUnsized?: boolean;
}

const S = {
  /** client: UpgradeResponse, PreambleAck or Fault expected. */
  AwaitAck: 0,
  /** client: an UpgradeResponse was decoded; waiting for resumeAfterUpgrade(). */
  UpgradePending: 1,
  /** duplex/simplex: SizedEnvelope or End (client also Fault). singleton client: Unsized, End, Fault. */
  RecordStart: 2,
  /** server singleton: the UnsizedEnvelope record must come first. */
  UnsizedStart: 3,
  SizedSize: 4,
  SizedBytes: 5,
  ChunkSize: 6,
  ChunkBytes: 7,
  /** singleton: End must follow the unsized envelope. */
  EndExpected: 8,
  /** streamUnsized: inside a data chunk, its bytes delivered as they arrive. */
  ChunkStream: 14,
  FaultSize: 9,
  FaultBytes: 10,
  /** client: a Fault was decoded; only End may follow. */
  AfterFault: 11,
  /** mode 4: every byte is message data. */
  Octets: 12,
  Ended: 13,
} as const;
type State = (typeof S)[keyof typeof S];

const RESUMABLE_AT_EOF: ReadonlySet<State> = new Set<State>([
  S.RecordStart,
  S.UnsizedStart,
  S.EndExpected,
  S.AfterFault,
  S.Octets,
  S.Ended,
  S.UpgradePending,
]);

/** States that end a decode() call when entered: End, an UpgradeResponse, a Fault (module notes). */
const halts = (state: State): boolean => state === S.Ended || state === S.UpgradePending || state === S.AfterFault;

/** One decode() call's input, and how a record found in it is delivered (`at`: bytes of it consumed). */
interface Input {
  readonly buf: Buffer;
  readonly base: number;
  deliver(record: FramingRecord, at: number): void;
}

const END_RECORD: FramingRecord = Object.freeze({ type: 'end' });
const ACK_RECORD: FramingRecord = Object.freeze({ type: 'preamble-ack' });
const UPGRADE_RESPONSE_RECORD: FramingRecord = Object.freeze({ type: 'upgrade-response' });
const UNSIZED_END_RECORD: FramingRecord = Object.freeze({ type: 'unsized-end' });

/**
 * Sans-I/O decoder for the records after the preamble. Accepts any chunking. Throws
 * {@link FramingError} on bad input; after a throw it keeps throwing the same error until
 * {@link reset}.
 */
export class RecordDecoder {
  readonly #role: 'server' | 'client';
  readonly #mode: Mode;
  readonly #maxMessageSize: number;
  readonly #maxFaultBytes: number;
  readonly #streamUnsized: boolean;
  readonly #size = new SizeDecoder();
  readonly #bytes: ByteAccumulator;

  #state: State;
  #consumed = 0;
  #failure: FramingError | undefined;
  /** Data chunks of the unsized envelope being read, and their total size. */
  #chunks: Buffer[] = [];
  #chunksTotal = 0;
  /** streamUnsized: bytes of the envelope delivered so far, and those left in the current chunk. */
  #streamedTotal = 0;
  #chunkLeft = 0;
  /** Octets delivered so far in mode 4. */
  #octets = 0;

  constructor(options: RecordDecoderOptions) {
    const role = options.role;
    if (role !== 'server' && role !== 'client') {
      throw new FramingError(
        FramingErrorCodes.INVALID_ARGUMENT,
        `Option role must be 'server' or 'client', got ${String(role)}.`,
      );
    }
    const mode = options.mode ?? Mode.Duplex;
    if (!Number.isInteger(mode) || mode < Mode.SingletonUnsized || mode > Mode.SingletonSized) {
      throw new FramingError(FramingErrorCodes.INVALID_ARGUMENT, `Option mode must be 1..4, got ${String(mode)}.`);
    }
    if (role === 'client' && (mode === Mode.Simplex || mode === Mode.SingletonSized)) {
      // [MC-NMF] 2.2: only modes 1 and 2 have a server-to-client stream.
      throw new FramingError(
        FramingErrorCodes.INVALID_ARGUMENT,
        `Mode ${mode} has no server-to-client stream, so there is nothing for a client-role decoder to read. Use mode 1 or 2.`,
      );
    }
    this.#role = role;
    this.#mode = mode;
    this.#maxMessageSize = limitOption('maxMessageSize', options.maxMessageSize, DEFAULT_MAX_MESSAGE_SIZE);
    this.#maxFaultBytes = limitOption('maxFaultBytes', options.maxFaultBytes, FramingLimits.maxFaultBytes);
    this.#bytes = new ByteAccumulator(this.#maxFaultBytes);
    this.#streamUnsized = options.streamUnsized === true;
    this.#state = this.#initialState();
  }

  /** Total bytes consumed since construction or the last {@link reset}. */
  get consumed(): number {
    return this.#consumed;
  }

  /**
   * Bytes the decoder holds for records not yet delivered: a partly received envelope or fault,
   * and the finished chunks of an unsized envelope. Never above `maxMessageSize` (or
   * `maxFaultBytes` for a fault).
   */
  get bufferedBytes(): number {
    return this.#bytes.capacity + this.#chunksTotal;
  }

  /** True after the End record (and, for a client, after a Fault followed by End). */
  get ended(): boolean {
    return this.#state === S.Ended;
  }

  /** True after an UpgradeResponse, until {@link resumeAfterUpgrade}. */
  get upgradePending(): boolean {
    return this.#state === S.UpgradePending;
  }

  /** True after a Fault record (client role); the server closes the connection next. */
  get faulted(): boolean {
    return this.#state === S.AfterFault;
  }

  /**
   * Feeds bytes and calls `onRecord` for each completed record. Returns how many bytes were
   * consumed: fewer than `chunk.length` when the decoder stopped after End, an UpgradeResponse or a
   * Fault, so the rest belongs to the next layer. Feeding bytes after End throws `NMF_ERR_AT_END`;
   * while an upgrade is pending it returns 0.
   */
  decode(chunk: Uint8Array, onRecord: (record: FramingRecord) => void): number {
    if (this.#failure !== undefined) throw this.#failure;
    try {
      return this.#decode(asBuffer(chunk), onRecord);
    } catch (error) {
      if (error instanceof FramingError) {
        this.#failure = error;
        this.#release();
      }
      throw error;
    }
  }

  /**
   * Continues after an UpgradeResponse once the upgrade is done; the next records (another
   * UpgradeResponse, PreambleAck or Fault) arrive inside the upgraded stream ([MC-NMF] 2.2.3.6).
   */
  resumeAfterUpgrade(): void {
    if (this.#state !== S.UpgradePending) {
      throw new FramingError(
        FramingErrorCodes.INVALID_ARGUMENT,
        'resumeAfterUpgrade() is only valid right after an upgrade-response record. Check decoder.upgradePending first.',
      );
    }
    this.#state = S.AwaitAck;
  }

  /**
   * Tells the decoder the stream has ended. Throws `NMF_ERR_PREMATURE_EOF` when it ended inside a
   * record, or (client) before the server answered the preamble. An EOF between records is
   * accepted: Mono, for one, closes without sending End.
   */
  end(): void {
    if (this.#failure !== undefined) throw this.#failure;
    if (RESUMABLE_AT_EOF.has(this.#state) && !this.#size.partial) return;
    throw prematureEof(
      this.#consumed,
      this.#state === S.AwaitAck ? 'before the server answered the preamble' : 'inside a record',
    );
  }

  /** Ready for a new stream (after End, for a connection that is reused with a new preamble). */
  reset(): void {
    this.#state = this.#initialState();
    this.#consumed = 0;
    this.#failure = undefined;
    this.#octets = 0;
    this.#release();
  }

  #initialState(): State {
    if (this.#role === 'client') return S.AwaitAck;
    if (this.#mode === Mode.SingletonUnsized) return S.UnsizedStart;
    if (this.#mode === Mode.SingletonSized) return S.Octets;
    return S.RecordStart;
  }

  #release(): void {
    this.#size.reset();
    this.#bytes.clear();
    this.#chunks = [];
    this.#chunksTotal = 0;
    this.#streamedTotal = 0;
    this.#chunkLeft = 0;
  }

  #decode(buf: Buffer, onRecord: (record: FramingRecord) => void): number {
    const base = this.#consumed;
    if (this.#state === S.Ended && buf.length > 0) throw atEnd(base);
    // #consumed is kept current before every callback, so a callback that inspects the decoder
    // sees the right count.
    const input: Input = {
      buf,
      base,
      deliver: (record, at) => {
        this.#consumed = base + at;
        onRecord(record);
      },
    };
    let i = 0;
    while (i < buf.length && this.#state !== S.UpgradePending) {
      const before = this.#state;
      i = this.#step(input, i);
      // Stop after End, an UpgradeResponse or a Fault: what follows is the next layer's (module notes).
      if (this.#state !== before && halts(this.#state)) break;
    }
    this.#consumed = base + i;
    return i;
  }

  /** Decodes from `i` in the current state; returns where it stopped. */
  #step(input: Input, i: number): number {
    switch (this.#state) {
      case S.AwaitAck:
        return this.#awaitAck(input, i);
      case S.RecordStart:
        return this.#recordStart(input, i);
      case S.UnsizedStart:
        // ServerSingletonDecoder: the first record after PreambleEnd must be 0x05.
        return this.#expect(input, i, RecordType.UnsizedEnvelope, S.ChunkSize);
      case S.SizedSize:
        return this.#sizedSize(input, i);
      case S.SizedBytes:
        return this.#fill(input, i, (payload, at) => this.#to(S.RecordStart, input, { type: 'sized-envelope', payload }, at));
      case S.ChunkSize:
        return this.#chunkSize(input, i);
      case S.ChunkBytes:
        return this.#fill(input, i, (chunk) => {
          this.#addChunk(chunk);
          this.#state = S.ChunkSize;
        });
      case S.ChunkStream:
        return this.#chunkStream(input, i);
      case S.EndExpected:
        // SingletonMessageDecoder EnvelopeEnd: only End may follow the envelope.
        return this.#expect(input, i, RecordType.End, S.Ended, END_RECORD);
      case S.FaultSize:
        return this.#faultSize(input, i);
      case S.FaultBytes:
        // After a fault the server sends at most End and closes (ClientDuplexDecoder Fault ->
        // ReadingEndRecord); the decoder stops so the caller can act on the fault.
        return this.#fill(input, i, (bytes, at) => this.#to(S.AfterFault, input, { type: 'fault', uri: bytes.toString('utf8') }, at));
      case S.AfterFault:
        return this.#expect(input, i, RecordType.End, S.Ended, END_RECORD);
      case S.Octets:
        return this.#octetsStep(input, i);
      case S.Ended:
        throw atEnd(input.base + i);
      default:
        // UpgradePending: the upgrade's bytes are not ours.
        return i;
    }
  }

  /**
   * Moves to `state`; with a record, delivers it, `at` bytes of the input consumed (the state is
   * set first: a callback may look).
   */
  #to(state: State, input: Input, record?: FramingRecord, at = 0): void {
    this.#state = state;
    if (record !== undefined) input.deliver(record, at);
  }

  /** One record-type byte that must be `type`; then `next`, delivering `record` if given. */
  #expect(input: Input, i: number, type: RecordType, next: State, record?: FramingRecord): number {
    const byte = input.buf[i]!;
    if (byte !== type) throw recordTypeMismatch(type, byte, input.base + i);
    this.#to(next, input, record, i + 1);
    return i + 1;
  }

  /**
   * ClientDuplexDecoder/ClientSingletonDecoder: UpgradeResponse*, then Fault or PreambleAck; any
   * other byte means the server does not speak .NET Framing.
   */
  #awaitAck(input: Input, i: number): number {
    const byte = input.buf[i]!;
    if (byte === RecordType.UpgradeResponse) this.#to(S.UpgradePending, input, UPGRADE_RESPONSE_RECORD, i + 1);
    else if (byte === RecordType.PreambleAck) this.#to(S.RecordStart, input, ACK_RECORD, i + 1);
    else if (byte === RecordType.Fault) this.#state = S.FaultSize;
    else throw notFraming(byte, input.base + i);
    return i + 1;
  }

  /** Between messages: End, or the next message's record (which one depends on role and mode). */
  #recordStart(input: Input, i: number): number {
    const byte = input.buf[i]!;
    if (byte === RecordType.End) this.#to(S.Ended, input, END_RECORD, i + 1);
    else if (this.#role === 'client' && byte === RecordType.Fault) this.#state = S.FaultSize;
    // Client side of a singleton: an optional unsized reply (ClientSingletonDecoder).
    else if (this.#mode === Mode.SingletonUnsized) return this.#expect(input, i, RecordType.UnsizedEnvelope, S.ChunkSize);
    // [MC-NMF] 2.2 / ServerSessionDecoder: after PreambleEnd in duplex mode only 0x06 and 0x07 are valid.
    else return this.#expect(input, i, RecordType.SizedEnvelope, S.SizedSize);
    return i + 1;
  }

  /** One byte of a SizedEnvelope's size; once whole, the message or the state to gather it in. */
  #sizedSize(input: Input, i: number): number {
    const { buf, base } = input;
    if (!this.#size.push(buf[i]!, base + i)) return i + 1;
    const at = i + 1;
    const size = this.#size.value;
    // Checked before a byte of the message is kept; a server answers with
    // MaxMessageSizeExceededFault (SessionConnectionReader.cs).
    if (size > this.#maxMessageSize) throw messageTooLarge(size, this.#maxMessageSize, base + i, this.#serverFault());
    if (buf.length - at >= size) {
      // Fast path: the whole message is in this chunk; hand out a view.
      this.#to(S.RecordStart, input, { type: 'sized-envelope', payload: buf.subarray(at, at + size) }, at + size);
      return at + size;
    }
    this.#bytes.expect(size);
    this.#state = S.SizedBytes;
    return at;
  }

  /** One byte of an UnsizedEnvelope data chunk's size; zero ends the envelope. */
  #chunkSize(input: Input, i: number): number {
    const { buf, base } = input;
    if (!this.#size.push(buf[i]!, base + i)) return i + 1;
    const at = i + 1;
    const size = this.#size.value;
    if (this.#streamUnsized) {
      const next = this.#startStreamedChunk(size, base + i);
      this.#to(next, input, next === S.EndExpected ? UNSIZED_END_RECORD : undefined, at);
      return at;
    }
    if (size === 0) {
      // A zero-size chunk ends the unsized envelope (SingletonMessageDecoder); End follows.
      const chunks = this.#chunks;
      this.#chunks = [];
      this.#chunksTotal = 0;
      this.#to(S.EndExpected, input, { type: 'unsized-envelope', chunks }, at);
      return at;
    }
    // The running total is bounded like a sized envelope, before the chunk is kept.
    if (size > this.#maxMessageSize - this.#chunksTotal) {
      throw messageTooLarge(this.#chunksTotal + size, this.#maxMessageSize, base + i, this.#serverFault());
    }
    if (buf.length - at >= size) {
      this.#addChunk(buf.subarray(at, at + size));
      return at + size;
    }
    this.#bytes.expect(size);
    this.#state = S.ChunkBytes;
    return at;
  }

  /** streamUnsized: the bytes of a data chunk, delivered as they arrive. */
  #chunkStream(input: Input, i: number): number {
    const take = Math.min(this.#chunkLeft, input.buf.length - i);
    this.#chunkLeft -= take;
    if (this.#chunkLeft === 0) this.#state = S.ChunkSize;
    input.deliver({ type: 'unsized-piece', payload: input.buf.subarray(i, i + take) }, i + take);
    return i + take;
  }

  /** One byte of a Fault's size: [MC-NMF] 2.2.5, never 0; FaultStringDecoder's quota, 256 bytes. */
  #faultSize(input: Input, i: number): number {
    const { buf, base } = input;
    if (!this.#size.push(buf[i]!, base + i)) return i + 1;
    const size = this.#size.value;
    if (size === 0) throw zeroSizeFault(base + i);
    if (size > this.#maxFaultBytes) throw faultTooLong(size, this.#maxFaultBytes, base + i);
    this.#bytes.expect(size);
    this.#state = S.FaultBytes;
    return i + 1;
  }

  /** Mode 4 ([MC-NMF] 2.2: singleton-sized-stream-a ends in raw octets up to EOF). */
  #octetsStep(input: Input, i: number): number {
    const take = input.buf.length - i;
    if (take > this.#maxMessageSize - this.#octets) {
      throw messageTooLarge(this.#octets + take, this.#maxMessageSize, input.base + i, this.#serverFault());
    }
    this.#octets += take;
    input.deliver({ type: 'octets', payload: input.buf.subarray(i, i + take) }, i + take);
    return i + take;
  }

  /**
   * Gathers the bytes #bytes expects (a sized envelope, a data chunk or a fault that straddles
   * input chunks); once complete, `done` gets them and where they end in the input.
   */
  #fill(input: Input, i: number, done: (bytes: Buffer, at: number) => void): number {
    const take = Math.min(this.#bytes.missing, input.buf.length - i);
    this.#bytes.append(input.buf, i, i + take);
    const at = i + take;
    if (this.#bytes.missing === 0) done(this.#bytes.take(), at);
    return at;
  }

  /**
   * streamUnsized: a data chunk's size was read. Zero ends the envelope; otherwise the running
   * total is checked before any byte of the chunk is delivered.
   */
  #startStreamedChunk(size: number, at: number): State {
    if (size === 0) {
      this.#streamedTotal = 0;
      return S.EndExpected;
    }
    if (size > this.#maxMessageSize - this.#streamedTotal) {
      throw messageTooLarge(this.#streamedTotal + size, this.#maxMessageSize, at, this.#serverFault());
    }
    this.#streamedTotal += size;
    this.#chunkLeft = size;
    return S.ChunkStream;
  }

  #addChunk(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#chunksTotal += chunk.length;
  }

  /** The fault a server sends for an oversized message; clients just fail. */
  #serverFault(): string | undefined {
    return this.#role === 'server' ? FaultUri.MaxMessageSizeExceeded : undefined;
  }
}
