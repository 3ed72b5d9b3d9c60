import { randomUUID } from 'node:crypto';
import type { MessageChannel } from './channel.js';
import type { ClientProxy, OperationDescription, ServiceContract } from './contract.js';
import { type IncomingEnvelope, buildEnvelope, parseEnvelope } from './envelope.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import { FaultException, isFaultBody, parseFault, readFaultDetail } from './fault.js';
import { BinarySessionEncoder } from './message-encoder.js';
import { Addressing } from './namespaces.js';
import { buildRequestBody, parseReplyBody } from './operation-formatter.js';
import type { ReaderQuotas } from './quotas.js';
import type { DataContract } from './types.js';
import type { XmlElement } from './xml-node.js';

export interface ClientOptions {
  /** The `a:To` header; default the channel's Via. */
  readonly to?: string;
  /** Limits on received messages; missing ones take .NET's defaults (binary-soap.md §10). */
  readonly quotas?: Partial<ReaderQuotas>;
  /** Most session-string bytes sent to the service per connection; default 2048 (the peer's MaxSessionSize). */
  readonly writerSessionSize?: number;
  /** Milliseconds a two-way call waits for its reply; default 60000, WCF's SendTimeout. */
  readonly operationTimeout?: number;
  /** Makes MessageIDs; default `urn:uuid:` + a random UUID. */
  readonly messageId?: () => string;
  /** Called with replies that match no outstanding call (for example one that arrives after its call timed out). */
  readonly onError?: (error: SoapError) => void;
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

/** The engine behind a proxy: one per channel. */
class ServiceClient {
  readonly #contract: ServiceContract;
  readonly #channel: MessageChannel;
  readonly #options: ClientOptions;
  readonly #encoder: BinarySessionEncoder;
  readonly #byId = new Map<string, Pending>();
  /** Two-way calls in send order, for replies without RelatesTo (Mono's faults, binary-soap.md §11). */
  readonly #order: Pending[] = [];
  #reading = false;
  #closed: SoapError | undefined;

  constructor(contract: ServiceContract, channel: MessageChannel, options: ClientOptions) {
    this.#contract = contract;
    this.#channel = channel;
    this.#options = options;
    this.#encoder = new BinarySessionEncoder({
      ...(options.quotas ? { quotas: options.quotas } : {}),
      ...(options.writerSessionSize !== undefined ? { writerSessionSize: options.writerSessionSize } : {}),
    });
  }

  async call(name: string, args: readonly unknown[]): Promise<unknown> {
    const op = this.#contract.operations.get(name) as OperationDescription;
    if (this.#closed) throw this.#closed;
    const to = this.#options.to ?? this.#channel.via;
    const body = [buildRequestBody(op, args)];
    if (op.oneWay) {
      // .NET's one-way request carries only Action and To (soap-shapes.md §2.3).
      await this.#channel.send(this.#encoder.encode(buildEnvelope({ action: op.action, to, body })));
      return undefined;
    }
    const messageId = this.#options.messageId?.() ?? `urn:uuid:${randomUUID()}`;
    const payload = this.#encoder.encode(buildEnvelope({ action: op.action, messageId, replyTo: Addressing.anonymous, to, body }));
    const result = new Promise<unknown>((resolve, reject) => {
      const p: Pending = { op, messageId, settled: false, resolve, reject, timer: undefined };
      const timeout = this.#options.operationTimeout ?? DEFAULT_OPERATION_TIMEOUT;
      p.timer = setTimeout(() => {
        this.#settle(p, () =>
          reject(
            new SoapError(
              SoapErrorCodes.TIMEOUT,
              `${op.name} got no reply within ${timeout} ms (operationTimeout). The service may be busy or gone; raise operationTimeout for long operations.`,
            ),
          ),
        );
      }, timeout);
      this.#byId.set(messageId, p);
      this.#order.push(p);
    });
    this.#startReading();
    try {
      await this.#channel.send(payload);
    } catch (err) {
      const p = this.#byId.get(messageId);
      if (p) this.#settle(p, () => p.reject(err));
    }
    return result;
  }

  /** Marks a call settled (its slot stays in #order so in-order replies stay aligned). */
  #settle(p: Pending, finish: () => void): void {
    if (p.settled) return;
    p.settled = true;
    if (p.timer) clearTimeout(p.timer);
    this.#byId.delete(p.messageId);
    finish();
  }

  #startReading(): void {
    if (this.#reading) return;
    this.#reading = true;
    void this.#readLoop();
  }

  async #readLoop(): Promise<void> {
    let failure: SoapError | undefined;
    try {
      for await (const payload of this.#channel) {
        this.#onMessage(parseEnvelope(this.#encoder.decode(payload)));
      }
    } catch (err) {
      failure =
        err instanceof SoapError
          ? err
          : new SoapError(SoapErrorCodes.CHANNEL_CLOSED, `The channel failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
    this.#closed =
      failure ??
      new SoapError(SoapErrorCodes.CHANNEL_CLOSED, 'The session has ended, so no more replies can arrive. Open a new channel for further calls.');
    // The service ended the session (its End record): answer with ours, as a WCF client's channel
    // does when the service closes it, so that the service's close is not left waiting.
    if (failure === undefined) this.#channel.close().catch(() => {});
    for (const p of this.#order.splice(0)) this.#settle(p, () => p.reject(this.#closed));
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

  #onMessage(env: IncomingEnvelope): void {
    const p = this.#take(env);
    if (!p) {
      this.#options.onError?.(
        new SoapError(
          SoapErrorCodes.UNEXPECTED_MESSAGE,
          `A message with Action '${env.action ?? ''}' and RelatesTo '${env.relatesTo ?? ''}' matches no outstanding call; it was dropped.`,
        ),
      );
      return;
    }
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
      const value = parseReplyBody(p.op, env.body);
      this.#settle(p, () => p.resolve(value));
    } catch (err) {
      this.#settle(p, () => p.reject(err));
    }
  }
}

/**
 * A typed client for `contract` over `channel`: one async method per operation.
 *
 * ```ts
 * const calc = createClient(ICalculator, channel);
 * const sum = await calc.Add(100, 15.99);
 * ```
 *
 * Faults are thrown as FaultException (with the typed detail when the operation declares it).
 * Replies are matched by RelatesTo, or in order when a peer omits it. Close the channel to end the
 * session; calls still waiting then fail with SOAP_ERR_CHANNEL_CLOSED.
 */
export function createClient<C extends ServiceContract>(contract: C, channel: MessageChannel, options: ClientOptions = {}): ClientProxy<C> {
  const client = new ServiceClient(contract, channel, options);
  const proxy: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of contract.operations.keys()) {
    proxy[name] = (...args: unknown[]) => client.call(name, args);
  }
  return proxy as ClientProxy<C>;
}
