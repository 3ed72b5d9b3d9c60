import type { MessageChannel } from './channel.js';
import { type OperationDescription, type ServiceContract, type ServiceImplementation, defaultAction } from './contract.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import { type IncomingEnvelope, buildEnvelope, parseEnvelope } from './envelope.js';
import {
  FaultException,
  type MessageFault,
  actionNotSupportedFault,
  buildFault,
  buildFaultDetail,
  deserializationFailedFault,
  internalServiceFault,
} from './fault.js';
import { BinarySessionEncoder } from './message-encoder.js';
import { Addressing } from './namespaces.js';
import { OperationContext, type SessionDescription } from './operation-context.js';
import { buildReplyBody, parseRequestBody } from './operation-formatter.js';
import type { ReaderQuotas } from './quotas.js';
import type { XmlNode } from './xml-node.js';

/** A contract bound to the object that implements it. */
export interface ServiceEndpoint {
  readonly contract: ServiceContract;
  readonly implementation: object;
}

/** Binds an implementation to a contract, type-checking it against the contract's operations. */
export function implement<C extends ServiceContract>(contract: C, implementation: ServiceImplementation<C>): ServiceEndpoint {
  for (const name of contract.operations.keys()) {
    if (typeof (implementation as Record<string, unknown>)[name] !== 'function') {
      throw new SoapError(SoapErrorCodes.INVALID_CONTRACT, `The implementation of '${contract.name}' has no function '${name}'. Implement every operation.`);
    }
  }
  return { contract, implementation: implementation as object };
}

/** What happened when `onError` is called. */
export interface DispatchErrorContext {
  readonly action: string | undefined;
  readonly operation: string | undefined;
  /** The session the request came on, as given to serve() (its id and the client's address). */
  readonly session: SessionDescription;
}

export interface ServiceDispatcherOptions {
  /** Limits on received messages; missing ones take .NET's defaults (binary-soap.md §10). */
  readonly quotas?: Partial<ReaderQuotas>;
  /** Most session-string bytes sent to the peer per connection; default 2048 (the peer's MaxSessionSize). */
  readonly writerSessionSize?: number;
  /** `xml:lang` of fault reasons this side generates; default `en-US`. */
  readonly faultLanguage?: string;
  /**
   * Called with errors that do not reach the client as such: an operation's unhandled exception
   * (sent as InternalServiceFault), a failed one-way operation, or a request that cannot be read.
   */
  readonly onError?: (error: unknown, context: DispatchErrorContext) => void;
}

/** Per-session settings of {@link ServiceDispatcher.serve}. */
export interface ServeOptions {
  /**
   * Stops serving: the request being handled (if any) is finished and answered, no later request
   * is read, and serve() resolves. The caller then closes the channel (End).
   */
  readonly signal?: AbortSignal;
  /** What the transport knows about the session, for {@link OperationContext}. */
  readonly session?: SessionDescription;
}

interface Route {
  readonly endpoint: ServiceEndpoint;
  readonly op: OperationDescription;
}

/**
 * Serves contract implementations over sessions: reads each request envelope, dispatches it by
 * Action to the matching operation, and writes the reply (or fault). Requests of one session are
 * handled one at a time, in order, as WCF does for a PerSession/Single service.
 */
export class ServiceDispatcher {
  readonly #routes = new Map<string, Route>();
  readonly #options: ServiceDispatcherOptions;

  constructor(endpoints: readonly ServiceEndpoint[], options: ServiceDispatcherOptions = {}) {
    for (const endpoint of endpoints) {
      for (const op of endpoint.contract.operations.values()) {
        if (this.#routes.has(op.action)) {
          throw new SoapError(SoapErrorCodes.INVALID_CONTRACT, `Two operations handle the action '${op.action}'. Each action must map to one operation.`);
        }
        this.#routes.set(op.action, { endpoint, op });
      }
    }
    this.#options = options;
  }

