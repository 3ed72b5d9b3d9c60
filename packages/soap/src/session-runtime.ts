/**
 * One session as the message layer runs it, on either side: the session's encoder (its
 * dictionaries both ways), the calls this side makes ({@link OutgoingCalls}) and the requests it
 * serves (the service's operations; on a duplex client, the callback contract's).
 *
 * The read loop reads every message and sorts it: a reply goes to the call it answers at once, a
 * request joins the queue that is served one at a time, in order (WCF's ConcurrencyMode.Single
 * for a PerSession service). Reading goes on while an operation runs only as far as needed: one
 * request may wait behind the one being served, unless this side is waiting for replies itself
 * (an operation calling back its client and awaiting the answer), when reading continues up to
 * `maxQueuedRequests` queued requests; one more ends the session.
 *
 * A streamed channel (singleton mode, streamed transfer) carries one message each way; its
 * `stream` part, if any, is handed to the operation (or, on a client, to the caller) as a Readable
 * while it arrives, and a `stream` result is written as it is read (streamed-body.ts).
 *
 * @module
 */

import type { MessageChannel } from './channel.js';
import { type OperationDescription, type ServiceContract, type ServiceImplementation, defaultAction } from './contract.js';
import { type IncomingEnvelope, buildEnvelope, notUnderstoodHeader, parseEnvelope } from './envelope.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import {
  FaultException,
  isFaultBody,
  type MessageFault,
  actionNotSupportedFault,
  buildFault,
  buildFaultDetail,
  deserializationFailedFault,
  internalServiceFault,
  mustUnderstandFault,
} from './fault.js';
import type { MessageEncoder } from './message-encoder.js';
import { Addressing } from './namespaces.js';
import { OperationContext, type SessionDescription } from './operation-context.js';
import { buildReplyBody, buildReplyMessage, parseRequestBody } from './operation-formatter.js';
import { declaresHeader, type MessageParts } from './message-contract.js';
import { OutgoingCalls, type OutgoingCallsOptions } from './outgoing-calls.js';
import {
  hasStreamReply,
  hasStreamRequest,
  newMarker,
  readAll,
  type StreamedHead,
  StreamedMessageReader,
  splitAroundMarker,
  streamedPieces,
} from './streamed-body.js';
import type { XmlElement, XmlNode } from './xml-node.js';

/** Default of `maxQueuedRequests`: requests read ahead while this side waits for replies. */
export const MAX_QUEUED_REQUESTS = 64;

/** A contract bound to what implements it: one object for every session, or one made per session. */
export interface ServiceEndpoint {
  readonly contract: ServiceContract;
  /** The object (`'single'`), or the function that makes one per session (`'perSession'`). */
  readonly implementation: object | ((context: OperationContext) => object);
  /** WCF's InstanceContextMode: `'single'` (one object) or `'perSession'` (one per session). */
  readonly instancing: 'single' | 'perSession';
}

/** What happened when `onError` is called. */
export interface DispatchErrorContext {
  readonly action: string | undefined;
  readonly operation: string | undefined;
  /** The session the request came on, as given to serve() (its id and the client's address). */
  readonly session: SessionDescription;
}

interface Route {
  readonly endpoint: ServiceEndpoint;
  readonly op: OperationDescription;
}

/** Operations by request Action. */
export class RequestRoutes {
  readonly #routes = new Map<string, Route>();

  constructor(endpoints: readonly ServiceEndpoint[]) {
    for (const endpoint of endpoints) {
      for (const op of endpoint.contract.operations.values()) {
        if (this.#routes.has(op.action)) {
          throw new SoapError(SoapErrorCodes.INVALID_CONTRACT, `Two operations handle the action '${op.action}'. Each action must map to one operation.`);
        }
        this.#routes.set(op.action, { endpoint, op });
      }
    }
  }

  get(action: string | undefined): Route | undefined {
    return action === undefined ? undefined : this.#routes.get(action);
  }

