// The CI smoke run: `node dist/run.js --smoke` with every configuration, a few seconds each. It
// checks that each one ran and produced numbers (finite, > 0). It asserts no timing: speed is what
// the full run reports, not what a test decides.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIGURATIONS } from '../src/options.js';
import { findHaproxy, findSslh } from '../src/peers.js';
import type { BenchResults } from '../src/results.js';

const RUN = new URL('../dist/run.js', import.meta.url).pathname;
const missing = [findHaproxy(), findSslh()].filter((p) => p.path === undefined).map((p) => p.name);
const configurations = CONFIGURATIONS.filter((c) => !(missing as string[]).includes(c));
const dir = mkdtempSync(join(tmpdir(), 'psb-smoke-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runSmoke(out: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUN, '--smoke', '--only', configurations.join(','), '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const positive = (label: string, n: number | null | undefined): void => {
  expect(Number.isFinite(n) && (n as number) > 0, `${label} = ${n}`).toBe(true);
};

describe('pnpm bench -- --smoke', () => {
  it('has HAProxy and sslh where it must', () => {
    if (process.env['CI']) expect(missing, 'HAProxy and sslh must be installed in CI (.ci/run installs them)').toEqual([]);
    else if (missing.length > 0) console.warn(`${missing.join(' and ')} not installed: the smoke run checks the other configurations only.`);
    expect(configurations.length).toBeGreaterThanOrEqual(3);
  });

  it('runs every configuration and reports numbers for each measurement', async () => {
    const out = join(dir, 'smoke.json');
    const { code, stdout, stderr } = await runSmoke(out);
    expect(code, stderr).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
    expect(r.smoke).toBe(true);
    expect(r.summary.map((s) => s.configuration)).toEqual(configurations);
    for (const s of r.summary) {
      for (const key of ['connPerSec', 'setupP50Us', 'setupP99Us', 'rtt1P50Us', 'rtt1P99Us', 'rtt1MsgPerSec', 'rttNMsgPerSec', 'rttNP50Us', 'bulkMBPerSec'] as const) {
        positive(`${s.configuration}.${key}`, s[key]);
      }
      if (s.configuration !== 'direct') positive(`${s.configuration} conn ratio to direct`, s.ratios.connPerSec);
    }
    expect(r.idle.map((i) => i.configuration)).toEqual(['handoff', 'proxy']);
    for (const i of r.idle) {
      expect(i.connections).toBe((r.options as { idleConnections: number }).idleConnections);
      positive(`${i.configuration} fresh RSS`, i.freshRssBytes);
      positive(`${i.configuration} RSS with connections`, i.withConnectionsRssBytes);
      expect(Number.isFinite(i.addedBytes)).toBe(true);
    }
    expect(r.routes.lookups.map((l) => l.registrations)).toEqual([10, 1000]);
    for (const l of r.routes.lookups) {
      positive('hot lookup ns', l.hotNs);
      positive('spread lookup ns', l.spreadNs);
    }
    expect(r.routes.e2e.map((e) => e.registrations)).toEqual([10, 1000]);
    for (const e of r.routes.e2e) positive(`e2e conn/s with ${e.registrations}`, e.connPerSec);
    expect(r.wcf.ran).toBe(true);
    if (r.wcf.ran) {
      expect(r.wcf.summary.map((w) => `${w.measure} ${w.configuration}×${w.concurrency}`)).toEqual([
        'calls direct×1',
        'calls direct×32',
        'calls handoff×1',
        'calls handoff×32',
        'calls balanced×1',
        'calls balanced×32',
        'calls handoff-tls×1',
        'calls handoff-tls×32',
        'calls proxy×1',
        'calls proxy×32',
        'work handoff×32',
        'work balanced×32',
        'setup handoff×1',
        'setup handoff-tls×1',
        'callbacks direct×1',
        'callbacks handoff×1',
      ]);
      expect(r.wcf.tls).toEqual({ ran: true });
      for (const w of r.wcf.summary) positive(`wcf ${w.measure} ${w.configuration}×${w.concurrency}`, w.callsPerSec);
      for (const w of r.wcf.summary.filter((x) => x.configuration === 'handoff-tls')) positive(`TLS / clear text, ${w.measure}`, w.ratioToPlaintext ?? 0);
      positive('balanced / one worker', r.wcf.summary.find((w) => w.configuration === 'balanced' && w.measure === 'work')?.ratioToOneWorker ?? 0);
    }
    expect(r.targets.map((t) => t.id)).toEqual([
      'conn-vs-direct',
      'cpu-per-handoff',
      'conn-vs-sslh',
      'conn-vs-haproxy',
      'rtt1-vs-direct',
      'rttN-vs-direct',
      'bulk-vs-direct',
      'proxy-bulk-vs-direct',
      'proxy-bulk-vs-haproxy',
      'proxy-rttN-vs-direct',
      'rss-10k-handoff',
      'rss-10k-proxy',
      'rss-idle',
      'route-conn-vs-haproxy',
      'route-rttN-vs-haproxy',
      'route-bulk-vs-haproxy',
      'lookup-hot',
      'lookup-spread',
      'tls-calls-vs-plaintext',
      'balanced-calls-vs-one-worker',
      'streamed-upload-vs-direct',
      'streamed-upload-rss',
    ]);
    // The streamed upload: 64 MiB in smoke, each configuration, the service's memory flat.
    expect(r.streamed.ran).toBe(true);
    if (r.streamed.ran) {
      expect(r.streamed.summary.map((s) => s.configuration)).toEqual(['direct', 'handoff']);
      for (const s of r.streamed.samples) {
        expect(s.bytes).toBe(64 * 1024 ** 2);
        positive(`streamed upload ${s.configuration} MB/s`, s.mbPerSec);
        positive(`streamed upload ${s.configuration} service RSS`, s.servicePeakRssBytes);
      }
      positive('streamed handoff / direct', r.streamed.summary[1]?.ratioToDirect ?? 0);
      expect(r.targets.find((t) => t.id === 'streamed-upload-rss')?.met).toBe(true);
    }
    positive('machine CPUs', r.machine.cpus);
    // The printed report has every table.
    for (const heading of ['Connection setup, round trips and bulk', 'Daemon memory', 'Route lookups', 'WCF calls', 'Duplex callbacks', 'Session setup', 'Streamed upload', 'Targets']) {
      expect(stdout).toContain(heading);
    }
  });
});
