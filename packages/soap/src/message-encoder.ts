import { readNbfx } from './nbfx-reader.js';
import { writeNbfx } from './nbfx-writer.js';
import { checkSize, type DecodedMessage, decodedOrThrow, decodeWithinQuotas, type ReaderQuotas, resolveQuotas } from './quotas.js';
import { SessionDictionary } from './session-dictionary.js';
import type { XmlNode } from './xml-node.js';

export interface BinarySessionEncoderOptions {
  /** Limits on what this side accepts; missing ones take .NET's defaults (docs/protocol.md §16). */
  readonly quotas?: Partial<ReaderQuotas>;
  /**
   * Most session-string bytes this side defines for the peer over the connection. Default 2048:
   * the peer's MaxSessionSize in a stock WCF configuration, which it enforces (docs/protocol.md §15).
   */
  readonly writerSessionSize?: number;
}

/**
 * The `application/soap+msbinsession1` message encoding of ONE connection (KnownEncoding 0x08):
 * every payload is an [MC-NBFSE] StringTable followed by an [MC-NBFX] document. It owns the two
 * session dictionaries of the connection, so create one per connection and use it for every
 * message in order.
 */
/** What the session runtime needs of an encoding: one message to bytes and back. */
export interface MessageEncoder {
  encode(nodes: XmlNode | readonly XmlNode[]): Buffer;
  /** Decodes one message; every limit exceeded throws. */
  decode(payload: Uint8Array): XmlNode[];
  /**
   * Decodes one message; a reader quota exceeded (not the size, nor a malformed message) is
   * returned as `quotaError` beside the message read past it (see decodeWithinQuotas).
   */
  decodeMessage(payload: Uint8Array): DecodedMessage;
  /** The limits on what decode() accepts. */
  readonly quotas: ReaderQuotas;
  /**
   * True when a `stream` part can be read and written as it moves (streamed-body.ts): binary XML
   * with no session dictionary, whose encoding of a message does not depend on the messages before.
   */
  readonly streamable: boolean;
}

export class BinarySessionEncoder implements MessageEncoder {
  readonly quotas: ReaderQuotas;
  readonly streamable = false;
  /** Strings the peer defined (read side). */
  readonly readerSession: SessionDictionary;
  /** Strings this side defined (write side). */
  readonly writerSession: SessionDictionary;

  constructor(options: BinarySessionEncoderOptions = {}) {
    this.quotas = resolveQuotas(options.quotas);
    this.readerSession = new SessionDictionary({ maxSessionSize: this.quotas.maxSessionSize });
    this.writerSession = new SessionDictionary({ maxSessionSize: options.writerSessionSize ?? 2048 });
  }

  /** Encodes one message: its new session strings, then the binary XML. */
  encode(nodes: XmlNode | readonly XmlNode[]): Buffer {
    let body: Buffer;
    try {
      body = writeNbfx(nodes, { session: this.writerSession });
    } catch (err) {
      // The message is not sent, so the peer must never see ids assigned while writing it.
      this.writerSession.rollback();
      throw err;
    }
    const table = this.writerSession.commitStringTable();
    return Buffer.concat([table, body]);
  }

  /** Decodes one received payload. */
  decode(payload: Uint8Array): XmlNode[] {
    return decodedOrThrow(this.decodeMessage(payload));
  }

  decodeMessage(payload: Uint8Array): DecodedMessage {
    checkSize(payload, this.quotas);
    // The StringTable is read once: the strings belong to the connection whatever the body holds.
    const offset = this.readerSession.readStringTable(payload);
    return decodeWithinQuotas((quotas) => readNbfx(payload, { offset, session: this.readerSession, quotas }), this.quotas);
  }
}

/**
 * The sessionless binary encoding (`application/soap+msbin1`, [MC-NMF] KnownEncoding 7): binary
 * XML with the static dictionary only, no StringTable — what WCF sends in singleton mode
 * (TransferMode.Streamed), one message per connection.
 */
export class BinaryMessageEncoder implements MessageEncoder {
  readonly quotas: ReaderQuotas;
  readonly streamable = true;

  constructor(options: { quotas?: Partial<ReaderQuotas> } = {}) {
    this.quotas = resolveQuotas(options.quotas);
  }

  encode(nodes: XmlNode | readonly XmlNode[]): Buffer {
    return writeNbfx(nodes);
  }

  decode(payload: Uint8Array): XmlNode[] {
    return decodedOrThrow(this.decodeMessage(payload));
  }

  decodeMessage(payload: Uint8Array): DecodedMessage {
    checkSize(payload, this.quotas);
    return decodeWithinQuotas((quotas) => readNbfx(payload, { quotas }), this.quotas);
  }
}
