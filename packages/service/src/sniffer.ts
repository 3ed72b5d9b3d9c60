import { FramingError, Mode, PreambleDecoder, type ParsedVia } from '@portshare/framing';

export interface SniffOptions {
  maxViaBytes: number;
  maxContentTypeBytes: number;
  /** receiveTimeout: the whole read, accept to routing (docs/protocol.md §2 step 5). */
  timeoutMs: number;
}

export type SniffOutcome =
  | { done: false }
  | { done: true; ok: true; mode: Mode; via: string; parsedVia: ParsedVia; bytes: Buffer }
  | { done: true; ok: false; reason: 'malformed' | 'unsupported-mode' | 'too-long'; error: Error };

/**
 * The most a connection may send before it can be routed: the preamble through the via and the
 * encoding record at their limits ([MC-NMF] 2.2.3.1–2.2.3.4: version 3 bytes, mode 2, via record
 * 1 + a size of at most 2 bytes + maxViaBytes, an extensible encoding 1 + 2 + maxContentTypeBytes),
 * with room to spare. Reading stops there, so the bytes a client can make the daemon keep and hand
 * off are bounded by the configured limits, not by how much it writes at once.
 */
export function preambleReadLimit(options: Pick<SniffOptions, 'maxViaBytes' | 'maxContentTypeBytes'>): number {
  return 3 + 2 + 3 + options.maxViaBytes + 3 + options.maxContentTypeBytes + 64;
}

/**
 * A new connection's preamble, read just far enough to route it, as SMSvcHost's
 * ListenerConnectionModeReader and DupHandleConnectionReader do (docs/protocol.md §2):
 * through the Via for singleton mode 1, through the encoding record for duplex mode 2. Modes 3 and 4
 * are valid framing but not shareable: abort without a fault, as SMSvcHost does.
 *
 * Sans-I/O: the front gate reads, this decides. Every byte pushed is kept, from byte 0, including
 * bytes past the point routing needed (clients send the whole preamble in one write): the worker
 * gets all of them and reads the preamble again itself.
 */
export class PreambleSniffer {
  readonly #decoder: PreambleDecoder;
  readonly #chunks: Buffer[] = [];
  readonly #limit: number;
  #total = 0;

  constructor(options: Pick<SniffOptions, 'maxViaBytes' | 'maxContentTypeBytes'>) {
    this.#decoder = new PreambleDecoder({ maxViaBytes: options.maxViaBytes, maxContentTypeBytes: options.maxContentTypeBytes });
    this.#limit = preambleReadLimit(options);
  }

  /** Bytes received so far. */
  get received(): number {
    return this.#total;
  }

  push(chunk: Buffer): SniffOutcome {
    this.#chunks.push(chunk);
    this.#total += chunk.length;
    try {
      this.#decoder.decode(chunk);
    } catch (err) {
      return { done: true, ok: false, reason: 'malformed', error: err as Error };
    }
    const mode = this.#decoder.mode;
    if (mode !== undefined && mode !== Mode.Duplex && mode !== Mode.SingletonUnsized) {
      return {
        done: true,
        ok: false,
        reason: 'unsupported-mode',
        error: new FramingError('NMF_ERR_UNSUPPORTED_MODE', `Framing mode ${mode} is not supported.`),
      };
    }
    const enough = (mode === Mode.SingletonUnsized && this.#decoder.viaKnown) || (mode === Mode.Duplex && this.#decoder.encodingKnown);
    if (enough) {
      return {
        done: true,
        ok: true,
        mode,
        via: this.#decoder.via!,
        parsedVia: this.#decoder.parsedVia!,
        bytes: this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#total),
      };
    }
    if (this.#total >= this.#limit) {
      return {
        done: true,
        ok: false,
        reason: 'too-long',
        // Unreachable while the decoder enforces the same limits; kept so the bound never depends on it.
        error: new Error(`The preamble did not reach its routing point within ${this.#limit} bytes.`),
      };
    }
    return { done: false };
  }
}
