/**
 * The contract between a net.tcp session and the message layer above it. Both ServerSession and
 * ClientSession implement it; the SOAP layer needs nothing else.
 *
 * @module
 */

/** A session that carries whole envelope payloads both ways. */
export interface MessageChannel {
  /**
   * Sends one message: a SizedEnvelope in duplex mode, the UnsizedEnvelope in singleton mode.
   * Resolves once the bytes are handed to the kernel, so awaiting each send bounds what waits in
   * memory when the peer reads slowly.
   */
  send(payload: Uint8Array): Promise<void>;
  /** Incoming message payloads, in order; ends at the peer's End record. */
  [Symbol.asyncIterator](): AsyncIterator<Buffer>;
  /** Sends End and waits for the peer's End (bounded by the close timeout). */
  close(): Promise<void>;
  /** The via of the session's preamble. */
  readonly via: string;
  /**
   * Streamed transfer (singleton mode with `transferMode: 'streamed'`): the iterator yields the
   * pieces of the one incoming message as they arrive and ends where the message ends.
   */
  readonly streamed: boolean;
  /** Singleton mode: sends the one message as `pieces` produces it, with backpressure. */
  sendStreamed(pieces: AsyncIterable<Uint8Array>): Promise<void>;
}
