/**
 * Sans-I/O decoder for the client's preamble, as a server reads it:
 * Version, Mode, Via, Encoding, then UpgradeRequest* and PreambleEnd for modes 1 and 2.
 *
 * It never touches a socket: feed it chunks with {@link PreambleDecoder.decode}, which returns how
 * many bytes it took. It stops at the end of the preamble (or at an UpgradeRequest), so the bytes it
 * did not take belong to whatever comes next (envelopes, or the upgrade's handshake).
 *
 * Memory: the only buffer is a small growable one for a via, content type or upgrade name that
 * straddles chunks, and every size is checked against its limit as soon as it is known, before any
 * of its bytes are kept.
 *
 * The checks follow WCF's `ServerModeDecoder`, `ServerSessionDecoder`, `ServerSingletonDecoder` and
 * `ServerSingletonSizedDecoder` (FramingDecoders.cs) and [MC-NMF] 2.2.3.
 *
 * @module
 */

import { ByteAccumulator } from './accumulator.js';
import { asBuffer } from './bytes.js';
import {
  contentTypeTooLong,
  prematureEof,
  recordTypeMismatch,
  unsupportedMode,
  unsupportedVersion,
  upgradeTooLong,
  viaTooLong,
} from './decode-errors.js';
import { FramingError, FramingErrorCodes } from './errors.js';
import { limitOption } from './options.js';
import { FramingLimits, knownEncodingContentType, Mode, RecordType } from './records.js';
import { SizeDecoder } from './size.js';
import { type ParsedVia, parseViaAt, viaNotUtf8 } from './via.js';

/**
 * The via's bytes are decoded strictly: invalid UTF-8 is an error, not U+FFFD, and a leading byte
 * order mark is kept (so the URI check refuses it) rather than dropped (WHATWG Encoding Standard,
 * TextDecoder `fatal` and `ignoreBOM`). A lenient decoding would route `/app/admin/<FF>` as
 * `/app/admin/%EF%BF%BD`, under a registration the bytes never named.
 */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * What the decoder reads next. `'upgrade-requested'`: an UpgradeRequest was decoded and the decoder
 * stopped, because the upgrade's own bytes follow (call `resumeAfterUpgrade()` to read the records
 * that come after the upgrade). `'complete'`: the preamble is over (PreambleEnd consumed; for modes
 * 3 and 4, which have none, right after the encoding).
 */
export type PreambleStage =
  | 'version'
  | 'mode'
  | 'via'
  | 'encoding'
  | 'upgrade-or-end'
  | 'upgrade-requested'
  | 'complete';

/** Limits of a {@link PreambleDecoder}; each defaults to WCF's value in `FramingLimits`. */
export interface PreambleDecoderOptions {
  /** Largest via in UTF-8 bytes (default 2048, WCF's MaxViaSize). */
  maxViaBytes?: number;
  /** Largest ExtensibleEncoding content type in bytes (default 256, WCF's MaxContentTypeSize). */
  maxContentTypeBytes?: number;
  /** Largest UpgradeRequest protocol name in bytes (default 256). */
  maxUpgradeBytes?: number;
}

/** The decoded encoding record. */
export interface PreambleEncoding {
  /** The KnownEncoding byte, or undefined for an ExtensibleEncoding record. */
  known: number | undefined;
  /** The content type: from the known byte ("unknown<n>" outside 0..8) or the extensible string. */
  contentType: string;
}

// Fine-grained states; `stage` maps them onto the public PreambleStage.
const S = {
  VersionType: 0,
  VersionMajor: 1,
  VersionMinor: 2,
  ModeType: 3,
  ModeValue: 4,
  ViaType: 5,
  ViaSize: 6,
  ViaBytes: 7,
  EncodingType: 8,
  EncodingByte: 9,
  EncodingSize: 10,
  EncodingBytes: 11,
  UpgradeOrEnd: 12,
  UpgradeSize: 13,
  UpgradeBytes: 14,
  UpgradeRequested: 15,
  Complete: 16,
} as const;
type State = (typeof S)[keyof typeof S];

const STAGE_OF_STATE: readonly PreambleStage[] = [
  'version', 'version', 'version',
  'mode', 'mode',
  'via', 'via', 'via',
  'encoding', 'encoding', 'encoding', 'encoding',
  'upgrade-or-end', 'upgrade-or-end', 'upgrade-or-end',
  'upgrade-requested',
  'complete',
];

