import { describe, expect, it } from 'vitest';
import { cpuMs, rssBytes } from '../src/proc-stats.js';
import { busyShare, cpuSnapshot, foreignCpuMs, waitForQuiet } from '../src/quiet.js';
import { benchRouteLookups, benchRouteLookupsInChild } from '../src/routes-bench.js';
import { haproxyConfig, sslhConfig, VIA_OFFSET } from '../src/peers.js';
import { benchPreamble, benchVia, ROUTE_PREFIX } from '../src/wire.js';

describe('/proc readings', () => {
  it('reads this process’s VmRSS and CPU time', () => {
    expect(rssBytes(process.pid)).toBeGreaterThan(1024 * 1024);
    const a = cpuMs(process.pid);
    let x = 0;
    for (let i = 0; i < 5e6; i++) x += i % 7;
    expect(x).toBeGreaterThan(0);
    expect(cpuMs(process.pid)).toBeGreaterThanOrEqual(a);
  });
});

describe('quiet gate', () => {
  it('samples the machine’s busy share', async () => {
    const share = await busyShare(100);
    expect(share >= 0 && share <= 1).toBe(true);
  });

  it('passes at once when any load is allowed, and gives up after maxWaitMs otherwise', async () => {
    expect(await waitForQuiet({ maxBusyShare: 1, maxWaitMs: 0, sampleMs: 20 })).toMatchObject({ quiet: true });
    const busy = await waitForQuiet({ maxBusyShare: -1, maxWaitMs: 0, sampleMs: 20 });
    expect(busy.quiet).toBe(false);
    expect(busy.waitedMs).toBeGreaterThanOrEqual(15);
  });
});

describe('foreign CPU (other work during a measurement)', () => {
  const snap = (rows: [pid: number, ppid: number, cpuMs: number][]) => new Map(rows.map(([pid, ppid, cpuMs]) => [pid, { ppid, cpuMs }]));

  it('counts processes outside the tree rooted at the benchmark, new ones whole, and no kernel threads', () => {
    const before = snap([
      [100, 1, 1000], // the benchmark
      [101, 100, 500], // a daemon it started
      [200, 1, 50], // someone else's process
      [3, 2, 10], // a kernel thread
      [400, 1, 900], // exits; its pid is then reused
    ]);
    const after = snap([
      [100, 1, 1100],
      [101, 100, 700],
      [102, 101, 40], // a child of the daemon, new
      [200, 1, 80], // +30
      [300, 1, 20], // new foreign process: +20
      [3, 2, 90],
      [400, 1, 5], // reused pid: it must not subtract (its own 5 ms are lost)
    ]);
    expect(foreignCpuMs(before, after, 100)).toBe(30 + 20);
  });

  it('reads every process of this machine', () => {
    const s = cpuSnapshot();
    expect(s.get(process.pid)?.ppid).toBe(process.ppid);
    expect(foreignCpuMs(s, s)).toBe(0);
  });
});

describe('route lookup bench', () => {
  it('times each table size and checks every lookup’s answer', () => {
    const r = benchRouteLookups({ sizes: [3, 300], batch: 2000, batches: 2 });
    expect(r.map((x) => x.registrations)).toEqual([3, 300]);
    for (const x of r) {
      expect(Number.isFinite(x.hotNs) && x.hotNs > 0).toBe(true);
      expect(Number.isFinite(x.spreadNs) && x.spreadNs > 0).toBe(true);
    }
  });

  it('runs the same in a fresh process, as the full run does', async () => {
    const r = await benchRouteLookupsInChild({ sizes: [3, 300], batch: 2000, batches: 2 });
    expect(r.map((x) => x.registrations)).toEqual([3, 300]);
    for (const x of r) expect(Number.isFinite(x.spreadNs) && x.spreadNs > 0).toBe(true);
  });
});

describe('generated peer configurations', () => {
  const via = benchVia(41234);
  const preamble = benchPreamble(via);

  it('HAProxy reads exactly the via: it starts at VIA_OFFSET and the preamble is complete at preambleLength', () => {
    expect(preamble.toString('utf8', VIA_OFFSET, VIA_OFFSET + via.length)).toBe(via);
    const cfg = haproxyConfig({ listenPort: 41235, backendPort: 41234, preambleLength: preamble.length, viaLength: via.length, routePath: ROUTE_PREFIX, pidFile: '/tmp/x.pid' });
    expect(cfg).toContain(`req.len ge ${preamble.length}`);
    expect(cfg).toContain(`req.payload(${VIA_OFFSET},${via.length}) -m sub /bench/`);
    expect(cfg).toContain('server bench 127.0.0.1:41234');
  });

  it('sslh gets a libconfig regex with the dots escaped', () => {
    const cfg = sslhConfig({ listenPort: 41236, backendPort: 41234, rejectPort: 41237, routePath: '/a.b/' });
    expect(cfg).toContain('regex_patterns: [ "net\\\\.tcp://[^/]*/a\\\\.b/" ]');
  });
});
