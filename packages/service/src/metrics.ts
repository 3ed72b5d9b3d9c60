import { createServer, type Server } from 'node:http';
import { metricsListenError } from './config-host.js';
import { prometheusText } from './counters.js';
import type { PortshareService } from './service.js';

/**
 * Optional Prometheus endpoint: GET /metrics. Bound to loopback by default. Every counter of the
 * status reply is exposed, the daemon's own health (log write failures, suppressed log lines)
 * included. A host or port that cannot be listened on is refused as a configuration error naming
 * `metrics.host` or `metrics.port`, not a bare `getaddrinfo ENOTFOUND`.
 */
export function startMetricsServer(service: PortshareService, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url !== '/metrics' && req.url !== '/')) {
      res.writeHead(404).end();
      return;
    }
    const status = service.status();
    const body = prometheusText(status.counters, {
      pendingConnections: status.pendingConnections,
      listeners: status.listeners.length,
      paused: service.paused ? 1 : 0,
      uptimeSeconds: status.uptimeSeconds,
      // Static routes: servers the last connection could not reach, and routes with none answering.
      routeBackendsDown: (status.routes ?? []).reduce((n, r) => n + r.backends.filter((b) => !b.healthy).length, 0),
      routesDown: (status.routes ?? []).filter((r) => !r.healthy).length,
    });
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(metricsListenError(err, service.config, service.paths.configFile)));
    server.listen(port, host, () => resolve(server));
  });
}
