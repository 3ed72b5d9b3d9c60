import { readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeHandoffPayload } from '@portshare/control';
import { encodePreamble } from '@portshare/framing';
import { HandoffSender } from '@portshare/handoff';
import { letOthersRun, socketFd } from '@portshare/test-utils';
import { daemonStatus, freePort, LISTENER_WORKER, makeHome, roundTrip, spawnProc, startDaemon, type Proc } from './helpers.js';

const procs: Proc[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const p of procs.splice(0).reverse()) await p.kill('SIGKILL');
  for (const c of cleanups.splice(0)) c();
});

function worker(uri: string, sharing: 'on' | 'off', name: string, home?: string, env: NodeJS.ProcessEnv = {}): Proc {
  const p = spawnProc([LISTENER_WORKER, uri, sharing, name], { ...(home ? { PORTSHARE_HOME: home } : {}), ...env });
  procs.push(p);
  return p;
}

/** The status of the daemon a worker started on demand; it is not our child, so it is stopped at the end. */
async function onDemandDaemon(paths: Parameters<typeof daemonStatus>[0]) {
  const status = await daemonStatus(paths);
  cleanups.unshift(() => process.kill(status.pid, 'SIGKILL'));
  return status;
}

async function hello(port: number, path: string) {
  const via = `net.tcp://localhost:${port}${path}`;
  const bytes = encodePreamble({ via, encoding: 8 });
  const { data, socket } = await roundTrip(port, bytes, 2 + bytes.length);
  socket.destroy();
  expect(data.subarray(2)).toEqual(bytes);
  return data.toString('latin1', 0, 1);
}

describe('NetTcpListener without port sharing', () => {
  it("owns its port, and a second process gets WCF's AddressAlreadyInUse text", async () => {
    const port = await freePort();
    const a = worker(`net.tcp://localhost:${port}/a`, 'off', 'A');
    await a.waitFor(/READY exclusive/);
    expect(await hello(port, '/a')).toBe('A');
    const b = worker(`net.tcp://localhost:${port}/b`, 'off', 'B');
    const m = await b.waitFor(/ERROR (\S+) (.*)\n/);
    expect(m[1]).toBe('WORKER_ERR_ADDRESS_ALREADY_IN_USE');
    expect(m[2]).toBe(
      `There is already a listener on IP endpoint 0.0.0.0:${port}.  Make sure that you are not trying to use this endpoint multiple times in your application and that there are no other applications listening on this endpoint.`,
    );
  });
});

