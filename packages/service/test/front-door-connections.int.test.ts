// Attacks on the daemon's connection path (issue "The front door holds", items 1, 3, 6 and 12),
// each against the real daemon process over real sockets; the local-account ones as a real second
// account created with useradd.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveInstance, waitForDaemon, type InstancePaths } from '@portshare/control';
import { FaultUri, encodeFault, encodePreamble } from '@portshare/framing';
import { ensureAccount, rootForSuite, spawnNode } from '@portshare/test-utils';
import {
  SERVICE_MAIN,
  exchange,
  freePort,
  makeHome,
  sleep,
  startDaemon,
  startEchoWorker,
  status,
  type DaemonProcess,
  type WorkerProcess,
} from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const REGISTER_PATH = join(here, 'fixtures', 'register-path.mjs');

let daemon: DaemonProcess | undefined;
const workers: WorkerProcess[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await w.kill9().catch(() => {});
  await daemon?.kill9().catch(() => {});
  daemon = undefined;
  for (const c of cleanups.splice(0).reverse()) c();
});

function home(config: Record<string, unknown> = {}): { home: string; paths: InstancePaths } {
  const h = makeHome(config);
  cleanups.push(h.cleanup);
  return h;
}

const preamble = (via: string) => encodePreamble({ via, encoding: 8 });

describe('remote clients', () => {
  it('a valid preamble followed by 64 KiB in one write neither fails the hand-off nor costs the worker its registration', async () => {
    const { home: h, paths } = home();
    daemon = await startDaemon(h);
    const port = await freePort();
    const uri = `net.tcp://localhost:${port}/app`;
    workers.push(await startEchoWorker(h, uri, 'A'));
    const before = await status(paths);
    for (let i = 0; i < 20; i++) {
      const sent = Buffer.concat([preamble(uri), Buffer.alloc(64 * 1024, 0x41)]);
      // The worker answers with its tag first: the hand-off went through.
      const got = await exchange(port, sent, { expectBytes: 2 });
      got.socket.destroy();
      expect(got.data.toString('latin1', 0, 2)).toBe('A:');
    }
    const after = await status(paths);
    expect(after.counters.urisUnregistered).toBe(before.counters.urisUnregistered);
    expect(after.registrations.map((r) => r.uri)).toEqual([uri]);
    expect(after.counters.connectionsDispatched - before.counters.connectionsDispatched).toBe(20);
  });

  it('500 clients connecting at once with maxPendingConnections 100: every one is served, none closed without a byte', async () => {
    const { home: h } = home({ maxPendingConnections: 100, listenBacklog: 1024 });
    daemon = await startDaemon(h);
    const port = await freePort();
    const uri = `net.tcp://localhost:${port}/app`;
    workers.push(await startEchoWorker(h, uri, 'A'));
    const sent = preamble(uri);
    const results = await Promise.all(
      Array.from({ length: 500 }, () =>
        exchange(port, sent, { expectBytes: 2, timeoutMs: 30_000 }).then((r) => {
          r.socket.destroy();
          return r.data.toString('latin1', 0, 2);
        }),
      ),
    );
    expect(results.filter((r) => r !== 'A:')).toEqual([]);
  }, 60_000);

  it('a worker that stops taking hand-offs costs only its own clients: stalled after workerStallTimeoutMs, its hand-offs are withdrawn and new ones aborted; it keeps its registration', async () => {
    const { home: h, paths } = home({ maxPendingConnections: 20, receiveTimeoutMs: 20_000, workerStallTimeoutMs: 1000 });
    daemon = await startDaemon(h);
    const port = await freePort();
    const stuck = await startEchoWorker(h, `net.tcp://localhost:${port}/stuck`, 'S');
    workers.push(stuck, await startEchoWorker(h, `net.tcp://localhost:${port}/ok`, 'O'));
    process.kill(stuck.pid, 'SIGSTOP');
    try {
      // More than the worker's socket buffer holds, so hand-offs queue in the daemon.
      const stuckClients = Array.from({ length: 400 }, () => exchange(port, preamble(`net.tcp://localhost:${port}/stuck`), { expectBytes: 2, timeoutMs: 4000 }));
      await sleep(300);
      const started = Date.now();
      const ok = await exchange(port, preamble(`net.tcp://localhost:${port}/ok`), { expectBytes: 2, timeoutMs: 8000 });
      ok.socket.destroy();
      expect(ok.data.toString('latin1', 0, 2)).toBe('O:');
      // The other worker's client waited at most about workerStallTimeoutMs, not receiveTimeout.
      expect(Date.now() - started).toBeLessThan(1000 + 1500);
      const results = await Promise.all(stuckClients);
      for (const r of results) r.socket.destroy();
      // Those the daemon could not hand off were closed, not kept.
      expect(results.filter((r) => r.ended && r.data.length === 0).length).toBeGreaterThan(0);
      const st = await status(paths);
      expect(st.registrations.map((r) => r.uri).sort()).toEqual([`net.tcp://localhost:${port}/ok`, `net.tcp://localhost:${port}/stuck`]);
      expect(readLog(paths).some((l) => l.msg?.startsWith('hand-off withdrawn'))).toBe(true);
      // Once it takes hand-offs again, its clients are served again.
      process.kill(stuck.pid, 'SIGCONT');
      let served = false;
      for (let i = 0; i < 40 && !served; i++) {
        const again = await exchange(port, preamble(`net.tcp://localhost:${port}/stuck`), { expectBytes: 2, timeoutMs: 1000 });
        again.socket.destroy();
        served = again.data.toString('latin1', 0, 2) === 'S:';
        if (!served) await sleep(100);
      }
      expect(served).toBe(true);
    } finally {
      process.kill(stuck.pid, 'SIGCONT');
    }
  }, 30_000);

  it('a worker that sat idle longer than workerStallTimeoutMs is not taken for stalled when many clients arrive at once', async () => {
    const { home: h, paths } = home({ workerStallTimeoutMs: 200 });
    daemon = await startDaemon(h);
    const port = await freePort();
    const uri = `net.tcp://localhost:${port}/idle`;
    workers.push(await startEchoWorker(h, uri, 'I'));
    const once = await exchange(port, preamble(uri), { expectBytes: 2 });
    once.socket.destroy();
    await sleep(600);
    const results = await Promise.all(Array.from({ length: 64 }, () => exchange(port, preamble(uri), { expectBytes: 2, timeoutMs: 5000 })));
    for (const r of results) r.socket.destroy();
    expect(results.filter((r) => r.data.toString('latin1', 0, 2) !== 'I:').length).toBe(0);
    expect((await status(paths)).counters.dispatchFailures).toBe(0);
  });

  it('with the open-files limit at 64, 150 churning connections cannot lock out status or registrations', async () => {
    const { home: h, paths } = home({ maxPendingConnections: 200 });
    const p = spawn('prlimit', ['--nofile=64:64', process.execPath, SERVICE_MAIN, '--home', h], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    cleanups.push(() => p.kill('SIGKILL'));
    const hello = await waitForDaemon(resolveInstance({ home: h }), 10_000, () => {
      if (p.exitCode !== null) throw new Error(`daemon exited ${p.exitCode}: ${stderr}`);
    });
    expect(hello).toBeDefined();
    const port = await freePort();
    const uri = `net.tcp://localhost:${port}/app`;
    workers.push(await startEchoWorker(h, uri, 'A'));
    // 150 clients that connect and say nothing, reconnecting as soon as they are dropped.
    let stop = false;
    const held = new Set<Socket>();
    const churn = (): void => {
      if (stop) return;
      const s = connect(port, '127.0.0.1');
      held.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        held.delete(s);
        setTimeout(churn, 5);
      });
    };
    for (let i = 0; i < 150; i++) churn();
    await sleep(1500);
    try {
      const st = await status(paths);
      expect(st.state).toBe('running');
      // A second worker registers while the flood goes on.
      workers.push(await startEchoWorker(h, `net.tcp://localhost:${port}/other`, 'B'));
      // The daemon warned at start that the limit is too low for its configuration, and says why
      // it pauses, at most about once a second.
      const log = readLog(paths);
      expect(log.some((l) => l.msg?.startsWith('the open-files limit (64)'))).toBe(true);
      expect(log.filter((l) => l.msg?.startsWith('out of file descriptors')).length).toBeLessThanOrEqual(4);
    } finally {
      stop = true;
      for (const s of held) s.destroy();
    }
    // And once the flood ends, clients are served again.
    await sleep(300);
    const got = await exchange(port, preamble(uri), { expectBytes: 2, timeoutMs: 10_000 });
    got.socket.destroy();
    expect(got.data.toString('latin1', 0, 2)).toBe('A:');
  }, 30_000);
});

