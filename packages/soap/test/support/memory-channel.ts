import type { MessageChannel } from '../../src/channel.js';

/** One direction of an in-memory session: payloads in order, then End. */
class Pipe {
  readonly #queue: Buffer[] = [];
  #ended = false;
  #wake: (() => void) | undefined;

  push(b: Buffer): void {
    this.#queue.push(b);
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async *drain(): AsyncGenerator<Buffer> {
    for (;;) {
      const next = this.#queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }
}

/**
 * A MessageChannel end backed by two pipes, for tests (the real one is the MC-NMF session of
 * @portshare/worker). `close()` ends our direction and waits for the peer's End, like the End
 * record exchange. Every payload sent is recorded in `sent`.
 */
export class MemoryChannel implements MessageChannel {
  readonly via: string;
  /** The session's encoding, as a transport would tell it (undefined: binary session). */
  encoding: string | undefined;
  readonly sent: Buffer[] = [];
  readonly #out: Pipe;
  readonly #in: Pipe;
  readonly #peerEnded: Promise<void>;
  #markPeerEnded!: () => void;
  #closed = false;
  /** Set by createChannelPair: tells the other end that ours has ended. */
  notifyPeer: () => void = () => undefined;

  constructor(via: string, out: Pipe, inbound: Pipe) {
    this.via = via;
    this.#out = out;
    this.#in = inbound;
    this.#peerEnded = new Promise((resolve) => {
      this.#markPeerEnded = resolve;
    });
  }

  peerEnded(): void {
    this.#markPeerEnded();
  }

  async send(payload: Uint8Array): Promise<void> {
    if (this.#closed) throw new Error('send after close');
    const copy = Buffer.from(payload);
    this.sent.push(copy);
    // Deliver asynchronously, as a socket would.
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#out.push(copy);
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this.#in.drain();
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#out.end();
      this.notifyPeer();
    }
    await this.#peerEnded;
  }
}

/** Two connected channel ends: what one sends, the other receives. */
export function createChannelPair(via = 'net.tcp://localhost:9000/test/svc', encoding?: string): [MemoryChannel, MemoryChannel] {
  const ab = new Pipe();
  const ba = new Pipe();
  const a = new MemoryChannel(via, ab, ba);
  const b = new MemoryChannel(via, ba, ab);
  a.encoding = encoding;
  b.encoding = encoding;
  a.notifyPeer = () => b.peerEnded();
  b.notifyPeer = () => a.peerEnded();
  return [a, b];
}
