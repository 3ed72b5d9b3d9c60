import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { StaticRoute } from './config.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';

/** A static route's server, resolved. */
export interface RouteTarget {
  address: string;
  port: number;
  /** As configured (host:port). */
  to: string;
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
      if (isIP(host) !== 0) return { address: host, port, to: route.to };
      try {
        return { address: (await lookup(host)).address, port, to: route.to };
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
