/**
 * The service side of the message layer: contracts bound to implementations, served over
 * sessions. Each session runs in a {@link SessionRuntime}: requests one at a time, in order, by
 * Action to the operation; replies and faults as WCF writes them; on a duplex contract, the
 * callback channel back to the client over the same session.
 *
 * @module
 */

import type { MessageChannel } from './channel.js';
import { encoderFor } from './encoding.js';
import { Addressing } from './namespaces.js';
import type { SessionDescription } from './operation-context.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import type { ReaderQuotas } from './quotas.js';
import { type DispatchErrorContext, RequestRoutes, type ServiceEndpoint, SessionRuntime } from './session-runtime.js';

export { implement, implementPerSession, type DispatchErrorContext, type ServiceEndpoint } from './session-runtime.js';

export interface ServiceDispatcherOptions {
  /** Limits on received messages; missing ones take .NET's defaults (docs/protocol.md §16). */
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
  /** Milliseconds a two-way callback waits for the client's reply; default 60000, WCF's SendTimeout. */
  readonly callbackTimeout?: number;
  /**
   * Requests of one session read ahead while an operation waits for a callback's reply (default
   * 64); one more ends the session with SOAP_ERR_UNEXPECTED_MESSAGE. Without a callback waiting,
   * at most one request is read ahead.
   */
  readonly maxQueuedRequests?: number;
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

/**
 * Serves contract implementations over sessions: reads each request envelope, dispatches it by
 * Action to the matching operation, and writes the reply (or fault). Requests of one session are
 * handled one at a time, in order, as WCF does for a PerSession/Single service.
 */
export class ServiceDispatcher {
  readonly #routes: RequestRoutes;
  readonly #options: ServiceDispatcherOptions;

  constructor(endpoints: readonly ServiceEndpoint[], options: ServiceDispatcherOptions = {}) {
    this.#routes = new RequestRoutes(endpoints);
    const limit = options.maxQueuedRequests;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      throw new SoapError(SoapErrorCodes.INVALID_VALUE, `maxQueuedRequests is ${limit}; it must be a whole number of at least 1.`);
    }
    this.#options = options;
  }

  /**
   * Serves one session until the peer ends it. Resolves when the channel's messages end. Rejects
   * with a SoapError when a message cannot be decoded at all (malformed binary XML, a quota
   * exceeded, a broken session dictionary): the session cannot continue, and the caller should
   * abort the connection. Faults for individual requests do not end the session.
   */
  serve(channel: MessageChannel, options: ServeOptions = {}): Promise<void> {
    const encoder = encoderFor(channel.encoding, { quotas: this.#options.quotas, writerSessionSize: this.#options.writerSessionSize });
    const onError = this.#options.onError;
    const maxQueuedRequests = this.#options.maxQueuedRequests;
    const runtime = new SessionRuntime(channel, encoder, {
      routes: this.#routes,
      // Callbacks go to the client's anonymous reply address, as WCF's duplex channel sends them.
      calls: { to: Addressing.anonymous, operationTimeout: this.#options.callbackTimeout },
      session: options.session ?? {},
      faultLanguage: this.#options.faultLanguage ?? 'en-US',
      onError,
      onUnexpected: () => {},
      maxQueuedRequests,
    });
    return runtime.run(options.signal);
  }
}
