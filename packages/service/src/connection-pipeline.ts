import type { Socket } from 'node:net';
import { FaultUri } from '@portshare/framing';
import type { HandoffHeader } from '@portshare/control';
import type { Logger } from 'pino';
import type { Counters } from '@portshare/control';
import { dispatch, type DispatchContext } from './dispatcher.js';
import { sendFault } from './faults.js';
import type { Endpoint } from './listeners.js';
import type { Registration } from './registration.js';
import type { RoutingTable } from './routing-table.js';
import { sniffPreamble, type SniffOptions } from './sniffer.js';

export interface PipelineState {
  counters: Counters;
  routes: RoutingTable<Registration>;
  sniff: SniffOptions;
  dispatch: DispatchContext;
  maxPendingConnections: number;
  /** When full, a pending connection at least this old makes room for a new one. */
  pendingEvictionMinAgeMs: number;
  log: Logger;
  isPaused(): boolean;
}

/**
 * One accepted connection, start to end: accept → sniff → route → hand off (or fault). This is the
 * whole data path of the daemon; everything else is bookkeeping around it.
 */
export class ConnectionPipeline {
  /** Connections accepted and not yet routed, oldest first, with their accept time and slot release. */
  readonly #pending = new Map<Socket, { acceptedAt: number; free(): void }>();
  #nextId = 1;
  readonly #s: PipelineState;

  constructor(state: PipelineState) {
    this.#s = state;
  }

  /** Connections accepted and not yet routed (SMSvcHost's pending-connection slots). */
  get pending(): number {
    return this.#pending.size;
  }

  accept(socket: Socket, endpoint: Endpoint): void {
    const s = this.#s;
    s.counters.connectionsAccepted++;
    socket.on('error', () => {});
    // maxPendingConnections bounds connections still being read (§2.3 step 1). SMSvcHost stops
    // accepting when full, so a thousand clients that send nothing lock everyone out for
    // receiveTimeout. Instead the oldest pending connection, if it has had pendingEvictionMinAgeMs
    // to send a preamble that takes a well-behaved client a round trip, gives up its slot.
    if (this.#pending.size >= s.maxPendingConnections) {
      const [oldest, entry] = this.#pending.entries().next().value as [Socket, { acceptedAt: number; free(): void }];
      if (Date.now() - entry.acceptedAt < s.pendingEvictionMinAgeMs) {
        s.counters.dispatchFailures++;
        socket.destroy();
        return;
      }
      entry.free();
      oldest.destroy();
    }
    void this.#run(socket, endpoint);
  }

  async #run(socket: Socket, endpoint: Endpoint): Promise<void> {
    const s = this.#s;
    const connectionId = this.#nextId++;
    const freeSlot = (): void => void this.#pending.delete(socket);
    this.#pending.set(socket, { acceptedAt: Date.now(), free: freeSlot });
    try {
      const sniffed = await sniffPreamble(socket, s.sniff);
      if (!sniffed.ok) {
        // A client that connects and leaves without a byte is a timed-out pooled connection, not a
        // protocol failure (§2.3 step 2). Everything else here is aborted without a fault.
        if (sniffed.reason !== 'closed-before-data') s.counters.protocolFailures++;
        s.log.debug({ connectionId, reason: sniffed.reason, err: sniffed.error?.message }, 'preamble rejected');
        socket.destroy();
        return;
      }
      // The listener knows its port, and its address unless it is an any-address: ask the kernel
      // (getsockname) only when it must, since this runs for every connection.
      const localPort = endpoint.port;
      const localAddress = endpoint.address === '0.0.0.0' || endpoint.address === '::' ? (socket.localAddress ?? endpoint.address) : endpoint.address;
      const hit = s.routes.lookup(sniffed.parsedVia, localAddress, localPort);
      // The pending slot is freed once routing is done, not when the worker takes it (§2.3 step 8).
      freeSlot();
      if (!hit) {
        s.counters.dispatchFailures++;
        s.log.info({ connectionId, via: sniffed.via }, 'no registration for via: EndpointNotFound');
        await sendFault(socket, FaultUri.EndpointNotFound, s.dispatch.faults);
        return;
      }
      if (s.isPaused()) {
        s.counters.dispatchFailures++;
        await sendFault(socket, FaultUri.EndpointUnavailable, s.dispatch.faults);
        return;
      }
      const header: HandoffHeader = {
        connectionId,
        registrationId: hit.value.id,
        via: sniffed.via,
        localAddress,
        localPort,
      };
      const outcome = await dispatch(hit.value, socket, header, sniffed.bytes, s.dispatch);
      if (outcome === 'dispatched') s.counters.connectionsDispatched++;
      else s.counters.dispatchFailures++;
    } catch (err) {
      s.log.error({ err, connectionId }, 'connection pipeline failed');
      socket.destroy();
    } finally {
      freeSlot();
    }
  }
}
