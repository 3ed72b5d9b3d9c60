/**
 * The context of the operation being dispatched, as WCF's `OperationContext.Current`: inside an
 * operation (and anything it awaits), `OperationContext.current` tells which session the request
 * came on, its via and action, and what the transport negotiated (the client's certificate with
 * transport security). Carried by `AsyncLocalStorage`, so it follows the operation's own async
 * work and no other.
 *
 * @module
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import type { ChannelSecurity, MessageChannel } from './channel.js';

const storage = new AsyncLocalStorage<OperationContext>();

/** What the transport knows about a session, given to the dispatcher by whoever runs it (a service host). */
export interface SessionDescription {
  /** An id for the session, unique in this process (WCF's `OperationContext.SessionId`). */
  readonly sessionId?: string;
  /** The client's address and port (WCF's `RemoteEndpointMessageProperty`), when known. */
  readonly remoteAddress?: string;
  readonly remotePort?: number;
}

/** What an operation knows about the request it serves. */
export class OperationContext {
  /** The session (channel) the request came on: a worker's `ServerSession` when served by one. */
  readonly channel: MessageChannel;
  /** The request's Action header. */
  readonly action: string;
  /** The request's MessageID header, if it had one. */
  readonly messageId: string | undefined;
  readonly #session: SessionDescription;

  /** @internal Made by the dispatcher for each request. */
  constructor(channel: MessageChannel, session: SessionDescription, action: string, messageId: string | undefined) {
    this.channel = channel;
    this.#session = session;
    this.action = action;
    this.messageId = messageId;
  }

  /** The session's id (WCF's `OperationContext.SessionId`), when the host gave one. */
  get sessionId(): string | undefined {
    return this.#session.sessionId;
  }

  /** The client's IP address, when the transport knows it. */
  get remoteAddress(): string | undefined {
    return this.#session.remoteAddress;
  }

  /** The client's port, when the transport knows it. */
  get remotePort(): number | undefined {
    return this.#session.remotePort;
  }

  /** The context of the operation running now; undefined outside an operation. */
  static get current(): OperationContext | undefined {
    return storage.getStore();
  }

  /** The via the session was opened for. */
  get via(): string {
    return this.channel.via;
  }

  /**
   * What the channel's transport security negotiated (protocol, cipher, the client's
   * certificate), or undefined on a channel without it.
   */
  get security(): ChannelSecurity | undefined {
    return this.channel.security;
  }

  /** @internal Runs `fn` with this context as the current one. */
  run<T>(fn: () => T): T {
    return storage.run(this, fn);
  }
}