describe('NetTcpListener with port sharing', () => {
  it('fails with the "disabled" text when sharing is disabled and the daemon is not running', async () => {
    const { home, cleanup } = makeHome({ enabled: false });
    cleanups.push(cleanup);
    const w = worker('net.tcp://localhost:9000/calculator/1', 'on', 'A', home);
    const m = await w.waitFor(/ERROR (\S+) (.*)\n/);
    expect(m[1]).toBe('WORKER_ERR_DISABLED');
    expect(m[2]).toBe(
      "The TransportManager failed to listen on the supplied URI using the portshare service: failed to start the service because it is disabled. An administrator can enable it by running 'portshare enable'.",
    );
  });

  it('starts the daemon on demand when enabled, and two workers share one port while a third owns another', async () => {
    const { home, paths, cleanup } = makeHome();
    cleanups.push(cleanup);
    const shared = await freePort();
    const own = await freePort();
    const a = worker(`net.tcp://localhost:${shared}/one`, 'on', 'A', home);
    await a.waitFor(/READY shared/);
    const b = worker(`net.tcp://localhost:${shared}/two`, 'on', 'B', home);
    await b.waitFor(/READY shared/);
    const c = worker(`net.tcp://localhost:${own}/three`, 'off', 'C');
    await c.waitFor(/READY exclusive/);
    const status = await onDemandDaemon(paths);
    expect(status.registrations.map((r) => r.uri).sort()).toEqual([
      `net.tcp://localhost:${shared}/one`,
      `net.tcp://localhost:${shared}/two`,
    ]);
    expect(await hello(shared, '/one/x')).toBe('A');
    expect(await hello(shared, '/two')).toBe('B');
    expect(await hello(own, '/three')).toBe('C');
    const dup = worker(`net.tcp://localhost:${shared}/one`, 'on', 'D', home);
    const m = await dup.waitFor(/ERROR (\S+) (.*)\n/);
    expect(m[1]).toBe('WORKER_ERR_ALREADY_REGISTERED');
    expect(m[2]).toBe(
      'The TransportManager failed to listen on the supplied URI using the portshare service: the URI is already registered with the service.',
    );
  });

  it("tells each connection's client and local endpoints, whether it was passed, proxied or accepted", async () => {
    const { home, paths, cleanup } = makeHome();
    cleanups.push(cleanup);
    const shared = await freePort();
    const own = await freePort();
    const fd = worker(`net.tcp://localhost:${shared}/fd`, 'on', 'A', home);
    await fd.waitFor(/READY shared/);
    const proxied = worker(`net.tcp://localhost:${shared}/proxy`, 'on', 'B', home, { FORCE_PROXY: '1' });
    await proxied.waitFor(/READY shared/);
    const direct = worker(`net.tcp://localhost:${own}/direct`, 'off', 'C');
    await direct.waitFor(/READY exclusive/);
    await onDemandDaemon(paths);
    for (const [w, port, path, transport] of [
      [fd, shared, '/fd', 'fd'],
      [proxied, shared, '/proxy', 'proxy'],
      [direct, own, '/direct', 'direct'],
    ] as const) {
      const via = `net.tcp://localhost:${port}${path}`;
      const bytes = encodePreamble({ via, encoding: 8 });
      const { socket } = await roundTrip(port, bytes, 2 + bytes.length);
      const clientPort = socket.localPort;
      socket.destroy();
      const m = await w.waitFor(/CONN (\S+) (\S+) (\d+) (\S+) (\d+)\n/);
      expect([m[1], m[2], Number(m[3]), m[4], Number(m[5])]).toEqual([transport, '127.0.0.1', clientPort, '127.0.0.1', port]);
    }
  });

  it('takes hand-offs from the sharing service only: a forged one from another process is refused with a warning', async () => {
    const { home, paths, cleanup } = makeHome();
    cleanups.push(cleanup);
    const shared = await freePort();
    const fd = worker(`net.tcp://localhost:${shared}/fd`, 'on', 'A', home);
    await fd.waitFor(/READY shared/);
    const proxied = worker(`net.tcp://localhost:${shared}/proxy`, 'on', 'B', home, { FORCE_PROXY: '1' });
    await proxied.waitFor(/READY shared/);
    const status = await onDemandDaemon(paths);
    const sockets = readdirSync(join(paths.runDir, 'workers'));
    // Each receiver binds h.sock in a folder of its own, w<pid>-<random> (src/handoff-folder.ts).
    const socketOf = (w: Proc) => join(paths.runDir, 'workers', sockets.find((f) => f.startsWith(`w${w.proc.pid}-`))!, 'h.sock');
    const forged = encodeHandoffPayload(
      { connectionId: 1, registrationId: 1, via: `net.tcp://localhost:${shared}/fd`, remoteAddress: '203.0.113.9', remotePort: 1, localAddress: '127.0.0.1', localPort: shared },
      encodePreamble({ via: `net.tcp://localhost:${shared}/fd`, encoding: 8 }),
    );
    // fd mode: this test process passes a socket of its own over SCM_RIGHTS.
    const victim = await new Promise<Socket>((resolve) => {
      const s = connect({ port: shared, host: '127.0.0.1' }, () => resolve(s));
    });
    const sender = HandoffSender.connect(socketOf(fd));
    // The worker closes the connection as soon as it accepts it, before reading anything.
    const w1 = await fd.waitFor(/WARNING (\S+) (.*)\n/);
    expect(w1[1]).toBe('WORKER_ERR_BAD_HANDOFF');
    expect(w1[2]).toContain(`allowed sender (pid ${status.pid})`);
    await expect(sender.send(socketFd(victim), forged)).rejects.toMatchObject({ code: 'HANDOFF_ERR_SEND' });
    sender.close();
    victim.destroy();
    // proxy mode: a stream to the worker's socket with a forged preface.
    const stream = connect(socketOf(proxied));
    stream.on('error', () => {});
    const preface = Buffer.alloc(4 + forged.length);
    preface.writeUInt32BE(forged.length, 0);
    forged.copy(preface, 4);
    stream.write(preface);
    const w2 = await proxied.waitFor(/WARNING (\S+) (.*)\n/);
    expect(w2[1]).toBe('WORKER_ERR_BAD_HANDOFF');
    expect(w2[2]).toContain(`only the sharing service (pid ${status.pid})`);
    stream.destroy();
    // Neither worker took the forged connection; both still serve clients through the daemon.
    expect(fd.out()).not.toContain('CONN');
    expect(proxied.out()).not.toContain('CONN');
    expect(await hello(shared, '/fd')).toBe('A');
    expect(await hello(shared, '/proxy')).toBe('B');
  });

  it('re-registers within 2 s of a daemon restart, and a handed-off connection carries on throughout', async () => {
    const { home, paths, cleanup } = makeHome();
    cleanups.push(cleanup);
    const port = await freePort();
    const daemon = await startDaemon(home);
    procs.push(daemon);
    const a = worker(`net.tcp://localhost:${port}/svc`, 'on', 'A', home);
    await a.waitFor(/READY shared/);
    const via = `net.tcp://localhost:${port}/svc`;
    const bytes = encodePreamble({ via, encoding: 8 });
    const { socket } = await roundTrip(port, bytes, 2 + bytes.length);
    await daemon.kill('SIGKILL');
    await a.waitFor(/UNREGISTERED/);
    const echoed = new Promise<Buffer>((r) => socket.once('data', r));
    socket.write('during the outage');
    expect((await echoed).toString()).toBe('during the outage');
    const restarted = Date.now();
    const again = await startDaemon(home);
    procs.push(again);
    await a.waitFor(/REGISTERED \d+/, 5000);
    expect(Date.now() - restarted).toBeLessThan(2000);
    expect((await daemonStatus(paths)).registrations).toHaveLength(1);
    expect(await hello(port, '/svc')).toBe('A');
    const still = new Promise<Buffer>((r) => socket.once('data', r));
    socket.write('after the restart');
    expect((await still).toString()).toBe('after the restart');
    socket.destroy();
  });

  it('unregisters at once when the listener closes', async () => {
    const { home, paths, cleanup } = makeHome();
    cleanups.push(cleanup);
    const daemon = await startDaemon(home);
    procs.push(daemon);
    const port = await freePort();
    const a = worker(`net.tcp://localhost:${port}/svc`, 'on', 'A', home);
    await a.waitFor(/READY shared/);
    expect((await daemonStatus(paths)).registrations).toHaveLength(1);
    a.proc.kill('SIGTERM');
    await a.waitFor(/CLOSED/);
    expect((await daemonStatus(paths)).registrations).toHaveLength(0);
  });
});

describe('NetTcpListener with a daemon that dropped root', () => {
  const isRoot = process.getuid?.() === 0;
  if (process.env['CI'] && !isRoot) throw new Error('CI runs as root: this test starts the daemon as root and drops to nobody');

  it.runIf(isRoot)('registers and receives connections when the daemon runs as another user', async () => {
    letOthersRun(); // the daemon, as nobody, reads its code from this checkout
    const { home, paths, cleanup } = makeHome({ config: { user: 'nobody' } });
    cleanups.push(cleanup);
    const daemon = await startDaemon(home);
    procs.push(daemon);
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${daemon.pid}/status`, 'utf8'))?.[1];
    expect(uid).toBe('65534');
    const port = await freePort();
    const a = worker(`net.tcp://localhost:${port}/svc`, 'on', 'A', home);
    await a.waitFor(/READY shared/);
    expect((await daemonStatus(paths)).handoff).toBe('fd');
    expect(await hello(port, '/svc/x')).toBe('A');
  });
});
