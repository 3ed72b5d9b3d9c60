import { readdirSync } from 'node:fs';
import { encodeFault, FaultUri } from '@portshare/framing';
import type { Counters, HandoffHeader } from '@portshare/control';
import { FrontGate, type FrontGateHandlers } from '@portshare/handoff';
import type { Logger } from 'pino';
import { dispatch, isStalled, type DispatchContext, type DispatchOutcome } from './dispatcher.js';
import { logConnectionEvent } from './logger.js';
import type { Endpoint } from './listeners.js';
import type { Registration } from './registration.js';
import type { RouteSlot } from './route-slot.js';
import type { RoutingTable } from './routing-table.js';
import { markBackend, type RouteBackend } from './static-routes.js';
import { PreambleSniffer, preambleReadLimit, type SniffOptions, type SniffOutcome } from './sniffer.js';

export interface PipelineState {
  counters: Counters;
  routes: RoutingTable<RouteSlot>;
  sniff: SniffOptions;
  faults: { drainBytes: number; drainTimeoutMs: number };
  dispatch: Omit<DispatchContext, 'clients'>;
  maxPendingConnections: number;
  /** When full, a pending connection at least this old makes room for a newcomer that needs a slot. */
  pendingEvictionMinAgeMs: number;
  /** A static route's server connection must be made within this long (routeConnectTimeoutMs). */
  routeConnectTimeoutMs: number;
  /**
   * Client descriptors the data path may hold at once (pending, draining, being handed off,
   * proxied), so that a flood never takes the descriptors the control path, hand-off sockets and
   * the log need. See {@link descriptorBudget}.
   */
  maxClientDescriptors: number;
  /** Descriptors the front gate keeps in reserve, given up if accept() still runs out (FrontGate). */
  reserveDescriptors: number;
  log: Logger;
  isPaused(): boolean;
  /** The endpoint a listening descriptor serves (and count `count` connections on it). */
  endpointOf(listenerFd: number, count: number): Endpoint | undefined;
}

/** A connection accepted and not yet routed: one of SMSvcHost's pending-connection slots. */
interface Pending {
  /** Accepted while every slot was taken: it must reach its routing point in its first read. */
  probation: boolean;
  readonly fd: number;
  readonly id: number;
  readonly endpoint: Endpoint;
  readonly acceptedAt: number;
  readonly sniffer: PreambleSniffer;
}

type Sniffed = Extract<SniffOutcome, { ok: true }>;

const FAULT_BYTES = new Map<string, Buffer>();
function faultBytes(uri: string): Buffer {
  let bytes = FAULT_BYTES.get(uri);
  if (bytes === undefined) FAULT_BYTES.set(uri, (bytes = encodeFault(uri)));
  return bytes;
}

/**
 * Probation places per pending slot. A connection on probation holds a descriptor and a few
 * hundred bytes; the places form a ring (the newest takes the place of the oldest), so this bounds
 * what a flood of silent connections can hold, while a good client whose first bytes come a
 * moment after its accept (SYN cookies defeat TCP_DEFER_ACCEPT in a burst) keeps its place for up
 * to PROBATION_MS unless this many newer ones arrive first.
 */
export const PROBATION_PER_SLOT = 10;

/**
 * How long a connection on probation that has brought no bytes keeps its place. Its preamble is
 * normally in before the accept (TCP_DEFER_ACCEPT); in a burst that overflows the SYN queue the
 * kernel answers with SYN cookies and cannot defer, so a good client's first write may come a
 * moment after its accept.
 */
const PROBATION_MS = 200;

