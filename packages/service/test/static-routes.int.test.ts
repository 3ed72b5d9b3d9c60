// Static routes (#16): a net.tcp server that cannot register (here a plain TCP server standing in
// for an unmodified WCF service; packages/interop has the stock Mono ServiceHost) gets the
// connections whose via matches, with every byte the client sent from byte 0, and answers them
// itself; routes share the routing table with registrations, and a server that is down costs only
// the client its connection.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlErrorCodes } from '@portshare/control';
import { encodePreamble } from '@portshare/framing';
import { exchange, freePort, makeHome, sleep, startDaemon, startEchoWorker, status, type DaemonProcess, type WorkerProcess } from './helpers.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A TCP server that writes its tag, then echoes: what it got is what the client sent, from byte 0. */
async function tagServer(tag: string, port = 0): Promise<{ port: number; received: () => Buffer; server: Server }> {
  const got: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    s.write(tag);
    s.on('data', (c: Buffer) => {
      got.push(c);
      s.write(c);
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, received: () => Buffer.concat(got), server };
}

async function daemonWith(config: Record<string, unknown>): Promise<{ home: string; paths: ReturnType<typeof makeHome>['paths'] }> {
  const h = makeHome(config);
  cleanups.push(h.cleanup);
  const d: DaemonProcess = await startDaemon(h.home);
  cleanups.push(() => d.kill9());
  return { home: h.home, paths: h.paths };
}

async function call(port: number, via: string, tagLength: number): Promise<{ data: Buffer; sent: Buffer }> {
  const sent = encodePreamble({ via, encoding: 8 });
  const r = await exchange(port, sent, { expectBytes: tagLength + sent.length, timeoutMs: 5000 });
  r.socket.destroy();
  return { data: r.data, sent };
}

describe('static routes', () => {
  it("relay a matching via to the server, which reads the client's bytes from byte 0; status and the routing table show them", async () => {
    const backend = await tagServer('S:');
    const port = await freePort();
    const { home, paths } = await daemonWith({ routes: [{ uri: `net.tcp://localhost:${port}/legacy/`, to: `127.0.0.1:${backend.port}` }] });
    const { data, sent } = await call(port, `net.tcp://localhost:${port}/legacy/Service.svc`, 2);
    expect(data.equals(Buffer.concat([Buffer.from('S:'), sent]))).toBe(true);
    expect(backend.received().equals(sent)).toBe(true);
    const st = await status(paths);
    expect(st.routes).toEqual([
      { uri: `net.tcp://localhost:${port}/legacy/`, hostNameComparisonMode: 'StrongWildcard', to: `127.0.0.1:${backend.port}`, address: '127.0.0.1', dispatched: 1 },
    ]);
    expect(st.registrations).toEqual([]);

    // A worker cannot take the routed URI, but a longer path under it wins, by SMSvcHost's rule.
    await expect(startEchoWorker(home, `net.tcp://localhost:${port}/legacy/`, 'W')).rejects.toMatchObject({ code: ControlErrorCodes.ConflictingRegistration });
    const worker: WorkerProcess = await startEchoWorker(home, `net.tcp://localhost:${port}/legacy/new`, 'W');
    cleanups.push(() => worker.kill9());
    expect((await call(port, `net.tcp://localhost:${port}/legacy/new/x`, 2)).data.subarray(0, 2).toString()).toBe('W:');
    expect((await call(port, `net.tcp://localhost:${port}/legacy/old`, 2)).data.subarray(0, 2).toString()).toBe('S:');
    // Another via on the port is not routed: EndpointNotFound, as ever (a fault record, 0x08).
    expect((await call(port, `net.tcp://localhost:${port}/other`, 1)).data[0]).toBe(0x08);
  });

  it('a server that is down costs the client its connection, not the route: it is served again once the server is back', async () => {
    const backend = await tagServer('S:');
    const backendPort = backend.port;
    await new Promise<void>((r) => backend.server.close(() => r()));
    const port = await freePort();
    const { paths } = await daemonWith({ routes: [{ uri: `net.tcp://localhost:${port}/legacy`, to: `127.0.0.1:${backendPort}` }] });
    const sent = encodePreamble({ via: `net.tcp://localhost:${port}/legacy`, encoding: 8 });
    const refused = await exchange(port, sent, { timeoutMs: 5000 });
    expect(refused.ended).toBe(true);
    expect(refused.data.length).toBe(0);
    expect((await status(paths)).routes).toHaveLength(1);
    await tagServer('B:', backendPort);
    const { data } = await call(port, `net.tcp://localhost:${port}/legacy`, 2);
    expect(data.subarray(0, 2).toString()).toBe('B:');
  });

  it('a route to a host name is resolved at start; one that does not resolve, or a bad "to", is refused with its key', async () => {
    const backend = await tagServer('S:');
    const port = await freePort();
    await daemonWith({ routes: [{ uri: `net.tcp://localhost:${port}/byname`, to: `localhost:${backend.port}`, hostNameComparisonMode: 'Exact' }] });
    expect((await call(port, `net.tcp://localhost:${port}/byname`, 2)).data.subarray(0, 2).toString()).toBe('S:');

    const bad = makeHome({ routes: [{ uri: `net.tcp://localhost:${port}/x`, to: 'no-such-host.invalid:9000' }] });
    cleanups.push(bad.cleanup);
    await expect(startDaemon(bad.home)).rejects.toThrow(/'routes\[0\]\.to' names a host 'no-such-host\.invalid' that does not resolve/);
    const worse = makeHome({ routes: [{ uri: `net.tcp://localhost:${port}/x`, to: '127.0.0.1' }] });
    cleanups.push(worse.cleanup);
    await expect(startDaemon(worse.home)).rejects.toThrow(/'routes\[0\]\.to' must be host:port/);
    await sleep(0);
  });
});
