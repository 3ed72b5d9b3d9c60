/**
 * The context of the operation being dispatched, as WCF's `OperationContext.Current`: inside an
 * operation (and anything it awaits), `OperationContext.current` tells which session the request
 * came on, its via and action, what the transport negotiated (the client's certificate with
 * transport security), and on a duplex contract gives the typed channel back to the client.
 * Carried by `AsyncLocalStorage`, so it follows the operation's own async work and no other.
 *
 * @module
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import type { ChannelSecurity, MessageChannel } from './channel.js';
import type { ClientProxy, ServiceContract, ServiceContractShape } from './contract.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import { type OutgoingCalls, proxyOf } from './outgoing-calls.js';

const storage = new AsyncLocalStorage<OperationContext>();

/** What the transport knows about a session, given to the dispatcher by whoever runs it (a service host). */
export interface SessionDescription {
  /** An id for the session, unique in this process (WCF's `OperationContext.SessionId`). */
  readonly sessionId?: string;
  /** The client's address and port (WCF's `RemoteEndpointMessageProperty`), when known. */
  readonly remoteAddress?: string;
  readonly remotePort?: number;
}

/** @internal The session an operation runs in, as the context needs it. */
export interface OperationScope {
  readonly channel: MessageChannel;
  readonly session: SessionDescription;
  /** The calls this side makes on the session (callbacks, on a service). */
  readonly calls: OutgoingCalls;
}

// One callback proxy per session and callback contract: what a service keeps is what it gets again.
const callbackProxies = new WeakMap<OutgoingCalls, Map<ServiceContractShape, unknown>>();

/** What an operation knows about the request it serves. */
export class OperationContext {
  /** The request's Action header. */
  readonly action: string;
  /** The request's MessageID header, if it had one. */
  readonly messageId: string | undefined;
  readonly #scope: OperationScope;
  readonly #contract: ServiceContract;

  /** @internal Made by the dispatcher for each request. */
  constructor(scope: OperationScope, contract: ServiceContract, action: string, messageId: string | undefined) {
    this.#scope = scope;
    this.#contract = contract;
    this.action = action;
    this.messageId = messageId;
  }

  /** The context of the operation running now; undefined outside an operation. */
  static get current(): OperationContext | undefined {
    return storage.getStore();
  }

  /** The session (channel) the request came on: a worker's `ServerSession` when served by one. */
  get channel(): MessageChannel {
    return this.#scope.channel;
  }

  /** The via the session was opened for. */
  get via(): string {
    return this.#scope.channel.via;
  }

  /** The session's id (WCF's `OperationContext.SessionId`), when the host gave one. */
  get sessionId(): string | undefined {
    return this.#scope.session.sessionId;
  }

  /** The client's IP address, when the transport knows it. */
  get remoteAddress(): string | undefined {
    return this.#scope.session.remoteAddress;
  }

  /** The client's port, when the transport knows it. */
  get remotePort(): number | undefined {
    return this.#scope.session.remotePort;
  }

  /**
   * What the channel's transport security negotiated (protocol, cipher, the client's
   * certificate), or undefined on a channel without it.
   */
  get security(): ChannelSecurity | undefined {
    return this.#scope.channel.security;
  }

  /**
   * The typed channel back to this session's client (WCF's `GetCallbackChannel<T>()`), for the
   * callback contract of the operation's duplex contract. Calls on it go over the same session:
   * one-way ones resolve once written, two-way ones with the client's reply. It stays usable after
   * the operation returns, until the session ends (then its calls fail with
   * SOAP_ERR_CHANNEL_CLOSED).
   */
  getCallbackChannel<CB extends ServiceContract>(callbackContract: CB): ClientProxy<CB> {
    // The service contract holds its callback contract as described within it (Actions named after
    // the service contract); the caller passes the one it defined.
    const described = this.#contract.callbackContract;
    if (described === undefined || (described !== callbackContract && described.declaredAs !== callbackContract)) {
      throw new SoapError(
        SoapErrorCodes.INVALID_CONTRACT,
        `'${this.#contract.name}' ${described === undefined ? 'has no callback contract' : `has the callback contract '${described.name}', not '${callbackContract.name}'`}. Declare it with defineContract({ …, callbackContract }).`,
      );
    }
    const calls = this.#scope.calls;
    let byContract = callbackProxies.get(calls);
    if (byContract === undefined) {
      byContract = new Map();
      callbackProxies.set(calls, byContract);
    }
    let proxy = byContract.get(described);
    if (proxy === undefined) {
      proxy = proxyOf(described, calls);
      byContract.set(described, proxy);
    }
    return proxy as ClientProxy<CB>;
  }

  /** @internal Runs `fn` with this context as the current one. */
  run<T>(fn: () => T): T {
    return storage.run(this, fn);
  }
}
