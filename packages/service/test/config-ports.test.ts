// checkConfigOnHost's port check (`portshare config validate`): each port the daemon binds at start
// is bound for a moment, with real sockets. One held by another program is refused with its key;
// one the instance's running daemon holds is fine (a restart takes it over, docs/operations.md);
// and the daemon's own start, which does not ask for the check, is not refused by either.
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config.js';
import { checkConfigOnHost, type RunningService } from '../src/config-host.js';
import { refusedConfig } from './helpers.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** Another program's listening socket: on `host`, port 0 for any free one. */
async function holder(host: string, port = 0): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, ipv6Only: host === '::' }, resolve);
  });
  return (server.address() as AddressInfo).port;
}

/** A port free now (bound and let go). */
async function freePort(): Promise<number> {
  const port = await holder('0.0.0.0');
  await new Promise((r) => servers.pop()!.close(r));
  return port;
}

const ipv6Works = await new Promise<boolean>((resolve) => {
  const s = createServer();
  s.once('error', () => resolve(false));
  s.listen({ host: '::1', port: 0 }, () => s.close(() => resolve(true)));
});

const check = (config: Record<string, unknown>, ports?: { running: RunningService | undefined }) =>
  checkConfigOnHost(validateConfig({ log: { file: '-' }, ...config }), { source: 'test.json', defaultLogFile: '-', resolveRoutes: false, ...(ports ? { ports } : {}) });

const refused = refusedConfig;

const none = { running: undefined };

describe('checkConfigOnHost with ports: every port the daemon binds', () => {
  it('a reserved port another program holds is refused with the key, the port and what to do', async () => {
    const port = await holder('0.0.0.0');
    await refused(
      check({ reservedPorts: [await freePort(), port] }, none),
      'reservedPorts[1]',
      new RegExp(`\\(port ${port}\\) is in use on 0\\.0\\.0\\.0 by another program \\(EADDRINUSE\\): free the port, or remove it from reservedPorts; \`ss -ltnp 'sport = :${port}'\``),
    );
  });

  it('a free reserved port is accepted, and a held one is not probed for the daemon itself (it takes sockets over at start)', async () => {
    await expect(check({ reservedPorts: [await freePort()] }, none)).resolves.toBeUndefined();
    const held = await holder('0.0.0.0');
    await expect(check({ reservedPorts: [held] })).resolves.toBeUndefined();
  });

  it("a port the instance's running daemon holds is accepted: a restart takes its sockets over", async () => {
    const port = await holder('0.0.0.0');
    const running: RunningService = { known: true, pid: 4242, listeners: [{ address: '0.0.0.0', port }, { address: '::', port }], metricsPort: undefined };
    await expect(check({ reservedPorts: [port] }, { running })).resolves.toBeUndefined();
    // The same port held by another daemon's status is no excuse for the socket this one holds.
    await refused(check({ reservedPorts: [port] }, { running: { ...running, listeners: [{ address: '0.0.0.0', port: port + 1 }] } }), 'reservedPorts[0]', /by another program/);
  });

  it('a daemon that holds the port on one address only is named: a restart could not bind the any-address beside it', async () => {
    const port = await holder('127.0.0.1');
    const running: RunningService = { known: true, pid: 4242, listeners: [{ address: '127.0.0.1', port }], metricsPort: undefined };
    await refused(
      check({ reservedPorts: [port] }, { running }),
      'reservedPorts[0]',
      new RegExp(`in use on 0\\.0\\.0\\.0 by this instance's portshare service \\(pid 4242\\) on 127\\.0\\.0\\.1:${port} only`),
    );
  });

  it('a daemon that runs but cannot be asked is not taken for another program', async () => {
    const port = await holder('0.0.0.0');
    await refused(check({ reservedPorts: [port] }, { running: { known: false, why: 'pid 4242: CONTROL_ERR_ACCESS_DENIED' } }), 'reservedPorts[0]', /could not be asked which ports it holds \(pid 4242: CONTROL_ERR_ACCESS_DENIED;/);
  });

  it.runIf(ipv6Works)('with ipv6, [::] is bound too (IPv6-only, as the daemon binds it); without, it is not', async () => {
    const port = await holder('::');
    await refused(check({ reservedPorts: [port] }, none), 'reservedPorts[0]', new RegExp(`\\(port ${port}\\) is in use on :: by another program`));
    await expect(check({ reservedPorts: [port], ipv6: false }, none)).resolves.toBeUndefined();
  });

  it("a static route's port: on the any-addresses for a host name, on its address for an IP literal", async () => {
    const port = await holder('0.0.0.0');
    const route = (host: string, p: number) => ({ routes: [{ uri: `net.tcp://${host}:${p}/a/`, to: '127.0.0.1:9' }] });
    await refused(check(route('localhost', port), none), 'routes[0].uri', new RegExp(`\\(port ${port}\\) is in use on 0\\.0\\.0\\.0 by another program .*or give the route another port`));
    await refused(check(route('127.0.0.1', port), none), 'routes[0].uri', /in use on 127\.0\.0\.1 by another program/);
    await expect(check(route('localhost', await freePort()), none)).resolves.toBeUndefined();
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine. bind() only, no packet.
    await refused(check(route('192.0.2.1', await freePort()), none), 'routes[0].uri', /192\.0\.2\.1 is not an address of this machine \(EADDRNOTAVAIL\)/);
    // A route on a reserved port is served by the reserved sockets: the port is named once, as reserved.
    await refused(check({ ...route('localhost', port), reservedPorts: [port] }, none), 'reservedPorts[0]', /by another program/);
  });

  it('the metrics port: free, or the running daemon\'s (it lets it go before its successor binds it)', async () => {
    const port = await holder('127.0.0.1');
    await refused(
      check({ metrics: { port } }, none),
      'metrics.port',
      new RegExp(`\\(${port}\\) is in use on 127\\.0\\.0\\.1 by another program \\(EADDRINUSE\\): pick a free port; \`ss -ltnp 'sport = :${port}'\``),
    );
    await expect(check({ metrics: { port } }, { running: { known: true, pid: 4242, listeners: [], metricsPort: port } })).resolves.toBeUndefined();
    await expect(check({ metrics: { port: await freePort() } }, none)).resolves.toBeUndefined();
    // Without the port check (the daemon at start), only the host is checked, on any port.
    await expect(check({ metrics: { port } })).resolves.toBeUndefined();
  });
});
