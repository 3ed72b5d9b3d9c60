/**
 * Calls this side makes on a session, and the replies that answer them: the client's calls to a
 * service, and on a duplex session the service's calls back to its client. One per session,
 * sharing the session's encoder (its dictionaries) with the requests flowing the other way.
 *
 * @module
 */

import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { MessageChannel } from './channel.js';
import type { OperationDescription, ServiceContractShape } from './contract.js';
import { type IncomingEnvelope, buildEnvelope } from './envelope.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import { FaultException, isFaultBody, parseFault, readFaultDetail } from './fault.js';
import type { MessageEncoder } from './message-encoder.js';
import { Addressing } from './namespaces.js';
import { buildRequestMessage, parseReplyBody } from './operation-formatter.js';
import { hasStreamReply, hasStreamRequest, newMarker, readAll, splitAroundMarker, streamedPieces } from './streamed-body.js';
import type { DataContract } from './types.js';
import type { XmlElement } from './xml-node.js';

/** Settings of the calls made on one session. */
export interface OutgoingCallsOptions {
  /** The `a:To` header of requests. */
  readonly to: string;
  /** Milliseconds a two-way call waits for its reply; default 60000, WCF's SendTimeout. */
  readonly operationTimeout?: number | undefined;
  /** Makes MessageIDs; default `urn:uuid:` + a random UUID. */
  readonly messageId?: (() => string) | undefined;
  /** Called with replies that match no outstanding call (for example one that arrives after its call timed out). */
  readonly onError?: ((error: SoapError) => void) | undefined;
  /** Called when a two-way call starts waiting for its reply. */
  readonly onWaiting?: (() => void) | undefined;
}

interface Pending {
  readonly op: OperationDescription;
  readonly messageId: string;
  settled: boolean;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout | undefined;
}

const DEFAULT_OPERATION_TIMEOUT = 60_000;

/** The calls in flight on one session; see the module comment. */
export class OutgoingCalls {
  readonly #channel: MessageChannel;
  readonly #encoder: MessageEncoder;
  readonly #options: OutgoingCallsOptions;
  readonly #byId = new Map<string, Pending>();
  /** Two-way calls in send order, for replies without RelatesTo (Mono's faults, docs/protocol.md §12). */
  readonly #order: Pending[] = [];
  #closed: SoapError | undefined;

  constructor(channel: MessageChannel, encoder: MessageEncoder, options: OutgoingCallsOptions) {
    this.#channel = channel;
    this.#encoder = encoder;
    this.#options = options;
  }

  /** Two-way calls waiting for their reply. */
  get waiting(): number {
    return this.#byId.size;
  }

