/**
 * The client side of the message layer: a typed proxy over a session, and on a duplex contract
 * the callback contract's implementation, served over the same session (WCF's
 * DuplexChannelFactory with an InstanceContext).
 *
 * @module
 */

import type { MessageChannel } from './channel.js';
import type { ClientProxy, OperationDefinition, ServiceContract, ServiceImplementation } from './contract.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import { encoderFor } from './encoding.js';
import { proxyOf } from './outgoing-calls.js';
import type { ReaderQuotas } from './quotas.js';
import { type DispatchErrorContext, implement, RequestRoutes, SessionRuntime } from './session-runtime.js';

/** The implementation a duplex client supplies for its contract's callback contract. */
export type CallbackImplementation<C> =
  C extends ServiceContract<Record<string, OperationDefinition>, infer CB> ? (CB extends ServiceContract ? ServiceImplementation<CB> : never) : never;

export interface ClientOptions<C extends ServiceContract = ServiceContract> {
  /** The `a:To` header; default the channel's Via. */
  readonly to?: string;
  /** Limits on received messages; missing ones take .NET's defaults (docs/protocol.md §16). */
  readonly quotas?: Partial<ReaderQuotas>;
  /** Most session-string bytes sent to the service per connection; default 2048 (the peer's MaxSessionSize). */
  readonly writerSessionSize?: number;
  /** Milliseconds a two-way call waits for its reply; default 60000, WCF's SendTimeout. */
  readonly operationTimeout?: number;
  /** Makes MessageIDs; default `urn:uuid:` + a random UUID. */
  readonly messageId?: () => string;
  /** Called with replies that match no outstanding call (for example one that arrives after its call timed out). */
  readonly onError?: (error: SoapError) => void;
  /**
   * A duplex contract's callback implementation: the service's calls back arrive here, one at a
   * time, over the same session; two-way ones are answered with the returned value (or fault).
   * Required when the contract has a callback contract.
   */
  readonly callback?: CallbackImplementation<C>;
  /** Errors of callback operations that the service does not see as such (see ServiceDispatcherOptions.onError). */
  readonly onCallbackError?: (error: unknown, context: DispatchErrorContext) => void;
  /** `xml:lang` of the faults callback operations send; default `en-US`. */
  readonly faultLanguage?: string;
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
 * session; calls still waiting then fail with SOAP_ERR_CHANNEL_CLOSED. When the service ends the
 * session (its End record), the client answers End.
 */
export function createClient<C extends ServiceContract>(contract: C, channel: MessageChannel, options: ClientOptions<C> = {}): ClientProxy<C> {
  const callbackContract = contract.callbackContract;
  if (callbackContract !== undefined && options.callback === undefined) {
    throw new SoapError(
      SoapErrorCodes.INVALID_CONTRACT,
      `'${contract.name}' is a duplex contract: pass the implementation of its callback contract '${callbackContract.name}' as the callback option.`,
    );
  }
  if (callbackContract === undefined && options.callback !== undefined) {
    throw new SoapError(SoapErrorCodes.INVALID_CONTRACT, `'${contract.name}' has no callback contract, so the callback option has nothing to serve. Leave it out.`);
  }
  const encoder = encoderFor(channel.encoding, { quotas: options.quotas, writerSessionSize: options.writerSessionSize });
  const routes =
    callbackContract === undefined ? undefined : new RequestRoutes([implement(callbackContract, options.callback as ServiceImplementation<ServiceContract>)]);
  const runtime = new SessionRuntime(channel, encoder, {
    routes,
    calls: {
      to: options.to ?? channel.via,
      operationTimeout: options.operationTimeout,
      messageId: options.messageId,
      onError: options.onError,
      // The first two-way call starts the read loop (a client that only sends one-way messages
      // never reads).
      onWaiting: () => start(),
    },
    session: {},
    faultLanguage: options.faultLanguage ?? 'en-US',
    onError: options.onCallbackError,
    onUnexpected: () => {},
  });
  let started = false;
  const start = (): void => {
    if (started) return;
    started = true;
    runtime.run().then(
      // The service ended the session (its End record): answer with ours, as a WCF client's
      // channel does when the service closes it, so that the service's close is not left waiting.
      () => channel.close().catch(() => {}),
      () => {
        // The calls still waiting were failed with the reason; the session is over.
      },
    );
  };
  // A duplex client reads from the start: callbacks may come at any time.
  if (routes !== undefined) start();
  return proxyOf(contract, runtime.calls) as ClientProxy<C>;
}