  /** True if some endpoint's contract names `callback` as its callback contract. */
  hasCallback(callback: ServiceContract): boolean {
    for (const route of this.#routes.values()) if (route.endpoint.contract.callbackContract === callback) return true;
    return false;
  }
}

/** Settings of one session's runtime. */
export interface SessionRuntimeOptions {
  /** The requests this side serves; none for a client without a callback implementation. */
  readonly routes: RequestRoutes | undefined;
  readonly calls: OutgoingCallsOptions;
  readonly session: SessionDescription;
  readonly faultLanguage: string;
  /** Errors that do not reach the peer as such (see ServiceDispatcherOptions.onError). */
  readonly onError: ((error: unknown, context: DispatchErrorContext) => void) | undefined;
  /** What an incoming message that is neither a reply nor a request we serve becomes. */
  readonly onUnexpected: (env: IncomingEnvelope) => void;
  /** Requests read ahead while this side waits for replies (default {@link MAX_QUEUED_REQUESTS}). */
  readonly maxQueuedRequests?: number | undefined;
}

/** @internal See the module comment. */
export class SessionRuntime {
  readonly channel: MessageChannel;
  readonly calls: OutgoingCalls;
  readonly #encoder: MessageEncoder;
  readonly #options: SessionRuntimeOptions;
  readonly #instances = new Map<ServiceEndpoint, object>();
  readonly #queue: { env: IncomingEnvelope; route: Route | undefined; unreadable: SoapError | undefined }[] = [];
  #serving = false;
  #idle: Promise<void> = Promise.resolve();
  #wake: (() => void) | undefined;

  constructor(channel: MessageChannel, encoder: MessageEncoder, options: SessionRuntimeOptions) {
    this.channel = channel;
    this.#encoder = encoder;
    this.#options = options;
    this.calls = new OutgoingCalls(channel, encoder, {
      ...options.calls,
      // An operation that calls back and waits must let the read loop go on to its reply.
      onWaiting: () => {
        options.calls.onWaiting?.();
        this.#wakeReader();
      },
    });
  }

  /** The session description given by the host. */
  get session(): SessionDescription {
    return this.#options.session;
  }

  /**
   * Reads and serves until the channel ends (resolves), the signal stops it (the request being
   * served is finished, later ones are not read; resolves), or a message cannot be decoded at
   * all (rejects with the SoapError: abort the connection). Calls still waiting then fail.
   */
  async run(signal?: AbortSignal): Promise<void> {
    if (this.channel.streamed === true) return this.#runStreamed(signal);
    const messages = this.channel[Symbol.asyncIterator]();
    const stopped =
      signal === undefined
        ? undefined
        : new Promise<'stopped'>((resolve) => {
            if (signal.aborted) resolve('stopped');
            else signal.addEventListener('abort', () => resolve('stopped'), { once: true });
          });
    let failure: unknown;
    try {
      for (;;) {
        if (isAborted(signal)) break;
        await this.#roomToRead(signal, stopped);
        if (isAborted(signal)) break;
        const next = await (stopped === undefined ? messages.next() : Promise.race([messages.next(), stopped]));
        if (next === 'stopped' || next.done === true) break;
        let env: IncomingEnvelope;
        let unreadable: SoapError | undefined;
        try {
          const decoded = this.#encoder.decodeMessage(next.value);
          env = parseEnvelope(decoded.nodes);
          unreadable = decoded.quotaError;
        } catch (err) {
          this.#report(err, undefined, undefined);
          failure = err;
          break;
        }
        const route = this.#options.routes?.get(env.action);
        // Without RelatesTo a message is a request — one we serve, or (on the serving side) one
        // to answer with ActionNotSupported — unless it is a fault: Mono sends faults without
        // RelatesTo, in the order of the calls they answer.
        const isRequest = route !== undefined || (this.#options.routes !== undefined && !isFaultBody(env.body));
        if (unreadable !== undefined) {
          // A reader quota exceeded fails this message only, as in WCF (quotas.ts QUOTA_ERROR_CODES).
          this.#report(unreadable, env.action, route?.op.name);
          if (this.calls.failReply(env, isRequest, unreadable)) continue;
        } else if (this.calls.takeReply(env, isRequest)) {
          continue;
        }
        if (this.#options.routes === undefined) {
          this.#options.onUnexpected(env);
          continue;
        }
        const limit = this.#options.maxQueuedRequests ?? MAX_QUEUED_REQUESTS;
        if (this.#queue.length >= limit) {
          failure = new SoapError(
            SoapErrorCodes.UNEXPECTED_MESSAGE,
            `More than ${limit} requests (maxQueuedRequests) arrived on the session with ${this.channel.via} while an operation waited for a callback's reply; the session was ended. Clients should wait for replies before sending more, or raise maxQueuedRequests.`,
          );
          this.#report(failure, env.action, route?.op.name);
          break;
        }
        this.#queue.push({ env, route, unreadable });
        this.#serveQueue();
      }
    } catch (err) {
      failure = err;
    }
    // Stopped: what was read but not begun is not served (the old loop would not have read it).
    if (isAborted(signal) || failure !== undefined) this.#queue.length = 0;
    this.#closeCalls(failure);
    // The requests read so far are answered (unless stopped or failed).
    await this.#idle;
    if (failure !== undefined) throw failure;
  }

  /** Nothing is read any more, so no reply can arrive: the calls still waiting (an operation's callback among them) fail now rather than at their timeout. */
  #closeCalls(failure: unknown): void {
    this.calls.close(
      failure instanceof SoapError
        ? failure
        : failure !== undefined
          ? new SoapError(SoapErrorCodes.CHANNEL_CLOSED, `The channel failed: ${(failure as Error)?.message ?? String(failure)}`, { cause: failure })
          : new SoapError(SoapErrorCodes.CHANNEL_CLOSED, 'The session has ended, so no more replies can arrive. Open a new channel for further calls.'),
    );
  }

