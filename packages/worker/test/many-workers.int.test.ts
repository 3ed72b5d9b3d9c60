// Many workers per URI (#16): NetTcpListener's onConflict. 'balance' spreads a URI's connections
// over the listeners that asked for it, and a worker killed -9 costs only its own connections;
// 'replace' moves every new connection to the newest listener at once, the old one is told it was
// superseded, and clients calling through ten replacements in a row see no failure; 'fail' stays
// WCF's "already registered". Real daemon, real worker processes, real TCP clients.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodePreamble } from '@portshare/framing';
import { daemonStatus, freePort, keepCalling, LISTENER_WORKER, makeHome, spawnProc, startDaemon, type Call, type Proc } from './helpers.js';

const procs: Proc[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) await p.kill('SIGKILL');
  for (const c of cleanups.splice(0)) c();
});

/** One connection: preamble, then the worker's tag; resolves with the tag, or the failure. */
function tagOf(port: number, via: string): Promise<string> {
  const bytes = encodePreamble({ via, encoding: 8 });
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.write(bytes));
    let got = '';
    const timer = setTimeout(() => finish(`timeout after '${got}'`), 5000);
    const finish = (what: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(what);
    };
    socket.on('data', (c: Buffer) => {
      got += c.toString('latin1');
      const colon = got.indexOf(':');
      if (colon !== -1) finish(got.slice(0, colon));
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish(`error ${err.code}`));
    socket.on('close', () => finish(`closed after '${got}'`));
  });
}

async function setUp(): Promise<{ home: string; paths: ReturnType<typeof makeHome>['paths']; port: number; via: string }> {
  const { home, paths, cleanup } = makeHome();
  cleanups.push(cleanup);
  procs.push(await startDaemon(home));
  const port = await freePort();
  return { home, paths, port, via: `net.tcp://localhost:${port}/svc` };
}

function worker(home: string, via: string, name: string, onConflict?: string): Proc {
  const p = spawnProc([LISTENER_WORKER, via, 'on', name], { PORTSHARE_HOME: home, ...(onConflict ? { ON_CONFLICT: onConflict } : {}) });
  procs.push(p);
  return p;
}

/** A daemon and two workers, A and B, balancing one URI. */
async function twoBalanced(): Promise<Awaited<ReturnType<typeof setUp>> & { a: Proc; b: Proc }> {
  const set = await setUp();
  const a = worker(set.home, set.via, 'A', 'balance');
  await a.waitFor(/READY shared/);
  const b = worker(set.home, set.via, 'B', 'balance');
  await b.waitFor(/READY shared/);
  return { ...set, a, b };
}

