import { isIP } from 'node:net';
import { HandoffError, type FrontGate } from '@portshare/handoff';
import { ServiceError, ServiceErrorCodes } from './errors.js';

export interface Endpoint {
  address: string;
  port: number;
}

interface Entry {
  endpoint: Endpoint;
  /** The listening socket, owned by the front gate. */
  fd: number;
  refs: number;
  connections: number;
  /** Its FileDescriptorName when the service manager passed it (socket activation). */
  activatedAs?: string;
}

export interface ListenerSetOptions {
  /** Opens and closes the listening sockets (native; see @portshare/handoff's FrontGate). */
  gate: FrontGate;
  backlog: number;
  /** TCP_DEFER_ACCEPT seconds for every listener; 0: off. */
  deferAcceptSeconds: number;
  ipv6: boolean;
  /** Ports bound once at start on the any-addresses; every registration on them shares those sockets. */
  reservedPorts: readonly number[];
}

/** A listening socket the daemon was given (socket activation) and now serves. */
export interface AdoptedListener extends Endpoint {
  fd: number;
  name: string;
}

/**
 * The shared listening sockets, reference-counted per IP endpoint as SMSvcHost's TransportListener
 * does (docs/protocol.md §4): the first registration on a port opens it, the last one closes
 * it. A host-name registration listens on 0.0.0.0 and [::]; an IP-literal one on that address only.
 */
export class ListenerSet {
  readonly #entries = new Map<string, Entry>();
  /** The same entries by listening descriptor, for the gate's accept reports. */
  readonly #byFd = new Map<number, Entry>();
  readonly #options: ListenerSetOptions;
  /** Endpoints of adopted sockets by port: registrations on such a port use exactly these. */
  readonly #adopted = new Map<number, Endpoint[]>();
  /** Sockets taken over from a previous daemon and still held for it (see takeOver). */
  readonly #takenOver: Endpoint[] = [];

  constructor(options: ListenerSetOptions) {
    this.#options = options;
  }

  /** The endpoints a registration for `host:port` listens on. */
  endpointsFor(host: string, port: number): Endpoint[] {
    // A port the service manager opened for the daemon (socket activation) is served by the
    // sockets it passed, whatever their address: another socket on that port could not be bound
    // (EADDRINUSE) or, below 1024 after the drop, not at all.
    const adopted = this.#adopted.get(port);
    if (adopted !== undefined) return adopted.map((ep) => ({ ...ep }));
    const bare = host.startsWith('[') ? host.slice(1, -1) : host;
    // A reserved port was bound on the any-addresses before privileges dropped; a socket for one
    // IP could not be bound now, and the any-address one already receives its connections.
    if (isIP(bare) !== 0 && !this.#options.reservedPorts.includes(port)) return [{ address: bare, port }];
    const eps: Endpoint[] = [{ address: '0.0.0.0', port }];
    if (this.#options.ipv6) eps.push({ address: '::', port });
    return eps;
  }

  /**
   * Takes a reference on every endpoint, opening those not yet open. All or nothing: if one fails,
   * the references taken are released and the error says which endpoint and why.
   */
  acquire(endpoints: Endpoint[]): Endpoint[] {
    const taken: Endpoint[] = [];
    try {
      for (const ep of endpoints) if (this.#acquireOne(ep)) taken.push(ep);
    } catch (err) {
      this.release(taken);
      throw err;
    }
    return taken;
  }

  #acquireOne(ep: Endpoint): boolean {
    const key = keyOf(ep);
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      try {
        entry = this.#open(ep);
      } catch (err) {
        // An IPv6 any-address where the host has no IPv6 is not an error for a host-name registration.
        const errno = (err as ServiceError).cause instanceof HandoffError ? ((err as ServiceError).cause as HandoffError).errno : undefined;
        if (ep.address === '::' && (errno === 'EAFNOSUPPORT' || errno === 'EADDRNOTAVAIL')) return false;
        throw err;
      }
      this.#entries.set(key, entry);
      this.#byFd.set(entry.fd, entry);
    }
    entry.refs++;
    return true;
  }

  #open(ep: Endpoint): Entry {
    try {
      const o = this.#options;
      const { fd } = o.gate.listen(ep.address, ep.port, o.backlog, ep.address === '::', o.deferAcceptSeconds);
      return { endpoint: ep, fd, refs: 0, connections: 0 };
    } catch (err) {
      const errno = err instanceof HandoffError ? err.errno : undefined;
      throw new ServiceError(
        ServiceErrorCodes.ListenFailed,
        `Cannot listen on ${fmt(ep)}: ${errno ?? (err as Error).message}` +
          (errno === 'EADDRINUSE' ? ' (another program holds the port without sharing it)' : '') +
          (errno === 'EACCES' ? ' (ports below 1024 need root: list them in reservedPorts)' : ''),
        { cause: err },
      );
    }
  }

