/**
 * Messages with a `stream` part (WCF's Stream parameter or result) on a streamed channel: the
 * part's bytes are read and written as they move, never held whole.
 *
 * On the wire such a message is an ordinary wrapped body whose part holds the bytes as [MC-NBFX]
 * Bytes records (WCF's StreamFormatter writes the wrapper and part elements, then the stream with
 * XmlDictionaryWriter.WriteValue(IStreamProvider); Mono writes the same shape, 255 bytes per
 * record): `<UploadStream xmlns="ns"><stream>Bytes…</stream></UploadStream>`. So:
 *
 * - reading, {@link StreamedMessageReader} decodes the message up to the part's first Bytes record
 *   (`readNbfxHead`, bounded by maxBufferSize as WCF bounds a streamed message's headers), and from
 *   there {@link StreamContent} turns the rest of the records into the part's bytes as they arrive;
 * - writing, the envelope is encoded once with a marker as the part's content, and the stream's
 *   bytes go where the marker's record was ({@link splitAroundMarker}, {@link streamedPieces}).
 *
 * This is binary XML only (msbin1, the streamed NetTcpBinding's encoding); with the text
 * encoding, or on a buffered channel, a stream is read whole into the message instead
 * ({@link readAll}), as WCF's buffered transfer does.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { OperationDescription } from './contract.js';
import { type IncomingEnvelope, parseEnvelope } from './envelope.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import { type NbfxHead, nbfxReachesBody, readNbfxHead } from './nbfx-reader.js';
import type { ReaderQuotas } from './quotas.js';
import { Rec } from './records.js';
import type { XmlElement, XmlNode } from './xml-node.js';

/** True when the operation's request is a stream (its only parameter). */
export function hasStreamRequest(op: OperationDescription): boolean {
  return op.params.length === 1 && op.params[0]?.type === 'stream';
}

/** True when the operation's reply is a stream. */
export function hasStreamReply(op: OperationDescription): boolean {
  return op.returns === 'stream';
}

/**
 * Reads a stream value whole, for a message that carries it buffered: a Readable or any async
 * iterable of bytes (or strings, as UTF-8), or bytes.
 */
