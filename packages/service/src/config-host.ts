import { accessSync, constants, statSync } from 'node:fs';
import { createServer, isIP } from 'node:net';
import { dirname } from 'node:path';
import { parseVia } from '@portshare/framing';
import type { ServiceConfig } from './config.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';
import { resolveRouteTargets } from './static-routes.js';

function bad(key: string, reason: string, source: string): ServiceError {
  return new ServiceError(ServiceErrorCodes.BadConfig, `Invalid configuration in ${source}: '${key}' ${reason}.`);
}

function who(): string {
  return `uid ${process.geteuid?.() ?? '?'}`;
}

/**
 * Why `file` could not be opened for appending by this process, or undefined if it could,
 * without creating anything: an existing file must be writable and not a directory; a missing
 * one needs its nearest existing ancestor to be a directory this process may write in (the
 * logger creates the folders between, as `mkdir -p` would). access(2) answers for the real uid,
 * which is the effective one in the daemon and the CLI (neither is set-uid).
 */
export function whyNotWritable(file: string): string | undefined {
  let probe = file;
  let missing = false;
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(probe).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && dirname(probe) !== probe) {
        probe = dirname(probe);
        missing = true;
        continue;
      }
      return `${code ?? (err as Error).message}${code === 'ENOTDIR' ? ': a parent in the path is a file, not a folder' : ''}`;
    }
    if (!missing && isDir) return 'EISDIR: it is a folder; name a file in it';
    if (missing && !isDir) return `ENOTDIR: ${probe} is a file, not a folder`;
    try {
      accessSync(probe, missing ? constants.W_OK | constants.X_OK : constants.W_OK);
    } catch (err) {
      return `${(err as NodeJS.ErrnoException).code ?? 'EACCES'}: ${missing ? `cannot create files in ${probe}` : 'not writable'} as ${who()}`;
    }
    return undefined;
  }
}

/**
 * Binds host:port and closes it at once: is the port free, and is host an address of ours (port
 * 0: any port)? "::" is bound IPv6-only, as the front gate binds it (ListenerSet), so a socket on
 * 0.0.0.0 is not in its way.
 */
function probeBind(host: string, port = 0): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen({ host, port, ipv6Only: host === '::' }, () => server.close(() => resolve(undefined)));
  });
}

/** A listening socket: its address and port. */
export interface Endpoint {
  address: string;
  port: number;
}

/**
 * The instance's running daemon, as `portshare config validate` learns it from its status
 * (packages/control StatusReply). A restart takes its listening sockets over and binds the
 * metrics port once it has let it go (docs/operations.md), so what it holds is in nobody's way.
 * `known: false`: it runs, but could not be asked (`why`).
 */
export type RunningService =
  | { known: true; pid: number; listeners: readonly Endpoint[]; metricsPort: number | undefined }
  | { known: false; why: string };

/** One socket the daemon opens at start, and the key that asks for it. */
interface PlannedBind {
  key: string;
  endpoint: Endpoint;
  /** What else to do than free the port. */
  instead: string;
}

/**
 * The shared sockets the daemon opens at start (PortshareService.start): each reserved port on
 * 0.0.0.0 (and [::] with ipv6), then each static route's port on the same any-addresses, or on
 * its IP literal alone, as ListenerSet.endpointsFor picks them (a reserved port's sockets serve it).
 */
function plannedBinds(config: ServiceConfig): PlannedBind[] {
  const anyAddresses = (port: number): Endpoint[] => [{ address: '0.0.0.0', port }, ...(config.ipv6 ? [{ address: '::', port }] : [])];
  const binds = config.reservedPorts.flatMap((port, i) =>
    anyAddresses(port).map((endpoint) => ({ key: `reservedPorts[${i}]`, endpoint, instead: 'or remove it from reservedPorts' })),
  );
  config.routes.forEach((route, i) => {
    const { host, port } = parseVia(route.uri);
    if (config.reservedPorts.includes(port)) return;
    const bare = host.startsWith('[') ? host.slice(1, -1) : host;
    const endpoints = isIP(bare) !== 0 ? [{ address: bare, port }] : anyAddresses(port);
    binds.push(...endpoints.map((endpoint) => ({ key: `routes[${i}].uri`, endpoint, instead: 'or give the route another port' })));
  });
  return binds;
}

const shown = (ep: Endpoint): string => (ep.address.includes(':') ? `[${ep.address}]:${ep.port}` : `${ep.address}:${ep.port}`);

/** How to find who holds a port (ss(8) with a filter, as root to see other accounts' processes). */
const whoHolds = (port: number): string => `\`ss -ltnp 'sport = :${port}'\` (as root) shows which program holds it`;

/** Why a port in use is in the way: the running daemon's status, when it holds the port elsewhere or could not say. */
function inUseBy(running: RunningService | undefined, ep: Endpoint): string {
  if (running === undefined) return 'by another program';
  if (!running.known) {
    return `by another program, or by this instance's portshare service, which runs but could not be asked which ports it holds (${running.why}; ask as root or an account in allowAccounts)`;
  }
  const elsewhere = running.listeners.filter((l) => l.port === ep.port).map(shown);
  if (elsewhere.length === 0) return 'by another program';
  return `by this instance's portshare service (pid ${running.pid}) on ${elsewhere.join(' and ')} only, which a restart keeps: it could not bind ${shown(ep)} beside it`;
}

