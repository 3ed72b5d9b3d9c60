/**
 * The error hierarchy shared by every portshare package.
 *
 * `PortshareError` is the base of every error any package throws; each package derives its own
 * subclass and lists its codes (`<PREFIX>_ERR_<NAME>`) in a catalogue object. Callers branch on
 * `err.code`, never on the message text.
 *
 * @module
 */

/**
 * The brand of an error class, shared by every copy of the package that defines it: `instanceof`
 * keeps working when two copies of a package end up in one process (a hoisted and a nested
 * install), since the copies' classes differ but `Symbol.for` gives them the same symbol. Class
 * names are unique across the portshare packages.
 */
function brandOf(errorClass: { name: string }): symbol {
  return Symbol.for(`@portshare/error:${errorClass.name}`);
}

/** Options accepted by every portshare error constructor. */
export interface PortshareErrorOptions {
  /** The error that led to this one. */
  cause?: unknown;
}

/**
 * Base class of every error thrown by portshare packages. Each package derives one class with its
 * code catalogue, usually with no body: `class ServiceError extends PortshareError<ServiceErrorCode> {}`.
 *
 * `code` is stable and documented in the owning package's README ("Errors" table); the message is
 * for people and may change. `name` is the class's name. `instanceof` checks the brand of the
 * class asked about (see brandOf), for this class and every subclass alike.
 */
export class PortshareError<Code extends string = string> extends Error {
  /** Stable, documented error code such as `NMF_ERR_VIA_TOO_LONG`. */
  readonly code: Code;

  constructor(code: Code, message: string, options?: PortshareErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    for (let c: unknown = new.target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c)) {
      Object.defineProperty(this, brandOf(c), { value: true });
    }
  }

  static override [Symbol.hasInstance](instance: unknown): boolean {
    return typeof instance === 'object' && instance !== null && brandOf(this) in instance;
  }
}

/**
 * Codes of every {@link FramingError}. The README "Errors" table lists the same codes; a test keeps
 * the two in step.
 */
export const FramingErrorCodes = {
  /** A size (mbint) has more than 5 bytes or a value above 2^31−1. */
  SIZE_TOO_LARGE: 'NMF_ERR_SIZE_TOO_LARGE',
  /** The Version record's major version is not 1. */
  UNSUPPORTED_VERSION: 'NMF_ERR_UNSUPPORTED_VERSION',
  /** The Mode record's value is not 1..4. */
  UNSUPPORTED_MODE: 'NMF_ERR_UNSUPPORTED_MODE',
  /** The Via record is longer than `maxViaBytes`. */
  VIA_TOO_LONG: 'NMF_ERR_VIA_TOO_LONG',
  /** The Via record is not an absolute URI. */
  VIA_NOT_URI: 'NMF_ERR_VIA_NOT_URI',
  /** The ExtensibleEncoding content type is longer than `maxContentTypeBytes`. */
  CONTENT_TYPE_TOO_LONG: 'NMF_ERR_CONTENT_TYPE_TOO_LONG',
  /** The UpgradeRequest protocol name is longer than `maxUpgradeBytes`. */
  UPGRADE_TOO_LONG: 'NMF_ERR_UPGRADE_TOO_LONG',
  /** A Fault record's URI is longer than `maxFaultBytes`. */
  FAULT_TOO_LONG: 'NMF_ERR_FAULT_TOO_LONG',
  /** A record arrived where the grammar does not allow it. */
  RECORD_TYPE_MISMATCH: 'NMF_ERR_RECORD_TYPE_MISMATCH',
  /** An envelope is larger than `maxMessageSize`. */
  MESSAGE_TOO_LARGE: 'NMF_ERR_MESSAGE_TOO_LARGE',
  /** The stream ended in the middle of a record. */
  PREMATURE_EOF: 'NMF_ERR_PREMATURE_EOF',
  /** Bytes were fed to a decoder after the End record. */
  AT_END: 'NMF_ERR_AT_END',
  /** A record whose size must not be 0 (a Fault) had size 0. */
  ZERO_SIZE: 'NMF_ERR_ZERO_SIZE',
  /** The server's first byte is not PreambleAck, UpgradeResponse or Fault: not a .NET Framing peer. */
  NOT_FRAMING: 'NMF_ERR_NOT_FRAMING',
  /** An encoder or decoder was called with a value the wire format cannot carry. */
  INVALID_ARGUMENT: 'NMF_ERR_INVALID_ARGUMENT',
} as const;

/** One of the {@link FramingErrorCodes} values. */
export type FramingErrorCode = (typeof FramingErrorCodes)[keyof typeof FramingErrorCodes];

/** Options of a {@link FramingError}. */
export interface FramingErrorOptions extends PortshareErrorOptions {
  /** The [MC-NMF] fault URI WCF attaches to this failure, if any. */
  faultUri?: string | undefined;
  /** Byte offset in the stream where the problem was detected. */
  position?: number | undefined;
}

/** Every decode and encode failure of `@portshare/framing`. */
export class FramingError extends PortshareError<FramingErrorCode> {
  /**
   * The fault URI WCF attaches to the same failure (for example ViaTooLong), if any. A server may
   * send it to the peer as a Fault record before closing.
   */
  readonly faultUri: string | undefined;
  /** Byte offset in the stream (counted from the decoder's start) where the problem was detected. */
  readonly position: number | undefined;

  constructor(code: FramingErrorCode, message: string, options?: FramingErrorOptions) {
    super(code, message, options);
    this.faultUri = options?.faultUri;
    this.position = options?.position;
  }
}
