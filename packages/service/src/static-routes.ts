import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { encodeSize, readSize } from '@portshare/framing';
import type { StaticRoute } from './config.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';

/** One server of a static route, resolved, and how it has been answering. */
export interface RouteBackend {
  address: string;
  port: number;
  /** As configured (host:port). */
  to: string;
  /** Cleared when a connection to it fails, set again when one succeeds. */
  healthy: boolean;
  /** Why the last connection failed (an errno name), while unhealthy. */
  lastError: string | undefined;
  /** Connections to it that failed, since start. */
  failures: number;
  /** While unhealthy, no connection is tried before this time (Date.now()), unless all are down. */
  retryAt: number;
}

/** A static route's servers, in order, and the via it sends them. */
export interface RouteTarget {
  backends: RouteBackend[];
  /** The via sent to the server instead of the client's, when the route says so. */
  rewriteVia?: string | undefined;
  /** Round-robin position. */
  next: number;
}

/** An unhealthy backend is tried again, by one connection, after this long. */
export const BACKEND_RETRY_MS = 1000;

/**
 * The backend for the next connection: round robin over the healthy ones and those whose retry
 * time has come (one connection then finds out whether it is back); when none is, round robin over
 * all, so a route whose servers are all down recovers with the first connection that gets through.
 */
export function pickBackend(target: RouteTarget, now = Date.now()): RouteBackend {
  const all = target.backends;
  const eligible = all.filter((b) => b.healthy || now >= b.retryAt);
  const pool = eligible.length > 0 ? eligible : all;
  const chosen = pool[target.next % pool.length]!;
  target.next = (target.next + 1) % 1_000_000;
  if (!chosen.healthy) chosen.retryAt = now + BACKEND_RETRY_MS; // one probe at a time
  return chosen;
}

export function markBackend(backend: RouteBackend, errno: string | undefined): void {
  if (errno === undefined) {
    backend.healthy = true;
    backend.lastError = undefined;
    return;
  }
  backend.healthy = false;
  backend.lastError = errno;
  backend.failures++;
  backend.retryAt = Date.now() + BACKEND_RETRY_MS;
}

/**
 * Resolves each route's servers (`to`, validated host:port: config.ts) to addresses, once, at
 * start: the relay connects to IP literals only, without a lookup per connection. A name that does
 * not resolve is a configuration error naming the route's key.
 */
export async function resolveRouteTargets(routes: readonly StaticRoute[], source: string): Promise<RouteTarget[]> {
  return Promise.all(
    routes.map(async (route, i) => ({
      backends: await Promise.all((typeof route.to === 'string' ? [route.to] : route.to).map((to, j) => resolveBackend(to, typeof route.to === 'string' ? `routes[${i}].to` : `routes[${i}].to[${j}]`, source))),
      rewriteVia: route.rewriteVia,
      next: 0,
    })),
  );
}

async function resolveBackend(to: string, key: string, source: string): Promise<RouteBackend> {
  const colon = to.lastIndexOf(':');
  const port = Number(to.slice(colon + 1));
  let host = to.slice(0, colon);
  if (host.startsWith('[')) host = host.slice(1, -1);
  const backend = (address: string): RouteBackend => ({ address, port, to, healthy: true, lastError: undefined, failures: 0, retryAt: 0 });
  if (isIP(host) !== 0) return backend(host);
  try {
    return backend((await lookup(host)).address);
  } catch (err) {
    throw new ServiceError(
      ServiceErrorCodes.BadConfig,
      `Invalid configuration in ${source}: '${key}' names a host '${host}' that does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). ` +
        'Use an IP address, or a name this machine resolves.',
      { cause: err },
    );
  }
}

/** [MC-NMF] 2.2.3.3: the Via Record's type. Version (3 bytes) and Mode (2) come before it, 2.2.3. */
const VIA_RECORD = 0x02;
const VIA_OFFSET = 5;

/**
 * The client's bytes with the Via Record's URI replaced by `via`; what follows the record (the
 * encoding record, PreambleEnd, anything after) is kept as it was. The sniffer has decoded these
 * bytes through the via, so the record is where [MC-NMF] 2.2.3 puts it.
 */
export function rewriteViaRecord(bytes: Buffer, via: string): Buffer {
  if (bytes[VIA_OFFSET] !== VIA_RECORD) throw new Error('the preamble has no Via Record after its Version and Mode records');
  const size = readSize(bytes, VIA_OFFSET + 1);
  if (size === undefined) throw new Error('the Via Record is incomplete');
  const end = VIA_OFFSET + 1 + size.length + size.value;
  const uri = Buffer.from(via, 'utf8');
  return Buffer.concat([bytes.subarray(0, VIA_OFFSET + 1), encodeSize(uri.length), uri, bytes.subarray(end)]);
}
