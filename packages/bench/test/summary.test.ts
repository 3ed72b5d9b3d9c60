import { describe, expect, it } from 'vitest';
import type { ConfigurationName } from '../src/options.js';
import type { IdleRssResult, RoundResult, RoutesResult, WcfSample } from '../src/results.js';
import { checkTargets, summarizeRounds, summarizeWcf } from '../src/summary.js';

function round(configuration: ConfigurationName, r: number, conn: number, rtt1Us: number, msgs: number, mbs: number): RoundResult {
  const lg = { coreShare: 0.5, foreignCores: 0, attempts: 1 };
  return {
    round: r,
    configuration,
    conn: {
      connections: conn,
      totalConnections: conn,
      errors: 0,
      seconds: 1,
      connPerSec: conn,
      setupP50Us: 100,
      setupP99Us: 200,
      intermediaryCpuUsPerConn: configuration === 'direct' ? null : 50,
      workerCpuUsPerConn: 80,
      ...lg,
    },
    rtt1: { messages: 1e6 / rtt1Us, seconds: 1, msgPerSec: 1e6 / rtt1Us, p50Us: rtt1Us, p99Us: rtt1Us * 2, ...lg },
    rttN: { messages: msgs, seconds: 1, msgPerSec: msgs, p50Us: 300, p99Us: 900, ...lg },
    bulk: { payloadBytes: 1e9, seconds: 1e3 / mbs, mbPerSec: mbs, intermediaryCpuMsPerGB: configuration === 'direct' ? null : 10, ...lg },
  };
}

const rounds: RoundResult[] = [
  round('direct', 1, 1000, 100, 50_000, 2000),
  round('handoff', 1, 900, 100, 49_500, 2000),
  round('direct', 2, 1200, 90, 52_000, 2200),
  round('handoff', 2, 700, 110, 50_000, 1900),
  round('direct', 3, 1100, 95, 51_000, 2100),
  round('handoff', 3, 950, 95, 51_000, 2100),
  round('sslh', 1, 300, 200, 20_000, 800),
];

describe('summarizeRounds', () => {
  const s = summarizeRounds(rounds);

  it('keeps the order configurations first ran in, one row each, with medians over rounds', () => {
    expect(s.map((x) => x.configuration)).toEqual(['direct', 'handoff', 'sslh']);
    const direct = s[0]!;
    expect(direct.rounds).toBe(3);
    expect(direct.connPerSec).toBe(1100);
    expect(direct.rtt1P50Us).toBe(95);
    expect(direct.bulkMBPerSec).toBe(2100);
    expect(direct.perRound.connPerSec).toEqual([1000, 1200, 1100]);
    expect(direct.intermediaryCpuUsPerConn).toBeNull();
  });

  it('pairs each round with direct’s same round, then takes the median of those ratios', () => {
    const handoff = s[1]!;
    expect(handoff.connPerSec).toBe(900);
    // Rounds: 900/1000, 700/1200, 950/1100.
    expect(handoff.ratios.connPerSec).toBeCloseTo(950 / 1100, 12);
    // 100/100, 110/90, 95/95.
    expect(handoff.ratios.rtt1P50).toBe(1);
    // 49500/50000, 50000/52000, 51000/51000.
    expect(handoff.ratios.rttNMsgPerSec).toBeCloseTo(0.99, 12);
    // 2000/2000, 1900/2200, 2100/2100.
    expect(handoff.ratios.bulkMBPerSec).toBe(1);
    expect(s[0]!.ratios.connPerSec).toBe(1);
    // sslh ran in round 1 only: one pair.
    expect(s[2]!.ratios.connPerSec).toBeCloseTo(0.3, 12);
  });

  it('has no ratios without a direct run', () => {
    const alone = summarizeRounds(rounds.filter((r) => r.configuration === 'sslh'));
    expect(alone[0]!.ratios).toEqual({ connPerSec: null, rtt1P50: null, rtt1MsgPerSec: null, rttNMsgPerSec: null, bulkMBPerSec: null });
  });
});

