import type { PeerCertificate } from 'node:tls';

/** What a channel's transport security negotiated (the worker's sessions carry it). */
export interface ChannelSecurity {
  /** `'TLSv1.3'`, `'TLSv1.2'`. */
  readonly protocol: string;
  /** The cipher suite's standard name. */
  readonly cipher: string;
  /** True when the TLS session was resumed. */
  readonly resumed: boolean;
  /** The peer's certificate, when it sent one. */
  readonly peerCertificate: PeerCertificate | undefined;
}

/** One MC-NMF session as the message layer sees it: a sequence of envelope payloads each way. */
export interface MessageChannel {
  /** Sends one envelope payload (the bytes inside a SizedEnvelope). Resolves when written (backpressure). */
  send(payload: Uint8Array): Promise<void>;
  /** Incoming envelope payloads; the iterator ends when the peer sends End (or the connection closes). */
  [Symbol.asyncIterator](): AsyncIterator<Buffer>;
  /** Ends the session: End record, wait for the peer's End. */
  close(): Promise<void>;
  readonly via: string;
  /**
   * The content type of the session's message encoding (the preamble's encoding record), when
   * the channel knows it: `application/soap+msbinsession1` (binary, the default) or
   * `application/soap+xml; charset=utf-8` (text).
   */
  readonly encoding?: string | undefined;
  /** Transport security, when the channel has it (see OperationContext.security). */
  readonly security?: ChannelSecurity | undefined;
  /**
   * Streamed transfer (a singleton session with `transferMode: 'streamed'`): the iterator yields
   * the pieces of the one incoming message as they arrive, ending where it ends, and
   * sendStreamed() writes the outgoing one as it is produced. A `stream` part then moves as it is
   * read and written (streamed-body.ts).
   */
  readonly streamed?: boolean;
  /** Sends the one message of a singleton session as `pieces` produces it (streamed channels). */
  sendStreamed?(pieces: AsyncIterable<Uint8Array>): Promise<void>;
}