/**
 * Server-side, sans-I/O decoder of one [MC-NMF] preamble. Accepts any chunking, down to one byte
 * at a time. Throws {@link FramingError} on bad input; after a throw the decoder keeps throwing the
 * same error until {@link reset}.
 */
export class PreambleDecoder {
  readonly #maxViaBytes: number;
  readonly #maxContentTypeBytes: number;
  readonly #maxUpgradeBytes: number;
  readonly #size = new SizeDecoder();
  readonly #strings: ByteAccumulator;

  #state: State = S.VersionType;
  #consumed = 0;
  #failure: FramingError | undefined;
  #major = 0;
  #version: { major: number; minor: number } | undefined;
  #mode: Mode | undefined;
  #via: string | undefined;
  #parsedVia: ParsedVia | undefined;
  #encoding: PreambleEncoding | undefined;
  #upgrade: string | undefined;

  constructor(options: PreambleDecoderOptions = {}) {
    this.#maxViaBytes = limitOption('maxViaBytes', options.maxViaBytes, FramingLimits.maxViaBytes);
    this.#maxContentTypeBytes = limitOption(
      'maxContentTypeBytes',
      options.maxContentTypeBytes,
      FramingLimits.maxContentTypeBytes,
    );
    this.#maxUpgradeBytes = limitOption('maxUpgradeBytes', options.maxUpgradeBytes, FramingLimits.maxUpgradeBytes);
    this.#strings = new ByteAccumulator(
      Math.max(this.#maxViaBytes, this.#maxContentTypeBytes, this.#maxUpgradeBytes),
    );
  }

  /** What is read next; see {@link PreambleStage}. */
  get stage(): PreambleStage {
    return STAGE_OF_STATE[this.#state] as PreambleStage;
  }

  /** Total bytes consumed since construction or the last {@link reset}. */
  get consumed(): number {
    return this.#consumed;
  }

  /** Bytes of storage the decoder holds for a partly received string (never above the limits). */
  get bufferedBytes(): number {
    return this.#strings.capacity;
  }

  /** The Version record, once read. */
  get version(): { major: number; minor: number } | undefined {
    return this.#version;
  }

  /** The Mode record, once read. */
  get mode(): Mode | undefined {
    return this.#mode;
  }

  /** The via string exactly as received, once read. */
  get via(): string | undefined {
    return this.#via;
  }

  /** The via split into scheme, host, port and path, once read. */
  get parsedVia(): ParsedVia | undefined {
    return this.#parsedVia;
  }

  /** The encoding record, once read. */
  get encoding(): PreambleEncoding | undefined {
    return this.#encoding;
  }

  /** The protocol name of the last UpgradeRequest, if any. */
  get upgrade(): string | undefined {
    return this.#upgrade;
  }

  /** True once the via has been read and validated (SMSvcHost routes singleton connections here). */
  get viaKnown(): boolean {
    return this.#parsedVia !== undefined;
  }

  /** True once the encoding record has been read (SMSvcHost routes duplex connections here). */
  get encodingKnown(): boolean {
    return this.#encoding !== undefined;
  }

  /** True once the whole preamble has been read. */
  get complete(): boolean {
    return this.#state === S.Complete;
  }

  /**
   * Feeds bytes; returns how many of them were consumed. Never consumes past the end of the
   * preamble (PreambleEnd, or an UpgradeRequest record), so a return value below `chunk.length`
   * means the rest belongs to the next layer. Returns 0 while the stage is `'upgrade-requested'`
   * or `'complete'`. Throws {@link FramingError} on bad input.
   */
  decode(chunk: Uint8Array): number {
    if (this.#failure !== undefined) throw this.#failure;
    try {
      return this.#decode(asBuffer(chunk));
    } catch (error) {
      // Only FramingErrors can come out of #decode; keep the decoder failed so a caller that
      // ignores the throw cannot read on from an undefined state.
      this.#failure = error as FramingError;
      this.#strings.clear();
      throw error;
    }
  }

  /**
   * Continues after an UpgradeRequest, once the upgrade is done: the next records (another
   * UpgradeRequest, or PreambleEnd) travel inside the upgraded stream ([MC-NMF] 2.2.3.5; the .NET
   * reference source SessionConnectionReader.cs runs them through the same decoder).
   */
  resumeAfterUpgrade(): void {
    if (this.#state !== S.UpgradeRequested) {
      throw new FramingError(
        FramingErrorCodes.INVALID_ARGUMENT,
        `resumeAfterUpgrade() is only valid in stage 'upgrade-requested', not '${this.stage}'. Check decoder.stage before resuming.`,
      );
    }
    this.#state = S.UpgradeOrEnd;
  }

  /**
   * Tells the decoder the stream has ended. Throws `NMF_ERR_PREMATURE_EOF` if it ended inside the
   * preamble. An EOF before the first byte is not an error: a pooled client closing an idle
   * connection does exactly that (SMSvcHost closes such connections quietly).
   */
  end(): void {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#state === S.Complete || this.#state === S.UpgradeRequested) return;
    if (this.#consumed === 0) return;
    throw prematureEof(this.#consumed, `while reading the preamble (stage '${this.stage}')`);
  }

  /** Ready for a new preamble on the same connection (pooled connections send one per use). */
  reset(): void {
    this.#state = S.VersionType;
    this.#consumed = 0;
    this.#failure = undefined;
    this.#major = 0;
    this.#version = undefined;
    this.#mode = undefined;
    this.#via = undefined;
    this.#parsedVia = undefined;
    this.#encoding = undefined;
    this.#upgrade = undefined;
    this.#size.reset();
    this.#strings.clear();
  }

  #decode(buf: Buffer): number {
    const length = buf.length;
    const base = this.#consumed;
    let i = 0;
    let state = this.#state;
    loop: while (i < length) {
      const byte = buf[i] as number;
      switch (state) {
        case S.VersionType:
          // [MC-NMF] 2.2.3.1: the Version record must come first.
          if (byte !== RecordType.Version) throw recordTypeMismatch(RecordType.Version, byte, base + i);
          state = S.VersionMajor;
          i++;
          break;
        case S.VersionMajor:
          // ValidateMajorVersion: only the major version is checked; it must be 1.
          if (byte !== 1) throw unsupportedVersion(byte, base + i);
          this.#major = byte;
          state = S.VersionMinor;
          i++;
          break;
        case S.VersionMinor:
          // The minor version is read but ignored (ServerModeDecoder).
          this.#version = { major: this.#major, minor: byte };
          state = S.ModeType;
          i++;
          break;
        case S.ModeType:
          if (byte !== RecordType.Mode) throw recordTypeMismatch(RecordType.Mode, byte, base + i);
          state = S.ModeValue;
          i++;
          break;
        case S.ModeValue:
          // [MC-NMF] 2.2.3.2; ValidateFramingMode: modes 1..4 decode, anything else is refused.
          if (byte < Mode.SingletonUnsized || byte > Mode.SingletonSized) throw unsupportedMode(byte, base + i);
          this.#mode = byte as Mode;
          state = S.ViaType;
          i++;
          break;
        case S.ViaType:
          if (byte !== RecordType.Via) throw recordTypeMismatch(RecordType.Via, byte, base + i);
          state = S.ViaSize;
          i++;
          break;
        case S.ViaSize:
          i++;
          if (this.#size.push(byte, base + i - 1)) {
            const size = this.#size.value;
            // Checked before any byte of the via is kept (ViaStringDecoder quota).
            if (size > this.#maxViaBytes) throw viaTooLong(size, this.#maxViaBytes, base + i - 1);
            this.#strings.expect(size);
            if (size === 0) {
              // An empty via is not an absolute URI; #finishString reports it.
              this.#finishString(buf, i, i, base, S.ViaBytes);
              state = S.EncodingType;
            } else {
              state = S.ViaBytes;
            }
          }
          break;
        case S.ViaBytes:
        case S.EncodingBytes:
        case S.UpgradeBytes: {
          const take = Math.min(this.#strings.missing, length - i);
          if (this.#strings.length === 0 && take === this.#strings.missing) {
            // Fast path: the whole string is in this chunk; decode it without copying.
            i = this.#finishString(buf, i, i + take, base, state);
          } else {
            this.#strings.append(buf, i, i + take);
            i += take;
            if (this.#strings.missing > 0) break;
            this.#finishString(buf, i, i, base, state);
          }
          if (state === S.ViaBytes) {
            state = S.EncodingType;
          } else if (state === S.EncodingBytes) {
            state = this.#afterEncoding();
            if (state === S.Complete) break loop;
          } else {
            state = S.UpgradeRequested;
            break loop;
          }
          break;
        }
        case S.EncodingType:
          // [MC-NMF] 2.2.3.4/2.2.3.5. WCF names ExtensibleEncoding as the expected type when the
          // byte is neither (ServerSessionDecoder ReadingContentTypeRecord).
          if (byte === RecordType.KnownEncoding) {
            state = S.EncodingByte;
          } else if (byte === RecordType.ExtensibleEncoding) {
            state = S.EncodingSize;
          } else {
            throw recordTypeMismatch(RecordType.ExtensibleEncoding, byte, base + i);
          }
          i++;
          break;
        case S.EncodingByte:
          // Unknown bytes do not fail here; they become "unknown<n>" (ContentTypeStringDecoder).
          this.#encoding = { known: byte, contentType: knownEncodingContentType(byte) };
          i++;
          state = this.#afterEncoding();
          if (state === S.Complete) break loop;
          break;
        case S.EncodingSize:
          i++;
          if (this.#size.push(byte, base + i - 1)) {
            const size = this.#size.value;
            if (size > this.#maxContentTypeBytes) throw contentTypeTooLong(size, this.#maxContentTypeBytes, base + i - 1);
            this.#strings.expect(size);
            if (size === 0) {
              this.#finishString(buf, i, i, base, S.EncodingBytes);
              state = this.#afterEncoding();
              if (state === S.Complete) break loop;
            } else {
              state = S.EncodingBytes;
            }
          }
          break;
        case S.UpgradeOrEnd:
          // After the encoding any byte but UpgradeRequest is taken as PreambleEnd and must be
          // 0x0C (ServerSessionDecoder ReadingUpgradeRecord / ReadingPreambleEndRecord).
          if (byte === RecordType.UpgradeRequest) {
            state = S.UpgradeSize;
            i++;
          } else if (byte === RecordType.PreambleEnd) {
            state = S.Complete;
            i++;
            break loop;
          } else {
            throw recordTypeMismatch(RecordType.PreambleEnd, byte, base + i);
          }
          break;
        case S.UpgradeSize:
          i++;
          if (this.#size.push(byte, base + i - 1)) {
            const size = this.#size.value;
            if (size > this.#maxUpgradeBytes) throw upgradeTooLong(size, this.#maxUpgradeBytes, base + i - 1);
            this.#strings.expect(size);
            if (size === 0) {
              this.#finishString(buf, i, i, base, S.UpgradeBytes);
              state = S.UpgradeRequested;
              break loop;
            }
            state = S.UpgradeBytes;
          }
          break;
        default:
          // UpgradeRequested and Complete: the preamble (or this part of it) is over.
          break loop;
      }
    }
    this.#state = state;
    this.#consumed = base + i;
    return i;
  }

  /**
   * Completes the string of `state` (via, content type or upgrade): from `buf[start, end)` when it
   * arrived whole in this chunk, else from the accumulator. Returns `end`.
   */
  #finishString(buf: Buffer, start: number, end: number, base: number, state: State): number {
    const raw = this.#strings.length > 0 ? this.#strings.view() : buf.subarray(start, end);
    if (state === S.ViaBytes) {
      let via: string;
      try {
        via = STRICT_UTF8.decode(raw);
      } catch {
        const shown = raw.toString('utf8');
        this.#strings.clear();
        throw viaNotUtf8(shown, base + end);
      }
      this.#strings.clear();
      // ViaStringDecoder.OnComplete: the via must be an absolute URI.
      this.#parsedVia = parseViaAt(via, base + end);
      this.#via = via;
      return end;
    }
    const text = raw.toString('utf8');
    this.#strings.clear();
    if (state === S.EncodingBytes) {
      this.#encoding = { known: undefined, contentType: text };
    } else {
      this.#upgrade = text;
    }
    return end;
  }

  /** Modes 3 and 4 have no upgrade and no PreambleEnd: the preamble ends with the encoding. */
  #afterEncoding(): State {
    return this.#mode === Mode.Simplex || this.#mode === Mode.SingletonSized ? S.Complete : S.UpgradeOrEnd;
  }
}
