/** One MC-NMF session as the message layer sees it: a sequence of envelope payloads each way. */
export interface MessageChannel {
  /** Sends one envelope payload (the bytes inside a SizedEnvelope). Resolves when written (backpressure). */
  send(payload: Uint8Array): Promise<void>;
  /** Incoming envelope payloads; the iterator ends when the peer sends End (or the connection closes). */
  [Symbol.asyncIterator](): AsyncIterator<Buffer>;
  /** Ends the session: End record, wait for the peer's End. */
  close(): Promise<void>;
  readonly via: string;
}
