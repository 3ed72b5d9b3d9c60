// A seamless restart (docs/operations.md, "Restart and reload"): a new daemon takes the listening
// sockets over from the running one, the SDK's workers register with it on the running daemon's
// word, and clients connecting all the while are neither refused, reset nor lost. Three ways in:
// `portshare-service --takeover` (what `portshare restart` runs), SIGHUP to the daemon, and
// `portshare-service --reload` (systemd's ExecReload=). Real daemons, real worker processes built
// on NetTcpListener, real TCP clients.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForDaemon, type InstancePaths } from '@portshare/control';
import { encodePreamble } from '@portshare/framing';
import { spawnNode, type NodeProcess } from '@portshare/test-utils';
import { LISTENER_WORKER, SERVICE_MAIN, daemonStatus, freePort, keepCalling, makeHome, spawnProc, startDaemon, type Proc } from './helpers.js';

const procs: Proc[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) await p.kill('SIGKILL');
  for (const c of cleanups.splice(0)) c();
});

interface LoopResult {
  ok: number;
  refused: number;
  reset: number;
  lost: number;
  errors: string[];
}

/** One client connection: preamble out, the worker's tag and the echo back, close. */
function oneCall(port: number, via: string, expectTag: string): Promise<'ok' | 'refused' | 'reset' | string> {
  const bytes = encodePreamble({ via, encoding: 8 });
  const want = expectTag.length + bytes.length;
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.write(bytes));
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => finish(`timed out after ${got.length} bytes`), 5000);
    const finish = (outcome: 'ok' | 'refused' | 'reset' | string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    socket.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      if (got.length >= want) finish(got.subarray(0, expectTag.length).toString() === expectTag ? 'ok' : `wrong reply ${got.toString('latin1')}`);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNREFUSED' ? 'refused' : err.code === 'ECONNRESET' ? 'reset' : `${err.code}`));
    socket.on('close', () => finish(`closed after ${got.length} of ${want} bytes: ${got.toString('latin1')}`));
  });
}

/** `loops` clients calling back to back until stop() resolves; counts every outcome. */
function clientLoops(port: number, via: string, tag: string, loops: number): { stop(): Promise<LoopResult>; result: LoopResult } {
  const result: LoopResult = { ok: 0, refused: 0, reset: 0, lost: 0, errors: [] };
  let running = true;
  const runs = Array.from({ length: loops }, async () => {
    while (running) {
      const outcome = await oneCall(port, via, tag);
      if (outcome === 'ok') result.ok++;
      else if (outcome === 'refused') result.refused++;
      else if (outcome === 'reset') result.reset++;
      else {
        result.lost++;
        if (result.errors.length < 5) result.errors.push(outcome);
      }
    }
  });
  return {
    result,
    stop: async () => {
      running = false;
      await Promise.all(runs);
      return result;
    },
  };
}

async function untilPidChanges(paths: InstancePaths, from: number, timeoutMs = 20_000): Promise<number> {
  const hello = await waitForDaemon(paths, timeoutMs, undefined, (h) => h.pid !== from);
  if (hello === undefined) throw new Error(`the daemon was still pid ${from} after ${timeoutMs} ms`);
  return hello.pid;
}