  /** The one message of a streamed channel; see the module comment. */
  async #runStreamed(signal: AbortSignal | undefined): Promise<void> {
    const reader = new StreamedMessageReader(this.channel[Symbol.asyncIterator](), {
      quotas: this.#encoder.quotas,
      decode: (payload) => this.#encoder.decode(payload),
      binary: this.#encoder.streamable,
    });
    let failure: unknown;
    try {
      const head = isAborted(signal) ? null : await reader.readHead();
      if (head !== null) await this.#dispatchStreamed(head, reader);
    } catch (err) {
      this.#report(err, undefined, undefined);
      failure = err;
    }
    this.#closeCalls(failure);
    if (failure !== undefined) throw failure;
  }

  async #dispatchStreamed(head: StreamedHead, reader: StreamedMessageReader): Promise<void> {
    const routes = this.#options.routes;
    let env = head.env;
    const route = routes?.get(env.action);
    if (route !== undefined && hasStreamRequest(route.op) && isStreamedPart(head, route.op.name, route.op.params[0]?.name, route.op.namespace)) {
      await this.#handle(env, route, { streamed: reader });
      return;
    }
    const replyOp = route === undefined ? this.calls.replyOperation(env) : undefined;
    if (replyOp !== undefined && hasStreamReply(replyOp) && isStreamedPart(head, `${replyOp.name}Response`, `${replyOp.name}Result`, replyOp.namespace)) {
      // The caller reads the result as it arrives; the session's read ends with it.
      this.calls.takeReply(env, false, reader.body());
      await reader.settled();
      if (reader.failure !== undefined) throw reader.failure;
      return;
    }
    if (head.streamedPart !== undefined) env = await reader.readWhole();
    const isRequest = route !== undefined || (routes !== undefined && !isFaultBody(env.body));
    if (this.calls.takeReply(env, isRequest)) return;
    if (routes === undefined) {
      this.#options.onUnexpected(env);
      return;
    }
    await this.#handle(env, route);
  }
  /** Waits while a request is queued behind the one being served and no reply is awaited. */
  async #roomToRead(signal: AbortSignal | undefined, stopped: Promise<'stopped'> | undefined): Promise<void> {
    while (this.#queue.length > 0 && this.calls.waiting === 0 && signal?.aborted !== true) {
      const woken = new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      await (stopped === undefined ? woken : Promise.race([woken, stopped]));
      this.#wake = undefined;
    }
  }

  #wakeReader(): void {
    this.#wake?.();
  }

  #serveQueue(): void {
    if (this.#serving) return;
    this.#serving = true;
    this.#idle = (async () => {
      try {
        for (;;) {
          const item = this.#queue.shift();
          if (item === undefined) break;
          this.#wakeReader();
          await this.#handle(item.env, item.route, { unreadable: item.unreadable });
        }
      } finally {
        this.#serving = false;
        this.#wakeReader();
      }
    })();
  }

  #report(err: unknown, action: string | undefined, operation: string | undefined): void {
    try {
      this.#options.onError?.(err, { action, operation, session: this.#options.session });
    } catch {
      // A failing error callback must not take the session down.
    }
  }

  #instanceOf(endpoint: ServiceEndpoint, context: OperationContext): object {
    if (endpoint.instancing === 'single') return endpoint.implementation as object;
    let instance = this.#instances.get(endpoint);
    if (instance === undefined) {
      // WCF's InstanceContextMode.PerSession: made at the session's first call, with its context.
      instance = context.run(() => (endpoint.implementation as (context: OperationContext) => object)(context));
      this.#instances.set(endpoint, instance);
    }
    return instance;
  }

  /**
   * Serves one request. With `streamed`, the request's stream part is read by the operation as it
   * arrives; whatever it leaves unread is read (and dropped) before the reply, so that a client
   * still writing its request is not blocked while this side writes — unless the reply is that
   * very stream (an echo), which the reply then reads.
   */
  async #handle(
    env: IncomingEnvelope,
    route: Route | undefined,
    { streamed, unreadable }: { streamed?: StreamedMessageReader; unreadable?: SoapError | undefined } = {},
  ): Promise<void> {
    const lang = this.#options.faultLanguage;
    const action = env.action ?? '';
    const notUnderstood = notUnderstoodHeader(env, (h) => declaresHeader(route?.op.messageContracts?.request, h));
    if (notUnderstood !== undefined) {
      // SOAP 1.2 part 1, 5.2.3: a mustUnderstand header not understood stops the message before
      // its body is processed. One-way requests get no fault (there is nowhere to send it).
      const f = mustUnderstandFault(notUnderstood, lang);
      this.#report(new SoapError(SoapErrorCodes.UNEXPECTED_MESSAGE, f.fault.reason), action, route?.op.name);
      if (route === undefined || !route.op.oneWay) await this.#send(env, f.action, [buildFault(f.fault)], undefined, f.headers);
      if (streamed !== undefined) await streamed.finish();
      return;
    }
    if (!route) {
      const f = actionNotSupportedFault(action, lang);
      await this.#send(env, f.action, [buildFault(f.fault)]);
      return;
    }
    const { op, endpoint } = route;
    if (unreadable !== undefined) {
      // Reported when it was read; the client gets the fault WCF's formatter sends.
      if (!op.oneWay) {
        const f = deserializationFailedFault(unreadable.message, lang);
        await this.#send(env, f.action, [buildFault(f.fault)]);
      }
      return;
    }
    let args: unknown[];
    try {
      args = streamed === undefined ? parseRequestBody(op, env.body, env.headers) : [streamed.body()];
    } catch (err) {
      this.#report(err, action, op.name);
      if (!op.oneWay) {
        const f = deserializationFailedFault(err instanceof Error ? err.message : String(err), lang);
        await this.#send(env, f.action, [buildFault(f.fault)]);
      }
      return;
    }
    let result: unknown;
    try {
      const context = new OperationContext(this, endpoint.contract, action, env.messageId);

      const instance = this.#instanceOf(endpoint, context);
      const fn = (instance as Record<string, (...a: unknown[]) => unknown>)[op.name];
      if (typeof fn !== 'function') {
        throw new SoapError(SoapErrorCodes.INVALID_CONTRACT, `The implementation of '${endpoint.contract.name}' has no function '${op.name}'. Implement every operation.`);
      }
      result = await context.run(() => fn.apply(instance, args));
    } catch (err) {
      if (streamed !== undefined) await this.#finishRequest(streamed);
      if (op.oneWay) {
        this.#report(err, action, op.name);
        return;
      }
      await this.#sendError(err, op, env);
      return;
    }
    // Only a streamed request has anything left to read (and no await otherwise: a burst of
    // one-way requests is served as fast as it is read). A stream reply may be made from the
    // request's stream (an echo, a pipe, a generator over it): it is written first and the request
    // finished after, as WCF closes the request message after the reply.
    const streamReply = !op.oneWay && hasStreamReply(op) && this.#streams;
    if (streamed !== undefined && !streamReply) await this.#finishRequest(streamed);
    if (op.oneWay) return;
    if (hasStreamReply(op)) {
      if (this.#streams) {
        await this.#sendStreamedReply(env, op, result);
        if (streamed !== undefined) await this.#finishRequest(streamed);
        return;
      }
      try {
        result = await readAll(result, `${op.name}Result`);
      } catch (err) {
        await this.#sendError(err, op, env);
        return;
      }
    }
    let reply: MessageParts;
    try {
      reply = buildReplyMessage(op, result);
    } catch (err) {
      // The operation returned something its contract cannot carry: a server-side bug, sent as WCF sends any unhandled error.
      await this.#sendError(err, op, env);
      return;
    }
    await this.#send(env, op.replyAction, [...reply.body], op, [...reply.headers]);
  }

  /** True when a `stream` result is written as it is read (see streamed-body.ts). */
  get #streams(): boolean {
    return this.channel.streamed === true && this.channel.sendStreamed !== undefined && this.#encoder.streamable;
  }

  /** Reads the rest of a streamed request (see #handle). A request that turned out malformed ends the session. */
  async #finishRequest(streamed: StreamedMessageReader): Promise<void> {
    await streamed.finish();
    if (streamed.failure !== undefined) throw streamed.failure;
  }

  /** Writes a reply whose result is a stream, as the stream produces it. */
  async #sendStreamedReply(env: IncomingEnvelope, op: OperationDescription, result: unknown): Promise<void> {
    const marker = newMarker();
    let encoded: Buffer;
    try {
      encoded = this.#encoder.encode(buildEnvelope({ ...replyHeaders(env, op.replyAction), body: [buildReplyBody(op, marker)] }));
    } catch (err) {
      await this.#sendError(err, op, env);
      return;
    }
    const { prefix, suffix } = splitAroundMarker(encoded, marker);
    try {
      await this.channel.sendStreamed?.(streamedPieces(prefix, result, suffix, `${op.name}Result`));
    } catch (err) {
      // The reply was cut short: the session is aborted (the client sees the connection close
      // inside the message); the cause is the operation's stream.
      this.#report(err, env.action, op.name);
      throw err;
    }
  }

  async #sendError(err: unknown, op: OperationDescription, env: IncomingEnvelope): Promise<void> {
    const lang = this.#options.faultLanguage;
    if (err instanceof FaultException) {
      const typed = faultFor(err, op, lang);
      if (typed) {
        await this.#send(env, typed.action, [buildFault(typed.fault)], op);
        return;
      }
    }
    this.#report(err, env.action, op.name);
    const f = internalServiceFault(lang);
    await this.#send(env, f.action, [buildFault(f.fault)]);
  }

  /** Writes a reply (or fault) to `env`. */
  async #send(env: IncomingEnvelope, action: string, body: XmlNode[], op?: OperationDescription, extraHeaders?: XmlElement[]): Promise<void> {
    const headers = { ...replyHeaders(env, action), ...(extraHeaders === undefined ? {} : { headers: extraHeaders }) };
    let payload: Buffer;
    try {
      payload = this.#encoder.encode(buildEnvelope({ ...headers, body }));
    } catch (err) {
      if (op === undefined) throw err;
      // The reply could not be encoded (an invalid value deep in the result): send the internal fault instead.
      this.#report(err, env.action, op.name);
      const f = internalServiceFault(this.#options.faultLanguage);
      payload = this.#encoder.encode(buildEnvelope({ ...replyHeaders(env, f.action), body: [buildFault(f.fault)] }));
    }
    await this.channel.send(payload);
  }
}