  /**
   * Takes over a listening socket passed by the service manager (sd_listen_fds(3)): the gate
   * accepts on it like on its own, and it stays open, held by the set, until closeAll(), as a
   * reserved port's socket does. Refused (SERVICE_ERR_LISTEN_FAILED) when it is not a listening
   * TCP socket.
   */
  adopt(fd: number, name: string): AdoptedListener {
    let endpoint: Endpoint;
    try {
      const { family } = this.#options.gate.adopt(fd);
      if (family !== 4 && family !== 6) {
        this.#options.gate.unlisten(fd);
        throw new Error('it is not an IPv4 or IPv6 socket');
      }
      endpoint = this.#options.gate.localAddress(fd);
    } catch (err) {
      throw new ServiceError(
        ServiceErrorCodes.ListenFailed,
        `Cannot serve the socket passed as descriptor ${fd} ('${name}'): ${(err as Error).message}. ` +
          'Socket activation passes TCP listening sockets only: use ListenStream= in portshare.socket.',
        { cause: err },
      );
    }
    const entry: Entry = { endpoint, fd, refs: 1, connections: 0, activatedAs: name };
    this.#entries.set(keyOf(endpoint), entry);
    this.#byFd.set(fd, entry);
    const onPort = this.#adopted.get(endpoint.port) ?? [];
    onPort.push(endpoint);
    this.#adopted.set(endpoint.port, onPort);
    return { ...endpoint, fd, name };
  }

  /**
   * Takes over a listening socket a previous daemon passed (takeover.ts). It is held (one
   * reference) until {@link releaseTakenOver}, so the registrations coming back find it open;
   * after that it closes with its last registration, like a socket this set opened.
   */
  takeOver(fd: number, endpoint: Endpoint): void {
    this.#options.gate.adopt(fd);
    const entry: Entry = { endpoint: { address: endpoint.address, port: endpoint.port }, fd, refs: 1, connections: 0 };
    this.#entries.set(keyOf(entry.endpoint), entry);
    this.#byFd.set(fd, entry);
    this.#takenOver.push(entry.endpoint);
  }

  /** Drops the hold {@link takeOver} put on each socket; those no registration uses close. */
  releaseTakenOver(): void {
    this.release(this.#takenOver.splice(0));
  }

  /** Every listening socket, for a daemon taking over (the descriptors stay this set's). */
  handOverList(): { fd: number; address: string; port: number; activatedAs: string | undefined }[] {
    return [...this.#entries.values()].map((e) => ({ fd: e.fd, address: e.endpoint.address, port: e.endpoint.port, activatedAs: e.activatedAs }));
  }

  /** The endpoint a listening descriptor serves, counting one more connection on it. */
  accepted(fd: number, count: number): Endpoint | undefined {
    const entry = this.#byFd.get(fd);
    if (entry !== undefined) entry.connections += count;
    return entry?.endpoint;
  }

  release(endpoints: Endpoint[]): void {
    for (const ep of endpoints) {
      const key = keyOf(ep);
      const entry = this.#entries.get(key);
      if (!entry) continue;
      if (--entry.refs <= 0) {
        this.#entries.delete(key);
        this.#byFd.delete(entry.fd);
        this.#options.gate.unlisten(entry.fd);
      }
    }
  }

  list(): { address: string; port: number; connections: number }[] {
    return [...this.#entries.values()].map((e) => ({ address: e.endpoint.address, port: e.endpoint.port, connections: e.connections }));
  }

  closeAll(): void {
    for (const entry of this.#entries.values()) this.#options.gate.unlisten(entry.fd);
    this.#entries.clear();
    this.#byFd.clear();
  }
}

function keyOf(ep: Endpoint): string {
  return `${ep.address}|${ep.port}`;
}

export function fmt(ep: Endpoint): string {
  return ep.address.includes(':') ? `[${ep.address}]:${ep.port}` : `${ep.address}:${ep.port}`;
}