/** Whether a process runs; one that exited and waits to be reaped (a zombie, proc(5)) does not. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!running(pid)) return;
    if (Date.now() > deadline) throw new Error(`pid ${pid} did not exit within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function setUp(config?: Record<string, unknown>): Promise<{ home: string; paths: InstancePaths; port: number; via: string; daemonPid: number; worker: Proc }> {
  const { home, paths, cleanup } = makeHome(config === undefined ? {} : { config });
  cleanups.push(cleanup);
  const port = await freePort();
  const daemon = await startDaemon(home);
  procs.push(daemon);
  const via = `net.tcp://localhost:${port}/svc`;
  const worker = spawnProc([LISTENER_WORKER, via, 'on', 'A'], { PORTSHARE_HOME: home });
  procs.push(worker);
  await worker.waitFor(/READY shared/);
  return { home, paths, port, via, daemonPid: daemon.pid, worker };
}

describe('a seamless restart: the new daemon takes the sockets over', () => {
  it.each([
    ['portshare-service --takeover (portshare restart)', 'takeover'],
    ['SIGHUP to the running daemon', 'sighup'],
    ['portshare-service --reload (systemctl reload)', 'reload'],
  ] as const)('%s: 8 client loops through it, none refused, reset or lost, and the worker moves over', async (_title, how) => {
    const { home, paths, port, via, daemonPid, worker } = await setUp();
    const loops = clientLoops(port, via, 'A:', 8);
    await new Promise((r) => setTimeout(r, 300));
    const before = loops.result.ok;
    let successor: NodeProcess | undefined;
    if (how === 'takeover') {
      successor = spawnNode([SERVICE_MAIN, '--home', home, '--takeover']);
      procs.push(successor);
    } else if (how === 'sighup') {
      process.kill(daemonPid, 'SIGHUP');
    } else {
      const reload = spawnNode([SERVICE_MAIN, '--home', home, '--reload']);
      expect(await reload.exited).toBe(0);
      expect(reload.out()).toMatch(/reloaded; the service is now pid \d+/);
    }
    const newPid = await untilPidChanges(paths, daemonPid);
    await waitForExit(daemonPid);
    await new Promise((r) => setTimeout(r, 300));
    const result = await loops.stop();
    expect(result.errors).toEqual([]);
    expect({ refused: result.refused, reset: result.reset, lost: result.lost }).toEqual({ refused: 0, reset: 0, lost: 0 });
    expect(result.ok - before).toBeGreaterThan(100);
    // The worker registered with the new daemon while the old one still served, and never lost
    // its registration (no UNREGISTERED): it was told to move, it was not dropped.
    expect(worker.out()).not.toContain('UNREGISTERED');
    const status = await daemonStatus(paths);
    expect(status.pid).toBe(newPid);
    expect(status.registrations.map((r) => r.uri)).toEqual([via]);
    expect(readFileSync(paths.pidFile, 'utf8').trim()).toBe(String(newPid));
    if (successor !== undefined) expect(successor.pid).toBe(newPid);
    // Both daemons wrote the log; no line names a key twice (JSON tools keep only one of them).
    const lines = readFileSync(paths.logFile, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.match(/"pid":/g)!.length !== 1)).toEqual([]);
    expect(lines.some((l) => l.includes('"msg":"took over from the previous service"'))).toBe(true);
    // Leave no daemon behind: the new one is not a child of this test when SIGHUP or --reload
    // started it.
    process.kill(newPid, 'SIGTERM');
    await waitForExit(newPid);
  });

  it('a restart that cannot start (a configuration naming a missing account) leaves the running daemon serving, and says why', async () => {
    const { home, paths, port, via, daemonPid, worker } = await setUp();
    const config = JSON.parse(readFileSync(paths.configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(paths.configFile, JSON.stringify({ ...config, user: 'no-such-user-x7' }));
    const loops = clientLoops(port, via, 'A:', 4);
    const successor = spawnNode([SERVICE_MAIN, '--home', home, '--takeover']);
    procs.push(successor);
    expect(await successor.exited).not.toBe(0);
    expect(successor.err()).toMatch(/no-such-user-x7/);
    const result = await loops.stop();
    expect({ refused: result.refused, reset: result.reset, lost: result.lost, errors: result.errors }).toEqual({ refused: 0, reset: 0, lost: 0, errors: [] });
    expect((await daemonStatus(paths)).pid).toBe(daemonPid);
    expect(worker.out()).not.toContain('UNREGISTERED');
  });

  it('a new daemon that dies in the middle of a takeover leaves the running one serving, control socket included', async () => {
    const { home, paths, port, via, daemonPid } = await setUp();
    // takeoverTimeoutMs long, and a registration that never comes back: the new daemon waits.
    const config = JSON.parse(readFileSync(paths.configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(paths.configFile, JSON.stringify({ ...config, takeoverTimeoutMs: 60_000 }));
    const other = spawn(process.execPath, [LISTENER_WORKER, `net.tcp://localhost:${port}/other`, 'on', 'B'], {
      env: { ...process.env, PORTSHARE_HOME: home },
      stdio: 'ignore',
    });
    await new Promise((r) => setTimeout(r, 500));
    expect((await daemonStatus(paths)).registrations).toHaveLength(2);
    other.kill('SIGSTOP'); // it cannot register with the new daemon: the takeover waits for it
    const successor = spawnNode([SERVICE_MAIN, '--home', home, '--takeover']);
    procs.push(successor);
    // It serves the control socket once it has the sockets, then waits for the stopped worker.
    expect(await untilPidChanges(paths, daemonPid)).toBe(successor.pid);
    await new Promise((r) => setTimeout(r, 300));
    await successor.kill('SIGKILL');
    other.kill('SIGKILL');
    const loops = clientLoops(port, via, 'A:', 2);
    await new Promise((r) => setTimeout(r, 300));
    const result = await loops.stop();
    expect({ refused: result.refused, reset: result.reset, lost: result.lost, errors: result.errors }).toEqual({ refused: 0, reset: 0, lost: 0, errors: [] });
    expect(result.ok).toBeGreaterThan(0);
    const status = await daemonStatus(paths);
    expect(status.pid).toBe(daemonPid);
    // The worker that had moved fell back to its connection to the running daemon.
    expect(status.registrations.map((r) => r.uri)).toEqual([via]);
  });
});

describe('a restart in proxy mode: the connections the old daemon relays go on', () => {
  it('long connections relayed by the old daemon keep calling after the takeover; the old daemon exits once they end', async () => {
    const { home, paths, port, via, daemonPid } = await setUp({ handoff: 'proxy' });
    let calling = true;
    const sessions = Array.from({ length: 4 }, () => keepCalling(port, via, Number.POSITIVE_INFINITY, () => calling));
    await new Promise((r) => setTimeout(r, 300));
    const successor = spawnNode([SERVICE_MAIN, '--home', home, '--takeover']);
    procs.push(successor);
    await untilPidChanges(paths, daemonPid);
    await new Promise((r) => setTimeout(r, 500));
    const tookOverAt = Date.now();
    await new Promise((r) => setTimeout(r, 1000));
    // Released, the old daemon still relays its connections: it runs, and they are answered.
    expect(running(daemonPid)).toBe(true);
    calling = false;
    const calls = await Promise.all(sessions);
    expect(calls.map((c) => `${c.tag} ${c.end}`)).toEqual(calls.map(() => 'A ok'));
    for (const c of calls) expect(c.lastReplyAt).toBeGreaterThan(tookOverAt + 800);
    // They ended: so does it.
    await waitForExit(daemonPid);
    const lines = readFileSync(paths.logFile, 'utf8');
    expect(lines).toContain('retiring: relaying the proxied connections until they end');
    expect(lines).toContain('retiring: every proxied connection has ended');
    // New connections went to the new daemon meanwhile.
    expect(await oneCall(port, via, 'A:')).toBe('ok');
  });

  it('retireTimeoutMs bounds it: the connections still open are closed, and the old daemon exits', async () => {
    const { home, paths, port, via, daemonPid } = await setUp({ handoff: 'proxy', retireTimeoutMs: 1000 });
    let calling = true;
    const sessions = Array.from({ length: 3 }, () => keepCalling(port, via, Number.POSITIVE_INFINITY, () => calling));
    await new Promise((r) => setTimeout(r, 300));
    procs.push(spawnNode([SERVICE_MAIN, '--home', home, '--takeover']));
    await untilPidChanges(paths, daemonPid);
    const t0 = Date.now();
    await waitForExit(daemonPid);
    // Released within a moment of the new daemon answering, then retireTimeoutMs (1 s).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
    expect(Date.now() - t0).toBeLessThan(8000);
    const calls = await Promise.all(sessions);
    calling = false;
    expect(calls.map((c) => c.end)).toEqual(['lost', 'lost', 'lost']);
    expect(readFileSync(paths.logFile, 'utf8')).toContain('retireTimeoutMs passed: closing the proxied connections still open');
    expect(await oneCall(port, via, 'A:')).toBe('ok');
  });
});
