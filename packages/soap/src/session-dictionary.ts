import { ByteReader } from './byte-reader.js';
import { ByteWriter, mb31Size } from './byte-writer.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import { DEFAULT_READER_QUOTAS } from './quotas.js';

export interface SessionDictionaryOptions {
  /**
   * Most bytes, Σ(MB31(len) + len), of strings this dictionary may hold over the connection.
   * Default 2048, .NET's MaxSessionSize (docs/protocol.md §15).
   */
  readonly maxSessionSize?: number;
}

/**
 * The [MC-NBFSE] session dictionary of ONE direction of ONE connection.
 *
 * A connection needs two: the one its writer fills (strings it sends) and the one its reader fills
 * (strings the peer sends). Ids are odd wire ids 1, 3, 5, … in order of definition, continue across
 * messages and are never reset while the connection lives ([MC-NBFSE] 2.1).
 */
export class SessionDictionary {
  readonly maxSessionSize: number;
  readonly #strings: string[] = [];
  readonly #ids = new Map<string, number>();
  #bytes = 0;
  #pending = 0;
  #full = false;
  #faulted: SoapError | undefined;

  constructor(options: SessionDictionaryOptions = {}) {
    this.maxSessionSize = options.maxSessionSize ?? DEFAULT_READER_QUOTAS.maxSessionSize;
  }

  /** Number of strings defined so far. */
  get count(): number {
    return this.#strings.length;
  }

  /** Bytes used so far, counted as .NET counts them: Σ(MB31(len) + len) of the UTF-8 strings. */
  get size(): number {
    return this.#bytes;
  }

  /** The string of an odd wire id, or undefined if not defined (yet). */
  lookup(wireId: number): string | undefined {
    if (wireId % 2 !== 1) return undefined;
    return this.#strings[(wireId - 1) / 2];
  }

  /** The odd wire id of `value`, or undefined. */
  idOf(value: string): number | undefined {
    return this.#ids.get(value);
  }

  // ---- reader side ---------------------------------------------------------------------------

  /**
   * Reads the StringTable at the start of an `msbinsession1` payload, defines its strings, and
   * returns the offset of the binary XML document that follows.
   *
   * [MC-NBFSE] 2.1: `MB31 size` then exactly `size` bytes of `(MB31 len, UTF-8)` strings.
   * After any error the dictionary is unusable (as in .NET, WCF's BinaryMessageEncoder.cs
   * `ExtractSessionInformationFromMessage`; docs/protocol.md §15): every later call fails with
   * SOAP_ERR_SESSION_FAULTED, because the peer's numbering is lost.
   */
  readStringTable(payload: Uint8Array): number {
    if (this.#faulted) {
      throw new SoapError(
        SoapErrorCodes.SESSION_FAULTED,
        'The session dictionary of this connection failed earlier, so later messages cannot be decoded. Close the connection and open a new one.',
        { cause: this.#faulted },
      );
    }
    try {
      const r = new ByteReader(payload);
      const size = r.mb31('the StringTable size');
      if (size > r.remaining) {
        throw new SoapError(
          SoapErrorCodes.STRING_TABLE_INVALID,
          `The StringTable claims ${size} bytes but only ${r.remaining} follow. The payload is truncated or not an msbinsession1 message.`,
        );
      }
      const end = r.position + size;
      while (r.position < end) {
        const len = r.mb31('a StringTable string length');
        // [MC-NBFSE] 2.1: the strings must exactly fill the declared size.
        if (len > end - r.position) {
          throw new SoapError(
            SoapErrorCodes.STRING_TABLE_INVALID,
            `A StringTable string of ${len} bytes overruns the table's declared size. The sender's StringTable is malformed.`,
          );
        }
        const cost = mb31Size(len) + len;
        if (this.#bytes + cost > this.maxSessionSize) {
          throw new SoapError(
            SoapErrorCodes.SESSION_SIZE_EXCEEDED,
            `The peer's session strings need more than maxSessionSize (${this.maxSessionSize} bytes; ${this.#bytes} used, ` +
              `${cost} more requested). Raise maxSessionSize on this side, or lower it on the sender.`,
          );
        }
        const value = r.utf8(len, 'a StringTable string');
        this.#define(value, cost);
      }
      return end;
    } catch (err) {
      const e =
        err instanceof SoapError && err.code !== SoapErrorCodes.MALFORMED
          ? err
          : new SoapError(
              SoapErrorCodes.STRING_TABLE_INVALID,
              `The StringTable is malformed: ${(err as Error).message}`,
              { cause: err },
            );
      this.#faulted = e;
      throw e;
    }
  }

  #define(value: string, cost: number): number {
    const id = this.#strings.length * 2 + 1;
    this.#strings.push(value);
    // Keep the first id when a peer repeats a value; lookups by id still see every entry.
    if (!this.#ids.has(value)) this.#ids.set(value, id);
    this.#bytes += cost;
    return id;
  }

  // ---- writer side ---------------------------------------------------------------------------

  /**
   * The wire id to use for `value` in the message being written: an existing id, a new one (queued
   * for this message's StringTable), or undefined when the quota is spent and the writer must write
   * the string inline. As in .NET's XmlBinaryWriterSessionWithQuota, once a string does not fit,
   * no more strings are added for the rest of the connection.
   */
  intern(value: string): number | undefined {
    const existing = this.#ids.get(value);
    if (existing !== undefined) return existing;
    if (this.#full) return undefined;
    const len = Buffer.byteLength(value, 'utf8');
    const cost = mb31Size(len) + len;
    if (this.#bytes + cost > this.maxSessionSize) {
      this.#full = true;
      return undefined;
    }
    this.#pending++;
    return this.#define(value, cost);
  }

  /**
   * Ends the message being written: returns its StringTable bytes (the strings `intern` added
   * since the last call, in order) and makes them permanent.
   */
  commitStringTable(): Buffer {
    const fresh = this.#strings.slice(this.#strings.length - this.#pending);
    this.#pending = 0;
    return encodeStringTable(fresh);
  }

  /** Forgets the strings `intern` added since the last commit (the message was not sent). */
  rollback(): void {
    while (this.#pending > 0) {
      const value = this.#strings.pop() as string;
      const len = Buffer.byteLength(value, 'utf8');
      this.#bytes -= mb31Size(len) + len;
      this.#ids.delete(value);
      this.#pending--;
    }
  }
}

/** [MC-NBFSE] 2.1: encodes `MB31 size` + `(MB31 len, UTF-8)*`. */
export function encodeStringTable(strings: readonly string[]): Buffer {
  const body = new ByteWriter(64);
  for (const s of strings) {
    body.mb31(Buffer.byteLength(s, 'utf8'));
    body.utf8(s);
  }
  const out = new ByteWriter(body.length + 5);
  out.mb31(body.length);
  out.bytes(body.toBuffer());
  return out.toBuffer();
}