describe('many workers per URI', () => {
  it("'balance' spreads connections over the listeners that asked for it; killing one costs only its own", async () => {
    const { home, paths, port, via, a } = await twoBalanced();
    expect((await daemonStatus(paths)).registrations.map((r) => r.uri)).toEqual([via, via]);
    const tags = await Promise.all(Array.from({ length: 40 }, () => tagOf(port, via)));
    const counts = { A: tags.filter((t) => t === 'A').length, B: tags.filter((t) => t === 'B').length };
    expect(counts.A + counts.B).toBe(40);
    expect(counts.A).toBeGreaterThanOrEqual(10);
    expect(counts.B).toBeGreaterThanOrEqual(10);
    // A third listener that did not ask to share is refused, as WCF refuses a second registration.
    const c = worker(home, via, 'C');
    expect((await c.waitFor(/ERROR (\S+)/))[1]).toBe('WORKER_ERR_ALREADY_REGISTERED');
    // One balanced worker killed: the other takes every new connection.
    await a.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const after = await Promise.all(Array.from({ length: 20 }, () => tagOf(port, via)));
    expect(new Set(after)).toEqual(new Set(['B']));
  });

  it('kill -9 of one of two balanced workers under load loses exactly the connections it held; none of the other\'s, and no new one', async () => {
    const { paths, port, via, a } = await twoBalanced();
    let running = true;
    const live = () => running;
    // 16 long sessions calling without a pause, and 4 loops opening short ones (5 calls each).
    const sessions = Array.from({ length: 16 }, () => keepCalling(port, via, Number.POSITIVE_INFINITY, live));
    const churned: Promise<Call>[] = [];
    const loops = Array.from({ length: 4 }, async () => {
      while (running) {
        const c = keepCalling(port, via, 5, live);
        churned.push(c);
        await c;
      }
    });
    await new Promise((r) => setTimeout(r, 500));
    const killedAt = Date.now();
    await a.kill('SIGKILL');
    // Dead by now: connections started between the two may still have been given to A.
    const deadAt = Date.now();
    await new Promise((r) => setTimeout(r, 1000));
    running = false;
    await Promise.all(loops);
    const long = await Promise.all(sessions);
    const short = await Promise.all(churned);

    // The long sessions: those A held are lost, every one; those B held go on calling after the kill.
    const onA = long.filter((c) => c.tag === 'A');
    const onB = long.filter((c) => c.tag === 'B');
    expect(onA.length + onB.length).toBe(16);
    expect(onA.length).toBeGreaterThanOrEqual(4);
    expect(onB.length).toBeGreaterThanOrEqual(4);
    expect(onA.map((c) => c.end)).toEqual(onA.map(() => 'lost'));
    expect(onB.map((c) => c.end)).toEqual(onB.map(() => 'ok'));
    for (const c of onB) expect(c.lastReplyAt).toBeGreaterThan(killedAt + 900);

    // The short ones: every connection that failed was A's when it died (tagged A, or handed to
    // it and not yet taken: closed without a byte). None was refused with a fault: a connection
    // the daemon could not give A went to B.
    const failed = short.filter((c) => c.end !== 'ok');
    expect(failed.filter((c) => c.end === 'fault')).toEqual([]);
    expect(failed.filter((c) => c.tag === 'B')).toEqual([]);
    for (const c of failed) expect(c.startedAt).toBeLessThanOrEqual(deadAt);
    // And every short connection A still held after it died failed: the only ones that ended well
    // got their last reply before it was dead.
    for (const c of short.filter((x) => x.tag === 'A' && x.end === 'ok')) expect(c.lastReplyAt).toBeLessThanOrEqual(deadAt);
    // One connection at a time per loop: at most four were A's when it died.
    expect(failed.length).toBeLessThanOrEqual(4);
    const after = short.filter((c) => c.startedAt > deadAt);
    expect(after.length).toBeGreaterThan(20);
    expect(new Set(after.map((c) => `${c.tag} ${c.end}`))).toEqual(new Set(['B ok']));
    expect((await daemonStatus(paths)).registrations).toHaveLength(1);
  });

  it("'balance' does not join a listener that did not ask to share", async () => {
    const { home, port, via } = await setUp();
    const a = worker(home, via, 'A');
    await a.waitFor(/READY shared/);
    const b = worker(home, via, 'B', 'balance');
    const m = await b.waitFor(/ERROR (\S+) (.*)\n/);
    expect(m[1]).toBe('WORKER_ERR_ALREADY_REGISTERED');
    expect(m[2]).toContain("did not ask to share it (onConflict 'balance')");
    expect(await tagOf(port, via)).toBe('A');
  });

  it("'replace' ten times in a row while clients call without a pause: no call fails, each old listener is told it was superseded", async () => {
    const { home, paths, port, via } = await setUp();
    let current = worker(home, via, 'V0', 'replace');
    await current.waitFor(/READY shared/);
    let calling = true;
    const outcomes: string[] = [];
    const loops = Array.from({ length: 4 }, async () => {
      while (calling) outcomes.push(await tagOf(port, via));
    });
    for (let v = 1; v <= 10; v++) {
      const next = worker(home, via, `V${v}`, 'replace');
      await next.waitFor(/READY shared/);
      await current.waitFor(/SUPERSEDED/);
      // The superseded worker drains and exits, as a deploy would do.
      await current.kill('SIGTERM');
      current = next;
      await new Promise((r) => setTimeout(r, 50));
    }
    calling = false;
    await Promise.all(loops);
    const failures = outcomes.filter((o) => !/^V\d+$/.test(o));
    expect(failures).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(100);
    expect(new Set(outcomes).size).toBeGreaterThanOrEqual(5);
    expect(await tagOf(port, via)).toBe('V10');
    expect((await daemonStatus(paths)).registrations).toHaveLength(1);
  });
});