/** The addressing headers of a reply to `env`. */
function replyHeaders(env: IncomingEnvelope, action: string): { action: string; to: string; relatesTo?: string } {
  return {
    action,
    // .NET stamps replies with To = the request's reply address, anonymous on net.tcp (docs/protocol.md §10).
    to: env.replyTo ?? Addressing.anonymous,
    ...(env.messageId !== undefined ? { relatesTo: env.messageId } : {}),
  };
}

/** True when the head stopped at the content of part `part` of wrapper `wrapper` in `namespace`. */
function isStreamedPart(head: StreamedHead, wrapper: string, part: string | undefined, namespace: string): boolean {
  return (
    head.streamedPart !== undefined &&
    head.wrapper !== undefined &&
    head.wrapper.localName === wrapper &&
    head.wrapper.namespaceUri === namespace &&
    head.streamedPart.localName === part &&
    head.streamedPart.namespaceUri === namespace
  );
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** The fault a FaultException stands for, or undefined if its detail cannot be sent (then it is an internal error). */
function faultFor(err: FaultException, op: OperationDescription, lang: string): { fault: MessageFault; action: string } | undefined {
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

/** Binds an implementation (one object for every session) to a contract, type-checking it against the contract's operations. */
export function implement<C extends ServiceContract>(contract: C, implementation: ServiceImplementation<C>): ServiceEndpoint {
  for (const name of contract.operations.keys()) {
    if (typeof (implementation as Record<string, unknown>)[name] !== 'function') {
      throw new SoapError(SoapErrorCodes.INVALID_CONTRACT, `The implementation of '${contract.name}' has no function '${name}'. Implement every operation.`);
    }
  }
  return { contract, implementation: implementation as object, instancing: 'single' };
}

/**
 * Binds a contract to a factory called once per session, at its first call (WCF's
 * InstanceContextMode.PerSession, the default for sessionful contracts): state kept on the object
 * is the session's. The factory runs with the session's OperationContext current, so it can take
 * the callback channel of a duplex contract.
 */
export function implementPerSession<C extends ServiceContract>(
  contract: C,
  factory: (context: OperationContext) => ServiceImplementation<C>,
): ServiceEndpoint {
  if (typeof factory !== 'function') {
    throw new SoapError(SoapErrorCodes.INVALID_CONTRACT, `implementPerSession needs a function that makes the implementation of '${contract.name}' for one session.`);
  }
  return { contract, implementation: factory as (context: OperationContext) => object, instancing: 'perSession' };
}