  /** True when a `stream` part is sent as it is read (see streamed-body.ts). */
  get #streams(): boolean {
    return this.#channel.streamed === true && this.#channel.sendStreamed !== undefined && this.#encoder.streamable;
  }

  /** Sends a request for `op`; resolves with the reply's value (void for one-way), rejects with its fault. */
  async call(op: OperationDescription, args: readonly unknown[]): Promise<unknown> {
    if (this.#closed) throw this.#closed;
    const to = this.#options.to;
    const streamed = hasStreamRequest(op) && this.#streams && args.length === 1;
    if (hasStreamRequest(op) && !streamed && args.length === 1) {
      // A buffered message carries the stream's bytes whole, as WCF's buffered transfer does.
      args = [await readAll(args[0], `${op.name}(${op.params[0]?.name ?? ''})`)];
    }
    const marker = streamed ? newMarker() : undefined;
    const message = buildRequestMessage(op, marker === undefined ? args : [marker]);
    const body = [...message.body];
    const headers = [...message.headers];
    const send = async (payload: Buffer): Promise<void> => {
      if (marker === undefined) {
        await this.#channel.send(payload);
        return;
      }
      const { prefix, suffix } = splitAroundMarker(payload, marker);
      await this.#channel.sendStreamed?.(streamedPieces(prefix, args[0], suffix, `${op.name}(${op.params[0]?.name ?? ''})`));
    };
    if (op.oneWay) {
      // .NET's one-way request carries only Action and To (docs/protocol.md §10).
      await send(this.#encoder.encode(buildEnvelope({ action: op.action, to, headers, body })));
      return undefined;
    }
    const messageId = this.#options.messageId?.() ?? `urn:uuid:${randomUUID()}`;
    const payload = this.#encoder.encode(buildEnvelope({ action: op.action, messageId, replyTo: Addressing.anonymous, to, headers, body }));
    const result = new Promise<unknown>((resolve, reject) => {
      const p: Pending = { op, messageId, settled: false, resolve, reject, timer: undefined };
      const timeout = this.#options.operationTimeout ?? DEFAULT_OPERATION_TIMEOUT;
      p.timer = setTimeout(() => {
        this.#settle(p, () =>
          reject(
            new SoapError(
              SoapErrorCodes.TIMEOUT,
              `${op.name} got no reply within ${timeout} ms (operationTimeout). The peer may be busy or gone; raise operationTimeout for long operations.`,
            ),
          ),
        );
      }, timeout);
      this.#byId.set(messageId, p);
      this.#order.push(p);
    });
    // The call may time out (or the session end) while a long streamed request is still being
    // sent: the caller only gets the promise afterwards, so mark it handled now (it still rejects).
    result.catch(() => {});
    this.#options.onWaiting?.();
    try {
      await send(payload);
    } catch (err) {
      const p = this.#byId.get(messageId);
      if (p) this.#settle(p, () => p.reject(err));
    }
    return result;
  }

  /**
   * Takes `env` if it answers one of our calls: by RelatesTo, or — for a message without
   * RelatesTo that is not a request the caller can route — the oldest call waiting (Mono sends
   * faults without RelatesTo, in request order). Returns false when the message is not a reply.
   */
  takeReply(env: IncomingEnvelope, isRequest: boolean, streamedResult?: Readable): boolean {
    if (env.relatesTo === undefined && isRequest) return false;
    const p = this.#take(env);
    if (!p) {
      this.#options.onError?.(
        new SoapError(
          SoapErrorCodes.UNEXPECTED_MESSAGE,
          `A message with Action '${env.action ?? ''}' and RelatesTo '${env.relatesTo ?? ''}' matches no outstanding call; it was dropped.`,
        ),
      );
      return true;
    }
    if (streamedResult !== undefined && hasStreamReply(p.op)) this.#settle(p, () => p.resolve(streamedResult));
    else this.#deliver(p, env);
    return true;
  }

  /**
   * Like takeReply, for a reply that could not be read (a reader quota exceeded): the call it
   * answers fails with `error`. Returns false when the message is not a reply.
   */
  failReply(env: IncomingEnvelope, isRequest: boolean, error: SoapError): boolean {
    if (env.relatesTo === undefined && isRequest) return false;
    const p = this.#take(env);
    if (p) this.#settle(p, () => p.reject(error));
    return true;
  }

  /** The operation `env` would answer, if it is a reply to a call waiting (nothing is taken). */
  replyOperation(env: IncomingEnvelope): OperationDescription | undefined {
    if (env.relatesTo !== undefined) return this.#byId.get(env.relatesTo)?.op;
    const p = this.#order[0];
    return p && !p.settled ? p.op : undefined;
  }

  /** The session ended: every call still waiting fails with `error`, and later calls at once. */
  close(error: SoapError): void {
    this.#closed ??= error;
    for (const p of this.#order.splice(0)) this.#settle(p, () => p.reject(this.#closed));
    for (const p of this.#byId.values()) this.#settle(p, () => p.reject(this.#closed));
  }

  /** Marks a call settled (its slot stays in #order so in-order replies stay aligned). */
  #settle(p: Pending, finish: () => void): void {
    if (p.settled) return;
    p.settled = true;
    if (p.timer) clearTimeout(p.timer);
    this.#byId.delete(p.messageId);
    finish();
  }

  #take(env: IncomingEnvelope): Pending | undefined {
    if (env.relatesTo !== undefined) {
      const p = this.#byId.get(env.relatesTo);
      const i = p ? this.#order.indexOf(p) : -1;
      if (i >= 0) this.#order.splice(i, 1);
      if (p) return p;
      // A late reply to a timed-out call: drop its slot so in-order matching stays aligned.
      const ghost = this.#order.findIndex((q) => q.messageId === env.relatesTo);
      if (ghost >= 0) this.#order.splice(ghost, 1);
      return undefined;
    }
    // No RelatesTo (Mono faults): replies come in request order on a session.
    const p = this.#order.shift();
    return p && !p.settled ? p : undefined;
  }

  #deliver(p: Pending, env: IncomingEnvelope): void {
    try {
      if (isFaultBody(env.body)) {
        const fault = parseFault(env.body[0] as XmlElement, [env.root, env.bodyElement]);
        let detail: unknown;
        let detailType: DataContract | undefined;
        if (fault.detail) {
          const d = fault.detail;
          const match = p.op.faults.find((f) => f.detailType.name === d.localName && f.detailType.namespace === d.namespaceUri);
          if (match) {
            detailType = match.detailType;
            detail = readFaultDetail(match.detailType, d);
          }
        }
        const ex = new FaultException(fault.reason, {
          code: fault.code,
          lang: fault.lang,
          ...(env.action !== undefined ? { action: env.action } : {}),
          ...(detail !== undefined ? { detail } : {}),
          ...(detailType ? { detailType } : {}),
          ...(fault.detail ? { detailElement: fault.detail } : {}),
        });
        this.#settle(p, () => p.reject(ex));
        return;
      }
      const value = parseReplyBody(p.op, env.body, env.headers);
      this.#settle(p, () => p.resolve(value));
    } catch (err) {
      this.#settle(p, () => p.reject(err));
    }
  }
}

/**
 * A typed proxy over `calls`: one async method per operation of `contract` (a client's proxy of
 * the service, or a service's proxy of its client's callback contract).
 */
export function proxyOf(contract: ServiceContractShape, calls: OutgoingCalls): Record<string, (...args: unknown[]) => Promise<unknown>> {
  const proxy: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, op] of contract.operations) {
    proxy[name] = (...args: unknown[]) => calls.call(op, args);
  }
  return proxy;
}
