import { ControlError, ControlErrorCodes } from './errors.js';

/** WCF's RegistrationMaxReceivedMessageSize: the control channel's message cap. */
export const DEFAULT_MAX_CONTROL_MESSAGE_BYTES = 10_000;

/**
 * Splits a byte stream into JSON lines. Holds at most `maxMessageBytes` of an unfinished line, so a
 * peer that never sends '\n' cannot make us buffer without bound.
 */
export class LineDecoder {
  readonly #max: number;
  #parts: Buffer[] = [];
  #partBytes = 0;

  constructor(maxMessageBytes = DEFAULT_MAX_CONTROL_MESSAGE_BYTES) {
    this.#max = maxMessageBytes;
  }

  /** Feeds bytes; calls `onMessage` with each complete, parsed line. Throws ControlError on a bad line. */
  push(chunk: Buffer, onMessage: (value: unknown) => void): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) {
        const rest = chunk.length - start;
        if (this.#partBytes + rest > this.#max) throw tooLarge(this.#max);
        if (rest > 0) {
          this.#parts.push(chunk.subarray(start));
          this.#partBytes += rest;
        }
        return;
      }
      const piece = chunk.subarray(start, nl);
      if (this.#partBytes + piece.length > this.#max) throw tooLarge(this.#max);
      const line = this.#parts.length === 0 ? piece : Buffer.concat([...this.#parts, piece]);
      this.#parts = [];
      this.#partBytes = 0;
      start = nl + 1;
      if (line.length === 0) continue;
      let value: unknown;
      try {
        value = JSON.parse(line.toString('utf8'));
      } catch {
        throw new ControlError(ControlErrorCodes.InvalidArgument, 'A control message is not valid JSON.');
      }
      onMessage(value);
    }
  }

  get bufferedBytes(): number {
    return this.#partBytes;
  }
}

function tooLarge(max: number): ControlError {
  return new ControlError(
    ControlErrorCodes.MessageTooLarge,
    `A control message exceeds ${max} bytes (maxControlMessageBytes).`,
  );
}

export function encodeLine(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value) + '\n', 'utf8');
}