/**
 * The daemon's data path: accept → sniff → route → hand off (or fault), over the native front gate.
 * A connection is a descriptor until a worker takes it; the daemon never creates a runtime socket
 * for it (except to pipe it in proxy mode).
 *
 * Admission, so that neither a burst of good clients nor a crowd of slow ones costs a good client
 * its connection:
 * - At most maxPendingConnections are being read (the slots), and at most as many wait for a
 *   worker to take them. When workers fall behind, the gate stops accepting and new clients wait
 *   in the kernel's listen backlog, as with SMSvcHost and HAProxy, instead of being aborted.
 * - When every slot is taken by connections still being read, newcomers are accepted on
 *   probation: one whose first read holds its routing point (a good client's) is routed at once
 *   and never needs a slot. One that does not gets the slot of the oldest pending connection if
 *   that one has had pendingEvictionMinAgeMs, else it is closed: a client that dawdles while the
 *   daemon is full loses its connection, not everyone else. The first read is tried within the
 *   accept; one that brought nothing keeps its place for PROBATION_MS. The probation
 *   places (PROBATION_PER_SLOT per slot) are a ring, so silent newcomers never stop the gate
 *   accepting: the newest takes the place of the oldest.
 * - The listeners use TCP_DEFER_ACCEPT (deferAcceptSeconds), so a client that connects and says
 *   nothing is not even accepted until the kernel has waited for it.
 * - A hand-off that a worker has not taken within receiveTimeout (of the accept) is withdrawn and
 *   that client closed: a worker that stops reading cannot hold connections for ever.
 */
export class ConnectionPipeline implements FrontGateHandlers {
  readonly gate: FrontGate;
  /** In accept order, which is also age order. */
  readonly #pending = new Map<number, Pending>();
  /** Connections accepted on probation (every slot was taken), in accept order. */
  readonly #probation = new Map<number, Pending>();
  /** Static-route connections whose server connection is being made, and to which server. */
  readonly #connecting = new Map<number, RouteBackend>();
  /** Routed connections waiting for a worker to take them, with their deadlines. */
  readonly #handingOff = new Map<number, { deadline: number; reg: Registration }>();
  /** Connections sending a fault and draining, with their deadlines (in order). */
  readonly #draining = new Map<number, number>();
  readonly #s: PipelineState;
  readonly #readLimit: number;
  readonly #sweep: NodeJS.Timeout;
  readonly #dispatch: DispatchContext;
  #nextId = 1;
  #closing = false;
  /** Not accepting at all (a daemon taking over, until its workers are back): see hold(). */
  #holding = false;
  #onSettled: (() => void) | undefined;
  /** Client descriptors held now: accepted and not yet closed or handed off. */
  #held = 0;
  /** Relays running (proxy mode and static routes): what a retiring daemon still serves. */
  #relays = 0;
  #onRelaysEnded: (() => void) | undefined;
  #lastExhaustionLog = 0;
  #exhaustionsUnlogged = 0;

