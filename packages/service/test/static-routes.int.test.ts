// Static routes (#16): a net.tcp server that cannot register (here a plain TCP server standing in
// for an unmodified WCF service; packages/interop has the stock Mono ServiceHost) gets the
// connections whose via matches, with every byte the client sent from byte 0, and answers them
// itself; routes share the routing table with registrations, and a server that is down costs only
// the client its connection.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlErrorCodes } from '@portshare/control';
import { encodeFault, encodePreamble, FaultUri } from '@portshare/framing';
import { FrontGate } from '@portshare/handoff';
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
      {
        uri: `net.tcp://localhost:${port}/legacy/`,
        hostNameComparisonMode: 'StrongWildcard',
        backends: [{ to: `127.0.0.1:${backend.port}`, address: '127.0.0.1', healthy: true, failures: 0 }],
        healthy: true,
        dispatched: 1,
      },
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

  it('a server that is down: the client gets ConnectionDispatchFailed, the route shows it down, and recovers on its own', async () => {
    const backend = await tagServer('S:');
    const backendPort = backend.port;
    await new Promise<void>((r) => backend.server.close(() => r()));
    const port = await freePort();
    const via = `net.tcp://localhost:${port}/legacy`;
    const { paths } = await daemonWith({ routes: [{ uri: via, to: `127.0.0.1:${backendPort}` }] });
    const refused = await exchange(port, encodePreamble({ via, encoding: 8 }), { timeoutMs: 5000 });
    expect(refused.data.equals(encodeFault(FaultUri.ConnectionDispatchFailed))).toBe(true);
    const down = (await status(paths)).routes![0]!;
    expect(down).toMatchObject({ healthy: false, backends: [{ healthy: false, lastError: 'ECONNREFUSED', failures: 1 }] });
    // The server comes back: the next connection finds it (every server of the route is down, so
    // each connection tries), and the route is healthy again.
    await tagServer('B:', backendPort);
    expect((await call(port, via, 2)).data.subarray(0, 2).toString()).toBe('B:');
    expect((await status(paths)).routes![0]).toMatchObject({ healthy: true, backends: [{ healthy: true, failures: 1 }] });
  });

  it('several servers: taken in turn, one that is down skipped until it answers again', async () => {
    const one = await tagServer('1:');
    const two = await tagServer('2:');
    const port = await freePort();
    const via = `net.tcp://localhost:${port}/farm`;
    const { paths } = await daemonWith({ routes: [{ uri: via, to: [`127.0.0.1:${one.port}`, `127.0.0.1:${two.port}`] }] });
    const tags = [];
    for (let i = 0; i < 6; i++) tags.push((await call(port, via, 2)).data.subarray(0, 2).toString());
    expect(tags).toEqual(['1:', '2:', '1:', '2:', '1:', '2:']);
    // Server 2 goes away: one client gets the fault, then every connection goes to server 1.
    await new Promise<void>((r) => two.server.close(() => r()));
    const after: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await exchange(port, encodePreamble({ via, encoding: 8 }), { expectBytes: 2, timeoutMs: 5000 });
      r.socket.destroy();
      after.push(r.data[0] === 0x08 ? 'fault' : r.data.subarray(0, 2).toString());
    }
    expect(after.filter((t) => t === 'fault').length).toBeLessThanOrEqual(1);
    expect(after.filter((t) => t === '1:').length).toBeGreaterThanOrEqual(5);
    const st = (await status(paths)).routes![0]!;
    expect(st.healthy).toBe(true);
    expect(st.backends.map((b) => b.healthy)).toEqual([true, false]);
  });

  it('a server that never answers the connect: the client gets the fault after routeConnectTimeoutMs', async () => {
    // A listener that never accepts, with a backlog of 1: once its queue is full the kernel drops
    // new SYNs, so a connection to it neither succeeds nor fails.
    const gate = FrontGate.open(
      { accepted() {}, blocked() {}, data() {}, end() {}, closed() {}, descriptorsExhausted() {}, proxyEnded() {}, failed() {} },
      { reserveDescriptors: 1 },
    );
    cleanups.push(() => gate.shutdown());
    const { port: slowPort } = gate.listen('127.0.0.1', 0, 1, false);
    const fillers = Array.from({ length: 4 }, () => connect(slowPort, '127.0.0.1').on('error', () => {}));
    cleanups.push(() => fillers.forEach((f) => f.destroy()));
    await sleep(200);
    const port = await freePort();
    const via = `net.tcp://localhost:${port}/slow`;
    const { paths } = await daemonWith({ routeConnectTimeoutMs: 400, routes: [{ uri: via, to: `127.0.0.1:${slowPort}` }] });
    const started = Date.now();
    const r = await exchange(port, encodePreamble({ via, encoding: 8 }), { timeoutMs: 5000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(r.data.equals(encodeFault(FaultUri.ConnectionDispatchFailed))).toBe(true);
    expect((await status(paths)).routes![0]!.backends[0]).toMatchObject({ healthy: false, lastError: 'ETIMEDOUT' });
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
