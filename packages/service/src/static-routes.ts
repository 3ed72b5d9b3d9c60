import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { encodeSize, readSize } from '@portshare/framing';
import type { StaticRoute } from './config.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';

/** A static route's server, resolved. */
export interface RouteTarget {
  address: string;
  port: number;
  /** As configured (host:port). */
  to: string;
  /** The via sent to the server instead of the client's, when the route says so. */
  rewriteVia?: string | undefined;
}

/**
 * Resolves each route's `to` (validated host:port: config.ts) to an address, once, at start: the
 * relay connects to IP literals only, without a lookup per connection. A name that does not resolve
 * is a configuration error naming the route's key.
 */
export async function resolveRouteTargets(routes: readonly StaticRoute[], source: string): Promise<RouteTarget[]> {
  return Promise.all(
    routes.map(async (route, i) => {
      const colon = route.to.lastIndexOf(':');
      const port = Number(route.to.slice(colon + 1));
      let host = route.to.slice(0, colon);
      if (host.startsWith('[')) host = host.slice(1, -1);
      const rewriteVia = route.rewriteVia;
      if (isIP(host) !== 0) return { address: host, port, to: route.to, rewriteVia };
      try {
        return { address: (await lookup(host)).address, port, to: route.to, rewriteVia };
      } catch (err) {
        throw new ServiceError(
          ServiceErrorCodes.BadConfig,
          `Invalid configuration in ${source}: 'routes[${i}].to' names a host '${host}' that does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). ` +
            'Use an IP address, or a name this machine resolves.',
          { cause: err },
        );
      }
    }),
  );
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
