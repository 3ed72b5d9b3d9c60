import { createServer, isIP, type Server, type Socket } from 'node:net';
import { ServiceError, ServiceErrorCodes } from './errors.js';

export interface Endpoint {
  address: string;
  port: number;
}

interface Entry {
  endpoint: Endpoint;
  server: Server;
  refs: number;
  connections: number;
}

export interface ListenerSetOptions {
  backlog: number;
  ipv6: boolean;
  /** Ports bound once at start on the any-addresses; every registration on them shares those sockets. */
  reservedPorts: readonly number[];
  onConnection(socket: Socket, endpoint: Endpoint): void;
}

/**
 * The shared listening sockets, reference-counted per IP endpoint as SMSvcHost's TransportListener
 * does (wcf-port-sharing notes §2.2): the first registration on a port opens it, the last one closes
 * it. A host-name registration listens on 0.0.0.0 and [::]; an IP-literal one on that address only.
 */
export class ListenerSet {
  readonly #entries = new Map<string, Entry>();
  readonly #opening = new Map<string, Promise<Entry>>();
  readonly #options: ListenerSetOptions;

  constructor(options: ListenerSetOptions) {
    this.#options = options;
  }

  /** The endpoints a registration for `host:port` listens on. */
  endpointsFor(host: string, port: number): Endpoint[] {
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
  async acquire(endpoints: Endpoint[]): Promise<Endpoint[]> {
    const taken: Endpoint[] = [];
    try {
      for (const ep of endpoints) {
        const got = await this.#acquireOne(ep);
        if (got) taken.push(ep);
      }
    } catch (err) {
      for (const ep of taken) this.release([ep]);
      throw err;
    }
    return taken;
  }

  async #acquireOne(ep: Endpoint): Promise<boolean> {
    const key = keyOf(ep);
    const existing = this.#entries.get(key);
    if (existing) {
      existing.refs++;
      return true;
    }
    let opening = this.#opening.get(key);
    if (!opening) {
      opening = this.#open(ep);
      this.#opening.set(key, opening);
    }
    try {
      const entry = await opening;
      if (!this.#entries.has(key)) this.#entries.set(key, entry);
      this.#entries.get(key)!.refs++;
      return true;
    } catch (err) {
      // An IPv6 any-address where the host has no IPv6 is not an error for a host-name registration.
      const code = (err as ServiceError & { errno?: string }).cause as NodeJS.ErrnoException | undefined;
      if (ep.address === '::' && (code?.code === 'EAFNOSUPPORT' || code?.code === 'EADDRNOTAVAIL')) return false;
      throw err;
    } finally {
      this.#opening.delete(key);
    }
  }

  #open(ep: Endpoint): Promise<Entry> {
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true });
      const entry: Entry = { endpoint: ep, server, refs: 0, connections: 0 };
      server.on('connection', (socket) => {
        entry.connections++;
        this.#options.onConnection(socket, ep);
      });
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          new ServiceError(
            ServiceErrorCodes.ListenFailed,
            `Cannot listen on ${fmt(ep)}: ${err.code ?? err.message}` +
              (err.code === 'EADDRINUSE' ? ' (another program holds the port without sharing it)' : '') +
              (err.code === 'EACCES' ? ' (ports below 1024 need root: list them in reservedPorts)' : ''),
            { cause: err },
          ),
        );
      });
      server.listen({ host: ep.address, port: ep.port, backlog: this.#options.backlog, ipv6Only: ep.address === '::' }, () => {
        server.removeAllListeners('error');
        server.on('error', () => {});
        resolve(entry);
      });
    });
  }

  release(endpoints: Endpoint[]): void {
    for (const ep of endpoints) {
      const key = keyOf(ep);
      const entry = this.#entries.get(key);
      if (!entry) continue;
      if (--entry.refs <= 0) {
        this.#entries.delete(key);
        entry.server.close();
      }
    }
  }

  list(): { address: string; port: number; connections: number }[] {
    return [...this.#entries.values()].map((e) => ({ address: e.endpoint.address, port: e.endpoint.port, connections: e.connections }));
  }

  /** The bound port of an endpoint opened with port 0 (tests). */
  boundPort(ep: Endpoint): number | undefined {
    const addr = this.#entries.get(keyOf(ep))?.server.address();
    return addr && typeof addr === 'object' ? addr.port : undefined;
  }

  closeAll(): Promise<void> {
    const all = [...this.#entries.values()];
    this.#entries.clear();
    return Promise.all(all.map((e) => new Promise<void>((r) => e.server.close(() => r())))).then(() => undefined);
  }
}

function keyOf(ep: Endpoint): string {
  return `${ep.address}|${ep.port}`;
}

export function fmt(ep: Endpoint): string {
  return ep.address.includes(':') ? `[${ep.address}]:${ep.port}` : `${ep.address}:${ep.port}`;
}