describe('checkTargets', () => {
  const summary = summarizeRounds(rounds);
  const idle = (connections: number, added: number): IdleRssResult[] => [
    {
      configuration: 'handoff',
      freshRssBytes: 50e6,
      beforeRssBytes: 55e6,
      withConnectionsRssBytes: 55e6 + added,
      addedBytes: added,
      connections,
      errors: 0,
    },
  ];
  const routes: RoutesResult = {
    lookups: [
      { registrations: 10, hotNs: 100, spreadNs: 100 },
      { registrations: 10_000, hotNs: 120, spreadNs: 121 },
    ],
    e2e: [],
  };
  const byId = (list: ReturnType<typeof checkTargets>) => new Map(list.map((t) => [t.id, t]));

  it('checks each target at its limit: ≥ and ≤ include the limit itself', () => {
    const t = byId(checkTargets(rounds, summary, idle(10_000, 5e6), routes));
    expect(t.get('conn-vs-direct')).toMatchObject({ value: 950 / 1100, limit: 0.92, met: false });
    // Paired with sslh's only round: 900 / 300.
    expect(t.get('conn-vs-sslh')).toMatchObject({ value: 3, met: true });
    expect(t.get('rtt1-vs-direct')).toMatchObject({ value: 1, limit: 1.02, comparison: '<=', met: true });
    expect(t.get('bulk-vs-direct')).toMatchObject({ value: 1, met: true });
    expect(t.get('rss-10k-handoff')).toMatchObject({ value: 5, met: true });
    expect(t.get('rss-idle')).toMatchObject({ value: 50, met: true });
    expect(t.get('lookup-hot')).toMatchObject({ met: true });
    expect(t.get('lookup-hot')!.value).toBeCloseTo(1.2, 12);
    expect(t.get('lookup-spread')).toMatchObject({ met: false });
  });

  it('says "not measured" (null) where the run lacks the inputs', () => {
    const t = byId(checkTargets(rounds, summary, idle(500, 1e6), routes));
    expect(t.get('conn-vs-haproxy')).toMatchObject({ value: null, met: null });
    expect(t.get('proxy-bulk-vs-direct')).toMatchObject({ value: null, met: null });
    // The RSS target is stated for 10,000 connections; a smaller run does not check it.
    expect(t.get('rss-10k-handoff')).toMatchObject({ value: null, met: null });
    expect(t.get('rss-10k-handoff')!.met).toBeNull();
    expect(byId(checkTargets(rounds, summary, idle(10_000, 5.000001e6), routes)).get('rss-10k-handoff')!.met).toBe(false);
    expect(t.get('rss-10k-proxy')).toMatchObject({ value: null, met: null });
    expect(t.get('proxy-bulk-vs-haproxy')).toMatchObject({ value: null, met: null });
  });
});

describe('summarizeWcf', () => {
  const sample = (configuration: WcfSample['configuration'], measure: WcfSample['measure'], r: number, callsPerSec: number): WcfSample => ({
    round: r,
    configuration,
    measure,
    concurrency: 32,
    calls: callsPerSec,
    seconds: 1,
    callsPerSec,
    p50Us: 100,
    p99Us: 200,
    coreShare: 1,
    foreignCores: 0,
    attempts: 1,
  });
  const samples = [
    sample('handoff', 'work', 1, 10_000),
    sample('balanced', 'work', 1, 17_000),
    sample('handoff', 'work', 2, 12_000),
    sample('balanced', 'work', 2, 18_000),
    sample('handoff', 'work', 3, 11_000),
    sample('balanced', 'work', 3, 17_600),
    // A calls run of handoff in the same round must not pair with a work one.
    sample('handoff', 'calls', 1, 1),
  ];

  it("pairs balanced workers with one worker's same round and measure, the median of those ratios", () => {
    const balanced = summarizeWcf(samples).find((w) => w.configuration === 'balanced')!;
    expect(balanced).toMatchObject({ measure: 'work', callsPerSec: 17_600, ratioToDirect: null });
    expect(balanced.ratioToOneWorker).toBeCloseTo(1.6, 12);
    expect(summarizeWcf(samples).find((w) => w.configuration === 'handoff' && w.measure === 'work')!.ratioToOneWorker).toBeNull();
  });

  it('checks the balanced target at its limit (1.6 met, a little less not)', () => {
    const target = (list: WcfSample[]) => checkTargets(rounds, summarizeRounds(rounds), [], { lookups: [], e2e: [] } as unknown as RoutesResult, summarizeWcf(list)).find((t) => t.id === 'balanced-calls-vs-one-worker')!;
    expect(target(samples)).toMatchObject({ limit: 1.6, met: true });
    expect(target(samples.map((x) => (x.configuration === 'balanced' && x.round === 3 ? { ...x, callsPerSec: 17_599 } : x)))).toMatchObject({ met: false });
    expect(target(samples.filter((x) => x.configuration !== 'balanced'))).toMatchObject({ value: null, met: null });
  });
});