  /**
   * Serves one session until the peer ends it. Resolves when the channel's messages end. Rejects
   * with a SoapError when a message cannot be decoded at all (malformed binary XML, a quota
   * exceeded, a broken session dictionary): the session cannot continue, and the caller should
   * abort the connection. Faults for individual requests do not end the session.
   */
  async serve(channel: MessageChannel, options: ServeOptions = {}): Promise<void> {
    const encoder = new BinarySessionEncoder({
      ...(this.#options.quotas ? { quotas: this.#options.quotas } : {}),
      ...(this.#options.writerSessionSize !== undefined ? { writerSessionSize: this.#options.writerSessionSize } : {}),
    });
    const session = options.session ?? {};
    const signal = options.signal;
    const messages = channel[Symbol.asyncIterator]();
    // Resolves when the signal fires, so that waiting for the next request ends at once.
    const stopped =
      signal === undefined
        ? undefined
        : new Promise<'stopped'>((resolve) => {
            if (signal.aborted) resolve('stopped');
            else signal.addEventListener('abort', () => resolve('stopped'), { once: true });
          });
    for (;;) {
      if (signal?.aborted === true) return;
      const next = await (stopped === undefined ? messages.next() : Promise.race([messages.next(), stopped]));
      if (next === 'stopped' || next.done === true) return;
      let env: IncomingEnvelope;
      try {
        env = parseEnvelope(encoder.decode(next.value));
      } catch (err) {
        this.#report(err, undefined, undefined, session);
        throw err;
      }
      await this.#handle(env, encoder, channel, session);
    }
  }

  #report(err: unknown, action: string | undefined, operation: string | undefined, session: SessionDescription): void {
    try {
      this.#options.onError?.(err, { action, operation, session });
    } catch {
      // A failing error callback must not take the session down.
    }
  }

  async #handle(env: IncomingEnvelope, encoder: BinarySessionEncoder, channel: MessageChannel, session: SessionDescription): Promise<void> {
    const lang = this.#options.faultLanguage ?? 'en-US';
    const action = env.action ?? '';
    const route = this.#routes.get(action);
    if (!route) {
      const f = actionNotSupportedFault(action, lang);
      await this.#send(channel, encoder, env, session, f.action, [buildFault(f.fault)]);
      return;
    }
    const { op, endpoint } = route;
    let args: unknown[];
    try {
      args = parseRequestBody(op, env.body);
    } catch (err) {
      this.#report(err, action, op.name, session);
      if (!op.oneWay) {
        const f = deserializationFailedFault(err instanceof Error ? err.message : String(err), lang);
        await this.#send(channel, encoder, env, session, f.action, [buildFault(f.fault)]);
      }
      return;
    }
    const fn = (endpoint.implementation as Record<string, (...a: unknown[]) => unknown>)[op.name] as (...a: unknown[]) => unknown;
    let result: unknown;
    try {
      const context = new OperationContext(channel, session, action, env.messageId);
      result = await context.run(() => fn.apply(endpoint.implementation, args));
    } catch (err) {
      if (op.oneWay) {
        this.#report(err, action, op.name, session);
        return;
      }
      await this.#sendError(err, op, env, encoder, channel, lang, session);
      return;
    }
    if (op.oneWay) return;
    let body: XmlNode[];
    try {
      body = [buildReplyBody(op, result)];
    } catch (err) {
      // The operation returned something its contract cannot carry: a server-side bug, sent as WCF sends any unhandled error.
      await this.#sendError(err, op, env, encoder, channel, lang, session);
      return;
    }
    await this.#send(channel, encoder, env, session, op.replyAction, body, op);
  }

  async #sendError(
    err: unknown,
    op: OperationDescription,
    env: IncomingEnvelope,
    encoder: BinarySessionEncoder,
    channel: MessageChannel,
    lang: string,
    session: SessionDescription,
  ): Promise<void> {
    if (err instanceof FaultException) {
      const typed = this.#faultFor(err, op, lang);
      if (typed) {
        await this.#send(channel, encoder, env, session, typed.action, [buildFault(typed.fault)], op);
        return;
      }
    }
    this.#report(err, env.action, op.name, session);
    const f = internalServiceFault(lang);
    await this.#send(channel, encoder, env, session, f.action, [buildFault(f.fault)]);
  }

  /** The fault a FaultException stands for, or undefined if its detail cannot be sent (then it is an internal error). */
  #faultFor(err: FaultException, op: OperationDescription, lang: string): { fault: MessageFault; action: string } | undefined {
    const base = { code: err.faultCode, reason: err.reason, lang: err.lang ?? lang };
    if (err.detail === undefined) return { fault: base, action: err.action ?? Addressing.soapFaultAction };
    const declared = err.detailType
      ? op.faults.find((f) => f.detailType === err.detailType)
      : op.faults.length === 1
        ? op.faults[0]
        : undefined;
    const detailType = err.detailType ?? declared?.detailType;
    if (!detailType) return undefined;
    try {
      const detail = buildFaultDetail(detailType, err.detail);
      const action = err.action ?? declared?.action ?? `${defaultAction(op.namespace, op.contract, op.name)}${detailType.name}Fault`;
      return { fault: { ...base, detail }, action };
    } catch {
      return undefined;
    }
  }

  /** Writes a reply (or fault) to `env`. */
  async #send(
    channel: MessageChannel,
    encoder: BinarySessionEncoder,
    env: IncomingEnvelope,
    session: SessionDescription,
    action: string,
    body: XmlNode[],
    op?: OperationDescription,
  ): Promise<void> {
    const headers = {
      action,
      // .NET stamps replies with To = the request's reply address, anonymous on net.tcp (soap-shapes.md §2.2).
      to: env.replyTo ?? Addressing.anonymous,
      ...(env.messageId !== undefined ? { relatesTo: env.messageId } : {}),
    };
    let payload: Buffer;
    try {
      payload = encoder.encode(buildEnvelope({ ...headers, body }));
    } catch (err) {
      if (op === undefined) throw err;
      // The reply could not be encoded (an invalid value deep in the result): send the internal fault instead.
      this.#report(err, env.action, op.name, session);
      const f = internalServiceFault(this.#options.faultLanguage ?? 'en-US');
      payload = encoder.encode(buildEnvelope({ ...headers, action: f.action, body: [buildFault(f.fault)] }));
    }
    await channel.send(payload);
  }
}