function readLog(paths: InstancePaths): { msg?: string }[] {
  const text = readFileSync(paths.logFile, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { msg?: string });
}

const haveRoot = rootForSuite('The local-account attacks need root: they create an account with useradd and run as it; run the tests as root, as CI does.');

describe.runIf(haveRoot)('an allowed local account', () => {
  it('cannot make the daemon its deputy: a proxy registration naming a root-only socket gets no byte relayed', async () => {
    const attacker = ensureAccount('psfd-deputy');
    const { home: h, paths } = home({ handoff: 'proxy', allowAccounts: { users: ['psfd-deputy'], groups: [] } });
    daemon = await startDaemon(h);
    // A root-only Unix socket: a folder only root may enter.
    const privateDir = mkdtempSync(join(tmpdir(), 'ps-root-'));
    chmodSync(privateDir, 0o700);
    mkdirSync(privateDir, { recursive: true });
    cleanups.push(() => rmSync(privateDir, { recursive: true, force: true }));
    const secret = join(privateDir, 'admin.sock');
    const received: Buffer[] = [];
    const server = createServer((s) => {
      s.on('error', () => {});
      s.on('data', (c: Buffer) => received.push(c));
      s.write('SECRET');
    });
    await new Promise<void>((r) => server.listen(secret, r));
    cleanups.push(() => server.close());
    const port = await freePort();
    const uri = `net.tcp://localhost:${port}/steal`;
    const p = spawnNode([REGISTER_PATH, uri, 'Exact', 'proxy', secret], { PORTSHARE_HOME: h }, { uid: attacker.uid, gid: attacker.gid });
    cleanups.push(() => void p.kill('SIGKILL'));
    const m = await p.waitFor(/(READY|ERROR) (.*)\n/);
    expect(m[1]).toBe('READY');
    const got = await exchange(port, preamble(uri), { timeoutMs: 5000 });
    got.socket.destroy();
    // The client gets WCF's dispatch-failed fault, root's socket gets nothing, and the attacker's
    // registration is gone.
    expect(got.data.equals(encodeFault(FaultUri.ConnectionDispatchFailed))).toBe(true);
    expect(Buffer.concat(received).length).toBe(0);
    await p.waitFor(/DAEMON-GONE\n/);
    expect((await status(paths)).registrations).toEqual([]);
  });
});