  constructor(state: PipelineState) {
    this.#s = state;
    this.#readLimit = preambleReadLimit(state.sniff);
    this.gate = FrontGate.open(this, { reserveDescriptors: state.reserveDescriptors });
    // One timer for every pending connection's receiveTimeout and every drain's deadline: the
    // maps are in deadline order, so a sweep stops at the first one not yet due.
    this.#sweep = setInterval(() => this.#expire(), Math.max(10, Math.min(250, Math.floor(state.sniff.timeoutMs / 4))));
    this.#sweep.unref();
    this.#dispatch = {
      ...state.dispatch,
      clients: {
        close: (fd) => this.#close(fd),
        fault: (fd, uri) => this.#fault(fd, uri),
        peerAddress: (fd) => this.gate.peerAddress(fd),
        // A proxied client holds its descriptor and the stream to the worker until the relay ends.
        proxy: (fd, path, preface, peer) => {
          this.gate.proxy(fd, path, preface, peer);
          this.#held++;
          this.#relays++;
        },
        proxyTcp: (fd, backend, preface) => {
          this.gate.proxyTcp(fd, backend.address, backend.port, preface, state.routeConnectTimeoutMs);
          this.#connecting.set(fd, backend);
          this.#held++;
          this.#relays++;
        },
      },
    };
    this.#admit();
  }

  /** Connections accepted and not yet routed (SMSvcHost's pending-connection slots). */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Stops accepting (true) or lets the gate accept again (false). A daemon taking over holds until
   * its workers have registered, while the previous one still accepts on the same sockets.
   */
  hold(on: boolean): void {
    this.#holding = on;
    this.#admit();
  }

  /**
   * Resolves once no connection is being read, handed off or sent a fault: what a daemon that has
   * handed its sockets over waits for first (relaysEnded() is the rest).
   */
  settled(): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#onSettled;
      this.#onSettled = () => {
        previous?.();
        resolve();
      };
    });
  }

  #checkSettled(): void {
    if (this.#onSettled === undefined || !this.#idle()) return;
    const settled = this.#onSettled;
    this.#onSettled = undefined;
    settled();
  }

  #idle(): boolean {
    return this.#pending.size === 0 && this.#probation.size === 0 && this.#handingOff.size === 0 && this.#draining.size === 0;
  }

  close(): void {
    this.#closing = true;
    clearInterval(this.#sweep);
    this.gate.shutdown();
    this.#pending.clear();
    this.#probation.clear();
    this.#draining.clear();
  }

  // ---- the front gate's reports ----

  accepted(listenerFd: number, fds: Int32Array): void {
    const s = this.#s;
    const endpoint = s.endpointOf(listenerFd, fds.length);
    const now = Date.now();
    this.#held += fds.length;
    for (const fd of fds) {
      s.counters.connectionsAccepted++;
      if (endpoint === undefined) {
        this.#close(fd); // its listener closed in the meantime
        continue;
      }
      const probation = this.#pending.size >= s.maxPendingConnections;
      // Probation places are a ring: the newest takes the place of the oldest, which has had its
      // chance, so a flood of connections that say nothing never stops the gate accepting.
      if (probation && this.#probation.size >= PROBATION_PER_SLOT * s.maxPendingConnections) this.#shed(this.#probation.values().next().value as Pending);
      const p: Pending = { fd, id: this.#nextId++, endpoint, acceptedAt: now, sniffer: new PreambleSniffer(s.sniff), probation };
      (probation ? this.#probation : this.#pending).set(fd, p);
      try {
        this.gate.read(fd, this.#readLimit); // the first read happens within this call
      } catch (err) {
        this.#forget(p);
        this.#close(fd);
        s.log.warn({ err }, 'cannot watch an accepted connection');
        continue;
      }
      // A connection accepted without data is not always a silent one: when SYN cookies are in
      // use (a burst overflows the SYN queue) the kernel cannot defer the accept (tcp(7),
      // TCP_DEFER_ACCEPT) and a good client's preamble may follow a moment later. So it keeps its
      // probation place for PROBATION_MS, or until newer arrivals push it out of the ring.
    }
    this.#admit();
  }

  data(fd: number, chunk: Buffer): void {
    const p = this.#pending.get(fd) ?? this.#probation.get(fd);
    if (p === undefined) return;
    const out = p.sniffer.push(chunk);
    if (!out.done) {
      if (p.probation) this.#promoteOrShed(p);
      return;
    }
    this.#forget(p);
    this.#admit();
    if (!out.ok) {
      // Aborted without a fault, as SMSvcHost does for bad framing and unshareable modes (docs/protocol.md §2).
      this.#s.counters.protocolFailures++;
      logConnectionEvent(this.#s.log, 'debug', { connectionId: p.id, reason: out.reason, err: out.error.message }, 'preamble rejected');
      this.#close(fd);
      return;
    }
    this.gate.release(fd);
    this.#route(p, out).catch((err: unknown) => {
      this.#s.log.error({ err, connectionId: p.id }, 'connection pipeline failed');
      this.#close(fd);
    });
  }

  end(fd: number, errno: string | null): void {
    const p = this.#pending.get(fd) ?? this.#probation.get(fd);
    if (p === undefined) return;
    this.#forget(p);
    // A client that connects and leaves without a byte is a timed-out pooled connection, not a
    // protocol failure (docs/protocol.md §2 step 2).
    if (p.sniffer.received > 0 || errno !== null) this.#s.counters.protocolFailures++;
    this.#close(fd);
    this.#admit();
  }

  closed(fd: number): void {
    this.#draining.delete(fd);
    this.#held--;
    this.#admit();
  }

  blocked(): void {
    // Only reported with a probe, which this pipeline does not ask for.
    this.#admit();
  }

  /** accept() ran out of descriptors (count > 0), or the data path reached its budget (0). */
  descriptorsExhausted(count: number): void {
    // At most one line a second, however often it happens.
    this.#exhaustionsUnlogged++;
    const now = Date.now();
    if (now - this.#lastExhaustionLog < 1000) return;
    this.#s.log.warn(
      { times: this.#exhaustionsUnlogged, acceptFailures: count, held: this.#held, budget: this.#s.maxClientDescriptors },
      'out of file descriptors: accepting paused until some close (raise LimitNOFILE / ulimit -n, or lower maxPendingConnections)',
    );
    this.#lastExhaustionLog = now;
    this.#exhaustionsUnlogged = 0;
  }

  proxyEnded(): void {
    this.#held -= 2;
    this.#relayDone();
    this.#admit();
  }

  #relayDone(): void {
    this.#relays--;
    if (this.#relays === 0 && this.#onRelaysEnded !== undefined) {
      const ended = this.#onRelaysEnded;
      this.#onRelaysEnded = undefined;
      ended();
    }
  }

  /** Connections relayed now (proxy mode and static routes). */
  get relays(): number {
    return this.#relays;
  }

  /**
   * Resolves once no connection is relayed: what a daemon that has handed its sockets over waits
   * for, after settled(), before it exits, so that a restart ends no proxied connection.
   */
  relaysEnded(): Promise<void> {
    if (this.#relays === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#onRelaysEnded;
      this.#onRelaysEnded = () => {
        previous?.();
        resolve();
      };
    });
  }

  /** A static route reached its server: the server is up. */
  proxyConnected(fd: number): void {
    const backend = this.#connecting.get(fd);
    this.#connecting.delete(fd);
    if (backend !== undefined) markBackend(backend, undefined);
  }

  /**
   * A static route's server could not be reached (refused, unreachable, routeConnectTimeoutMs):
   * it is marked down, and the client, whose descriptor is ours again, gets the
   * ConnectionDispatchFailed fault: SMSvcHost's answer when it has a route for a connection but
   * cannot pass it on, a CommunicationException a WCF client may retry (EndpointUnavailable would
   * say the address serves nothing: EndpointNotFoundException).
   */
  proxyUnreachable(fd: number, errno: string): void {
    const backend = this.#connecting.get(fd);
    this.#connecting.delete(fd);
    this.#held--; // the server's side, closed by the gate
    this.#relayDone(); // never started
    if (backend !== undefined) {
      markBackend(backend, errno);
      logConnectionEvent(this.#s.log, 'warn', { to: backend.to, errno }, 'static route: the server cannot be reached; ConnectionDispatchFailed');
    }
    this.#s.counters.dispatchFailures++;
    this.#fault(fd, FaultUri.ConnectionDispatchFailed);
  }

  failed(err: unknown): void {
    this.#s.log.error({ err }, 'connection path failed');
  }

  // ---- admission, timeouts ----

  /** Closes a client descriptor the pipeline holds (no fault). */
  #close(fd: number): void {
    this.gate.close(fd);
    this.#held--;
    this.#admit();
  }

  /** Tells the gate how many more connections it may accept now. */
  #admit(): void {
    this.#checkSettled();
    if (this.#closing) return;
    if (this.#holding) {
      this.gate.accept(0);
      return;
    }
    const s = this.#s;
    const max = s.maxPendingConnections;
    const descriptors = s.maxClientDescriptors - this.#held;
    if (descriptors <= 0) {
      // Out of descriptor budget: wait for connections to close (each close calls #admit).
      this.gate.accept(0);
      this.descriptorsExhausted(0);
      return;
    }
    // Workers behind: clients wait in the backlog until hand-offs drain.
    const handOff = max - this.#handingOff.size;
    // Slots free, else probation places (a ring: see accepted()).
    const slots = this.#pending.size < max ? max - this.#pending.size : PROBATION_PER_SLOT * max;
    this.gate.accept(Math.max(0, Math.min(slots, handOff, descriptors)));
  }

  /** Drops a connection from the slot or probation tables. */
  #forget(p: Pending): void {
    (p.probation ? this.#probation : this.#pending).delete(p.fd);
  }

  /**
   * A connection on probation did not show its routing point in its first read (or in time): it
   * takes a slot that is free, or the slot of the oldest pending connection once that one has had
   * pendingEvictionMinAgeMs; otherwise it is shed.
   */
  #promoteOrShed(p: Pending): void {
    const s = this.#s;
    if (this.#pending.size >= s.maxPendingConnections) {
      const oldest = this.#pending.values().next().value as Pending;
      if (Date.now() - oldest.acceptedAt < s.pendingEvictionMinAgeMs) {
        this.#shed(p);
        return;
      }
      this.#pending.delete(oldest.fd);
      s.counters.protocolFailures++;
      logConnectionEvent(s.log, 'debug', { connectionId: oldest.id }, 'pending connection evicted: a newer one needs its slot');
      this.#close(oldest.fd);
    }
    this.#probation.delete(p.fd);
    p.probation = false;
    this.#pending.set(p.fd, p);
  }

  /** Closes a connection on probation without a byte, like SMSvcHost's abort when full (a dispatch failure). */
  #shed(p: Pending): void {
    this.#probation.delete(p.fd);
    this.#s.counters.dispatchFailures++;
    logConnectionEvent(this.#s.log, 'debug', { connectionId: p.id }, 'no pending slot for a connection without its preamble: closed');
    this.#close(p.fd);
  }

  #expire(): void {
    this.#checkSettled();
    const now = Date.now();
    const timeout = this.#s.sniff.timeoutMs;
    for (const p of this.#pending.values()) {
      if (now - p.acceptedAt < timeout) break;
      this.#pending.delete(p.fd);
      this.#s.counters.protocolFailures++;
      this.#close(p.fd);
    }
    for (const p of this.#probation.values()) {
      if (now - p.acceptedAt < PROBATION_MS) break;
      // One that has said nothing all this time is shed; only a client that has begun its
      // preamble may take an older connection's slot.
      if (p.sniffer.received === 0) this.#shed(p);
      else this.#promoteOrShed(p);
    }
    // A worker that does not take its hand-offs: withdraw them (dispatch() then closes each), at
    // receiveTimeout, or at once when it has taken none for workerStallTimeoutMs.
    for (const [fd, h] of this.#handingOff) {
      const stalled = isStalled(h.reg, this.#dispatch.stallTimeoutMs, now);
      if (stalled) h.reg.stalled = true;
      if ((h.deadline <= now || stalled) && h.reg.sender?.withdraw(fd)) {
        logConnectionEvent(this.#s.log, 'warn', { registration: h.reg.id, uri: h.reg.uri }, 'hand-off withdrawn: the worker did not take it in time');
      }
    }
    for (const [fd, deadline] of this.#draining) {
      if (deadline > now) break;
      this.#draining.delete(fd);
      this.#close(fd);
    }
    this.#admit();
  }

  // ---- route, fault, hand off ----

  /**
   * Sends a framing fault the way WCF's InitialServerConnectionReader.SendFault does
   * (docs/protocol.md §6): the gate writes it, half-closes and drains (at most
   * faultDrainBytes); this bounds the time to faultDrainTimeoutMs. A drain holds a descriptor, so
   * at most maxPendingConnections drain at once; past that the oldest is cut short (its client
   * has had the fault longest).
   */
  #fault(fd: number, uri: string): void {
    const { drainBytes, drainTimeoutMs } = this.#s.faults;
    if (this.#draining.size >= this.#s.maxPendingConnections) {
      const [oldest] = this.#draining.keys();
      this.#draining.delete(oldest!);
      this.#close(oldest!);
    }
    // Registered before the call: the gate may finish (and report `closed`) within it.
    this.#draining.set(fd, Date.now() + drainTimeoutMs);
    try {
      this.gate.fault(fd, faultBytes(uri), drainBytes);
    } catch {
      this.#draining.delete(fd);
      this.#close(fd);
    }
  }

  async #route(p: Pending, sniffed: Sniffed): Promise<void> {
    const s = this.#s;
    const { fd, endpoint } = p;
    // The listener knows its port, and its address unless it is an any-address: ask the kernel
    // (getsockname) only when it must.
    let localAddress = endpoint.address;
    if (localAddress === '0.0.0.0' || localAddress === '::') {
      try {
        localAddress = this.gate.localAddress(fd).address;
      } catch {
        this.#close(fd); // the client is already gone
        return;
      }
    }
    const hit = s.routes.lookup(sniffed.parsedVia, localAddress, endpoint.port);
    if (!hit) {
      s.counters.dispatchFailures++;
      logConnectionEvent(s.log, 'info', { connectionId: p.id, via: sniffed.via }, 'no registration for via: EndpointNotFound');
      this.#fault(fd, FaultUri.EndpointNotFound);
      return;
    }
    if (s.isPaused()) {
      s.counters.dispatchFailures++;
      this.#fault(fd, FaultUri.EndpointUnavailable);
      return;
    }
    // One registration, or one of several sharing the URI (route-slot.ts).
    const slot = hit.value;
    let outcome: DispatchOutcome;
    try {
      for (let reg = slot.pick(); ; ) {
        const header: HandoffHeader = { connectionId: p.id, registrationId: reg.id, via: sniffed.via, localAddress, localPort: endpoint.port };
        this.#handingOff.set(fd, { deadline: p.acceptedAt + s.sniff.timeoutMs, reg });
        outcome = await dispatch(reg, fd, header, sniffed.bytes, this.#dispatch);
        if (outcome !== 'worker-gone') break;
        // Its worker died before the connection reached it (and is unregistered now, so it left
        // the slot): another worker sharing the URI takes it, or the client gets the fault
        // SMSvcHost sends when a hand-off fails (docs/protocol.md §5). A kill -9 of one of
        // several balanced workers then costs only the connections it already held.
        const next = slot.members.length > 0 ? slot.pick() : undefined;
        if (next === undefined || next.closed) {
          this.#fault(fd, FaultUri.ConnectionDispatchFailed);
          break;
        }
        reg = next;
      }
    } finally {
      this.#handingOff.delete(fd);
      this.#admit();
    }
    if (outcome === 'dispatched') s.counters.connectionsDispatched++;
    else s.counters.dispatchFailures++;
  }
}

/**
 * How many client descriptors the data path may hold for a given open-files limit: of what is not
 * open yet (`inUse`: Node's own descriptors, which differ between versions (Node 24 adds an
 * io_uring), the log, the gate's reserve), everything but room for every control connection and
 * 64 more (listeners, hand-off sockets), and never more than half of it when the limit is too
 * small for that, so the control path always keeps the other half.
 */
export function descriptorBudget(softLimit: number, maxControlConnections: number, reserve: number, inUse = descriptorsInUse()): number {
  if (softLimit < 0) return Number.MAX_SAFE_INTEGER;
  const free = Math.max(0, softLimit - inUse - reserve);
  return Math.max(Math.floor(free / 2), free - (maxControlConnections + 64));
}

/** Descriptors this process has open now (/proc/self/fd, proc(5)); 64 when that cannot be read. */
export function descriptorsInUse(): number {
  try {
    return readdirSync('/proc/self/fd').length - 1; // the listing's own descriptor
  } catch {
    return 64;
  }
}

/** The gate's reserve for a given open-files limit: 16, or a sixteenth of a small limit. */
export function reserveFor(softLimit: number): number {
  return softLimit < 0 ? 16 : Math.max(1, Math.min(16, Math.floor(softLimit / 16)));
}