export async function readAll(source: unknown, where: string): Promise<Buffer> {
  if (source instanceof Uint8Array) return Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  if (!isAsyncIterable(source)) {
    throw new SoapError(SoapErrorCodes.INVALID_VALUE, `'${where}' is a stream: give a Readable (Readable.from([bytes]) for bytes in memory), got ${describe(source)}.`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(asBuffer(chunk, where));
  return Buffer.concat(chunks);
}

// ---- writing ------------------------------------------------------------------------------------

/** A value that no stream would start with by chance, put in the part to find where its bytes go. */
export function newMarker(): Buffer {
  return randomBytes(16);
}

/**
 * Splits an encoded message around the Bytes record of `marker` (the part's only content): the
 * bytes before it, and those after it. Where the writer folded the part's EndElement into that
 * record (Bytes8TextWithEndElement), the suffix starts with an explicit EndElement instead.
 */
export function splitAroundMarker(encoded: Buffer, marker: Buffer): { prefix: Buffer; suffix: Buffer } {
  const at = encoded.indexOf(marker);
  const type = at >= 2 ? encoded[at - 2] : undefined;
  if (at < 2 || encoded[at - 1] !== marker.length || (type !== Rec.Bytes8Text && type !== Rec.Bytes8Text + 1)) {
    throw new SoapError(SoapErrorCodes.INVALID_VALUE, 'The stream part could not be placed in the encoded message; this is a bug in the message layer.');
  }
  const after = encoded.subarray(at + marker.length);
  return {
    prefix: encoded.subarray(0, at - 2),
    suffix: type === Rec.Bytes8Text ? after : Buffer.concat([Buffer.from([Rec.EndElement]), after]),
  };
}

// Bytes32Text carries an int32 length; a larger piece is split (a multiple of 3, see streamedPieces).
const MAX_RECORD = 0x3fff_ffff;
// Pieces up to this size are copied behind their record header (one data chunk); larger ones go as
// two chunks, header and bytes, without copying.
const COPY_LIMIT = 16 * 1024;

/** The header of one Bytes text record of `n` bytes ([MC-NBFX] 2.2.3.16–18). */
function bytesRecordHeader(n: number): Buffer {
  if (n < 0x100) return Buffer.from([Rec.Bytes8Text, n]);
  if (n < 0x10000) {
    const h = Buffer.allocUnsafe(3);
    h[0] = Rec.Bytes16Text;
    h.writeUInt16LE(n, 1);
    return h;
  }
  const h = Buffer.allocUnsafe(5);
  h[0] = Rec.Bytes32Text;
  h.writeInt32LE(n, 1);
  return h;
}

/** One Bytes record of `piece`, as one piece or (large) as header and bytes. */
function* bytesRecord(piece: Buffer): Generator<Buffer> {
  const header = bytesRecordHeader(piece.length);
  if (piece.length <= COPY_LIMIT) {
    yield Buffer.concat([header, piece]);
  } else {
    yield header;
    yield piece;
  }
}

/**
 * The message as pieces: the prefix, the bytes of `source` as Bytes records, the suffix. Every
 * record but the last holds a multiple of 3 bytes, as XmlBaseWriter.WriteBase64 writes them: a
 * reader that turns each record into base64 text and joins the texts (Mono's does, for a Stream
 * part) would otherwise find padding in the middle.
 */
export async function* streamedPieces(prefix: Buffer, source: unknown, suffix: Buffer, where: string): AsyncGenerator<Buffer> {
  if (!isAsyncIterable(source) && !(source instanceof Uint8Array)) {
    throw new SoapError(SoapErrorCodes.INVALID_VALUE, `'${where}' is a stream: give a Readable (Readable.from([bytes]) for bytes in memory), got ${describe(source)}.`);
  }
  yield prefix;
  const pieces: AsyncIterable<unknown> = source instanceof Uint8Array ? Readable.from([source]) : source;
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of pieces) {
    let bytes = asBuffer(chunk, where);
    if (carry.length > 0) {
      // Complete the group the last piece left open with the first bytes of this one.
      const need = 3 - carry.length;
      if (bytes.length < need) {
        carry = Buffer.concat([carry, bytes]);
        continue;
      }
      yield* bytesRecord(Buffer.concat([carry, bytes.subarray(0, need)]));
      bytes = bytes.subarray(need);
    }
    const whole = bytes.length - (bytes.length % 3);
    for (let at = 0; at < whole; at += MAX_RECORD) yield* bytesRecord(bytes.subarray(at, Math.min(whole, at + MAX_RECORD)));
    carry = bytes.subarray(whole);
  }
  if (carry.length > 0) yield* bytesRecord(carry);
  yield suffix;
}

// ---- reading ------------------------------------------------------------------------------------

/** New bytes between two attempts to decode a streamed message's head. */
const HEAD_RETRY_BYTES = 4096;

/** What {@link StreamedMessageReader.readHead} found. */
export interface StreamedHead {
  /** The envelope: its headers whole; its body up to the streamed part, when there is one. */
  readonly env: IncomingEnvelope;
  /** The element whose content is streamed (the part), or undefined when the message was read whole. */
  readonly streamedPart: XmlElement | undefined;
  /** The body wrapper around the streamed part. */
  readonly wrapper: XmlElement | undefined;
}

/** Options of a {@link StreamedMessageReader}. */
export interface StreamedMessageReaderOptions {
  readonly quotas: ReaderQuotas;
  /** Decodes a whole message (the session's encoder). */
  readonly decode: (payload: Buffer) => XmlNode[];
  /** True for binary XML, whose streamed parts can be read as they arrive; otherwise every message is read whole. */
  readonly binary: boolean;
}

/**
 * The one message of a streamed channel, read from the channel's pieces: the head, then either
 * the streamed part's bytes as a Readable ({@link body}) or the rest whole ({@link readWhole}).
 */
export class StreamedMessageReader {
  readonly #pieces: AsyncIterator<Buffer>;
  readonly #options: StreamedMessageReaderOptions;
  #chunks: Buffer[] = [];
  #size = 0;
  #ended = false;
  #head: NbfxHead | undefined;
  #joined: Buffer | undefined;
  #body: Readable | undefined;
  #pump: (() => Promise<void>) | undefined;
  #failure: unknown;
  /** The size at the last head attempt that found no head (see readHead). */
  #triedAt = -1;
  /** The headers were found to fit in maxBufferSize (#checkHeadersFit). */
  #bodyChecked = false;
  #done: Promise<void> = Promise.resolve();

  constructor(pieces: AsyncIterator<Buffer>, options: StreamedMessageReaderOptions) {
    this.#pieces = pieces;
    this.#options = options;
  }

  /**
   * Reads until the streamed part's first bytes, or to the end of a message without one. Resolves
   * null when the channel carried no message.
   */
  async readHead(): Promise<StreamedHead | null> {
    const { quotas, binary } = this.#options;
    const limit = quotas.maxBufferSize;
    for (;;) {
      // The head is decoded again from its start on each attempt: attempt at the first bytes, then
      // once per HEAD_RETRY_BYTES more (and once at the limit), so a head sent a byte at a time
      // costs a bounded number of attempts, not one per byte.
      const due = this.#triedAt < 0 || this.#size - this.#triedAt >= HEAD_RETRY_BYTES || (this.#size >= limit && this.#triedAt < limit);
      if (!this.#ended && binary && this.#triedAt < limit && due) {
        this.#triedAt = this.#size;
        const head = this.#tryHead();
        if (head !== undefined) {
          this.#head = head;
          const env = parseEnvelope(head.nodes);
          const path = env.bodyElement.children.filter((n): n is XmlElement => n.kind === 'element');
          const wrapper = head.depth === 4 ? path[0] : undefined;
          return { env, streamedPart: head.depth === 4 ? head.element : undefined, wrapper };
        }
      }
      if (binary && !this.#ended && this.#size >= limit && !this.#bodyChecked) this.#checkHeadersFit(limit);
      if (this.#ended) {
        if (this.#size === 0) return null;
        return { env: parseEnvelope(this.#options.decode(this.#bytes())), streamedPart: undefined, wrapper: undefined };
      }
      await this.#more();
    }
  }

  /** The whole message (after readHead found a streamed part the receiver does not stream). */
  async readWhole(): Promise<IncomingEnvelope> {
    while (!this.#ended) await this.#more();
    return parseEnvelope(this.#options.decode(this.#bytes()));
  }

  /**
   * The streamed part's bytes, as they arrive. The Readable pauses the channel when nobody reads
   * it (backpressure); a malformed rest of the message destroys it with a SoapError.
   */
  body(): Readable {
    const head = this.#head;
    if (head === undefined) throw new Error('body() needs a streamed head');
    if (this.#body !== undefined) return this.#body;
    const content = new StreamContent(head.depth);
    let pending: Buffer | undefined = this.#bytes().subarray(head.offset);
    this.#chunks = [];
    this.#size = 0;
    this.#joined = undefined;
    let pumping = false;
    let finished!: () => void;
    this.#done = new Promise<void>((resolve) => {
      finished = resolve;
    });
    // The pump alone reads the channel for this message, so the content stays contiguous: once
    // nobody reads the part (the Readable destroyed), it goes on reading and checking the rest
    // without pushing it, until the message ends (finish() restarts it if it was waiting).
    let ended = false;
    const pump = async (): Promise<void> => {
      if (pumping || ended) return;
      pumping = true;
      try {
        for (;;) {
          let input = pending;
          pending = undefined;
          if (input === undefined) {
            const next = await this.#pieces.next();
            if (next.done === true) {
              ended = true;
              content.finish();
              if (!body.destroyed) body.push(null);
              finished();
              return;
            }
            input = next.value;
          }
          let room = true;
          content.feed(input, (bytes) => {
            if (!body.destroyed && !body.push(bytes)) room = false;
          });
          if (!room && !body.destroyed) return;
        }
      } catch (error) {
        ended = true;
        this.#failure = error;
        if (!body.destroyed) body.destroy(error as Error);
        finished();
      } finally {
        pumping = false;
      }
    };
    this.#pump = pump;
    const body = new Readable({
      highWaterMark: 64 * 1024,
      read: () => void pump(),
    });
    this.#body = body;
    return body;
  }

  /**
   * Waits until the streamed part has been read to its end or abandoned (destroyed), without
   * reading it; then takes whatever is left of the message off the channel.
   */
  async settled(): Promise<void> {
    const body = this.#body;
    if (body !== undefined && !body.readableEnded && !body.destroyed) {
      await new Promise<void>((resolve) => {
        body.once('end', resolve);
        body.once('close', resolve);
      });
    }
    await this.finish();
  }

  /** Why reading the streamed part failed (a malformed message, the channel failing), if it did. */
  get failure(): unknown {
    return this.#failure;
  }

  /**
   * Reads whatever is left of the message (the streamed part the receiver did not read, or did
   * not finish), so that the channel can go on to its End. Resolves when the message has ended.
   */
  async finish(): Promise<void> {
    const body = this.#body;
    if (body === undefined) {
      // Nothing reads this message: take the rest off the channel without keeping it.
      this.#chunks = [];
      this.#size = 0;
      this.#joined = undefined;
      while (!this.#ended) {
        const next = await this.#pieces.next();
        if (next.done === true) this.#ended = true;
      }
      return;
    }
    if (!body.destroyed && !body.readableEnded) body.resume();
    // A destroyed part is read to its end by the pump, which may be waiting for a read() that
    // will not come: start it again.
    void this.#pump?.();
    await this.#done;
  }

  /**
   * A message without a streamed part within maxBufferSize is read whole (an operation without a
   * stream, bounded by maxReceivedMessageSize as WCF's is), but only when its headers fit:
   * WCF buffers a streamed message's headers, and no more than MaxBufferSize of them
   * (BufferedMessageData over the transport's MaxBufferSize, QuotaExceededException "The size
   * necessary to buffer the XML content exceeded the buffer quota."). Otherwise a peer could make
   * the receiver hold maxReceivedMessageSize of headers.
   */
  #checkHeadersFit(limit: number): void {
    this.#bodyChecked = true;
    if (nbfxReachesBody(this.#bytes().subarray(0, limit), { quotas: this.#options.quotas })) return;
    throw new SoapError(
      SoapErrorCodes.BUFFER_QUOTA_EXCEEDED,
      `The size necessary to buffer the XML content exceeded the buffer quota. (The message's headers are larger than maxBufferSize, ${limit} bytes, on a streamed channel; raise maxBufferSize if the peer is trusted.)`,
    );
  }

  #tryHead(): NbfxHead | undefined {
    try {
      return readNbfxHead(this.#bytes(), { quotas: this.#options.quotas });
    } catch {
      // Most likely a record cut by the end of what has arrived: wait for more. A message that is
      // really malformed fails when it is decoded whole.
      return undefined;
    }
  }

  async #more(): Promise<void> {
    const next = await this.#pieces.next();
    if (next.done === true) {
      this.#ended = true;
      return;
    }
    this.#chunks.push(next.value);
    this.#size += next.value.length;
    this.#joined = undefined;
  }

  #bytes(): Buffer {
    if (this.#joined === undefined) {
      this.#joined = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks);
      this.#chunks = [this.#joined];
    }
    return this.#joined;
  }
}

const State = { Record: 0, Length: 1, Bytes: 2, Closing: 3, Done: 4 } as const;
type State = (typeof State)[keyof typeof State];

/**
 * Sans-I/O reader of a streamed part's content from its first Bytes record to the end of the
 * message: Bytes8/16/32Text records (each maybe WithEndElement), EmptyText, the part's EndElement,
 * then one EndElement per element still open (wrapper, Body, Envelope). Anything else is a
 * malformed message.
 */
export class StreamContent {
  #state: State = State.Record;
  #depth: number;
  #lengthBytes = 0;
  #lengthRead = 0;
  #length = 0;
  #left = 0;
  #withEnd = false;
  #offset = 0;

  /** `depth`: the elements open at the first record (the part included). */
  constructor(depth: number) {
    this.#depth = depth;
  }

  /** Reads `input`, calling `push` with each run of the part's bytes (views of `input`). */
  feed(input: Buffer, push: (bytes: Buffer) => void): void {
    let i = 0;
    while (i < input.length) {
      switch (this.#state) {
        case State.Record: {
          const type = input[i++] as number;
          this.#offset++;
          if (type >= Rec.Bytes8Text && type <= Rec.Bytes32Text + 1) {
            const even = type & ~1;
            this.#lengthBytes = even === Rec.Bytes8Text ? 1 : even === Rec.Bytes16Text ? 2 : 4;
            this.#lengthRead = 0;
            this.#length = 0;
            this.#withEnd = (type & 1) === 1;
            this.#state = State.Length;
          } else if (type === Rec.EmptyText) {
            // nothing to deliver
          } else if (type === Rec.EmptyText + 1 || type === Rec.EndElement) {
            this.#closePart();
          } else {
            throw malformed(`record 0x${type.toString(16)} inside a streamed part, where only bytes may be`, this.#offset - 1);
          }
          break;
        }
        case State.Length: {
          this.#length += (input[i++] as number) * 2 ** (8 * this.#lengthRead);
          this.#offset++;
          this.#lengthRead++;
          if (this.#lengthRead === this.#lengthBytes) {
            if (this.#lengthBytes === 4 && this.#length > 0x7fff_ffff) throw malformed('a Bytes32 record with a negative length', this.#offset - 4);
            this.#left = this.#length;
            if (this.#left === 0) this.#afterRecord();
            else this.#state = State.Bytes;
          }
          break;
        }
        case State.Bytes: {
          const take = Math.min(this.#left, input.length - i);
          push(input.subarray(i, i + take));
          i += take;
          this.#offset += take;
          this.#left -= take;
          if (this.#left === 0) this.#afterRecord();
          break;
        }
        case State.Closing: {
          const type = input[i++] as number;
          this.#offset++;
          if (type !== Rec.EndElement) throw malformed(`record 0x${type.toString(16)} after a streamed part, where only the ends of its enclosing elements may be`, this.#offset - 1);
          this.#depth--;
          if (this.#depth === 0) this.#state = State.Done;
          break;
        }
        case State.Done:
          throw malformed('bytes after the end of the envelope', this.#offset);
      }
    }
  }

  /** The message ended: throws unless its envelope was complete. */
  finish(): void {
    if (this.#state !== State.Done) throw malformed('the end of the message inside a streamed part or its enclosing elements', this.#offset);
  }

  #afterRecord(): void {
    if (this.#withEnd) this.#closePart();
    else this.#state = State.Record;
  }

  #closePart(): void {
    this.#depth--;
    this.#state = this.#depth === 0 ? State.Done : State.Closing;
  }
}

function malformed(what: string, offset: number): SoapError {
  return new SoapError(SoapErrorCodes.MALFORMED, `The streamed message has ${what} (at byte ${offset} of the part's content). The sender broke the binary XML format.`);
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

function asBuffer(chunk: unknown, where: string): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  throw new SoapError(SoapErrorCodes.INVALID_VALUE, `The stream given as '${where}' produced ${describe(chunk)}; a stream must produce bytes (Buffer or Uint8Array).`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return typeof v;
}