/** The bind error of a planned socket as a configuration error naming the key, the port and what to do. */
function bindError(bind: PlannedBind, err: NodeJS.ErrnoException, running: RunningService | undefined, source: string): ServiceError {
  const { key, endpoint: ep, instead } = bind;
  switch (err.code) {
    case 'EADDRINUSE':
      return bad(key, `(port ${ep.port}) is in use on ${ep.address} ${inUseBy(running, ep)} (EADDRINUSE): free the port, ${instead}; ${whoHolds(ep.port)}`, source);
    case 'EACCES':
      return bad(key, `(port ${ep.port}) cannot be bound on ${ep.address} as ${who()} (EACCES): ports below 1024 need root; check (and start the service) as root, ${instead}`, source);
    case 'EADDRNOTAVAIL':
      return bad(key, `(port ${ep.port}) cannot be bound: ${ep.address} is not an address of this machine (EADDRNOTAVAIL); name one it has, or a host name (listened on every address)`, source);
    default:
      return bad(key, `(port ${ep.port}) cannot be bound on ${ep.address}: ${`${err.code ?? ''} ${err.message}`.trim()}`, source);
  }
}

/** Whether the running daemon holds exactly this socket, which a restart takes over (takeover.ts). */
const heldByService = (running: RunningService | undefined, ep: Endpoint): boolean =>
  running?.known === true && running.listeners.some((l) => l.address === ep.address && l.port === ep.port);

/**
 * Binds, one at a time, each socket the daemon would open at start. A socket the running daemon
 * holds is fine (a restart takes it over); [::] where the host has no IPv6 is skipped, as the
 * daemon skips it (ListenerSet).
 */
async function checkSharedPorts(config: ServiceConfig, running: RunningService | undefined, source: string): Promise<void> {
  for (const bind of plannedBinds(config)) {
    if (heldByService(running, bind.endpoint)) continue;
    const err = await probeBind(bind.endpoint.address, bind.endpoint.port);
    if (err === undefined) continue;
    if (bind.endpoint.address === '::' && (err.code === 'EAFNOSUPPORT' || err.code === 'EADDRNOTAVAIL')) continue;
    throw bindError(bind, err, running, source);
  }
}

/** The metrics endpoint: its host must be ours; with `ports`, its port free or the running daemon's (it lets it go at release). */
async function checkMetricsEndpoint(config: ServiceConfig, ports: { running: RunningService | undefined } | undefined, source: string): Promise<void> {
  const { host, port } = config.metrics;
  if (port === undefined) return;
  const err = await probeBind(host, ports === undefined ? 0 : port);
  if (err === undefined) return;
  const running = ports?.running;
  if (err.code === 'EADDRINUSE' && running?.known === true && running.metricsPort === port) return;
  throw metricsListenError(err, config, source, running);
}

/** A listen() error on the metrics endpoint, as a configuration error naming the key at fault. */
export function metricsListenError(err: NodeJS.ErrnoException, config: ServiceConfig, source: string, running?: RunningService): ServiceError {
  const { host, port } = config.metrics;
  switch (err.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return bad('metrics.host', `(${host}) does not resolve to an address (getaddrinfo ${err.code}); use an IP address of this machine such as 127.0.0.1`, source);
    case 'EADDRNOTAVAIL':
      return bad('metrics.host', `(${host}) is not an address of this machine (EADDRNOTAVAIL); use one it has, such as 127.0.0.1`, source);
    case 'EADDRINUSE':
      return bad('metrics.port', `(${port}) is in use on ${host} ${inUseBy(running, { address: host, port: port ?? 0 })} (EADDRINUSE): pick a free port; ${whoHolds(port ?? 0)}`, source);
    case 'EACCES':
      return bad('metrics.port', `(${port}) cannot be bound (EACCES): ports below 1024 need root; pick a port from 1024`, source);
    default:
      return bad('metrics.host', `(${host}) cannot be listened on: ${err.code ?? ''} ${err.message}`.trim(), source);
  }
}

/**
 * What validation cannot see in the file alone: that the log file can be written and that the
 * metrics host is an address of this machine (and, with `ports`, that the ports are free). Run by
 * the daemon before it opens anything, and by `portshare config validate`, so a bad value is
 * refused with its key either way rather than starting with no logs or dying on a bare
 * `getaddrinfo ENOTFOUND`. Checked as the calling process's user: the daemon opens its log before
 * it drops privileges.
 */
export async function checkConfigOnHost(
  config: ServiceConfig,
  options: {
    source: string;
    defaultLogFile: string;
    /** False for the daemon, which resolves them as it starts. */
    resolveRoutes?: boolean;
    /**
     * Also bind, for a moment, each port the daemon binds at start (reservedPorts and the static
     * routes' ports; the metrics port), with `running` the instance's running daemon (undefined:
     * none runs), whose sockets are no obstacle. For `portshare config validate`; not for the
     * daemon itself, which takes a running one's sockets over (docs/operations.md) or binds them
     * as it starts, saying which one failed.
     */
    ports?: { running: RunningService | undefined };
  },
): Promise<void> {
  const file = config.log.file ?? options.defaultLogFile;
  if (file !== '-') {
    const why = whyNotWritable(file);
    if (why !== undefined) {
      const which = config.log.file === undefined ? `(unset: the instance's log file ${file})` : `(${file})`;
      throw bad('log.file', `${which} cannot be written: ${why}. Point it at a writable file, or "-" for stderr`, options.source);
    }
  }
  await checkMetricsEndpoint(config, options.ports, options.source);
  if (options.ports !== undefined) await checkSharedPorts(config, options.ports.running, options.source);
  // A static route's host name must resolve (the daemon resolves it once, at start).
  if (options.resolveRoutes !== false) await resolveRouteTargets(config.routes, options.source);
}
