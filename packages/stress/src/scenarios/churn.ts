/**
 * Scenario: churn. One process keeps a few hundred silent connections in flight against the
 * daemon and replaces each as fast as it can: connect, send nothing, close after a short random
 * time (or when the daemon drops it), connect again. The connections never live long enough to
 * be evicted (pendingEvictionMinAgeMs) or cut (receiveTimeout), and there are more of them than
 * pending slots. Meanwhile good clients keep opening sessions; their rate is measured in the same
 * run without and under the attack, and must stay at 80 % or more. The daemon must keep its
 * limits and give back every descriptor once the attack stops.
 *
 * Against the defaults the kernel keeps the attack away from the daemon: with TCP_DEFER_ACCEPT
 * (deferAcceptSeconds 1, tcp(7)) a connection that says nothing is not accepted for about a
 * second, longer than any of these lives; each reaches the daemon only when it closes (its FIN
 * completes the deferred handshake), already at its end. With deferAcceptSeconds 0 every one is
 * accepted at once and the pending table fills: then only probation (a newcomer routed at once
 * when its first read holds its routing point, packages/service/src/connection-pipeline.ts)
 * stands between the attack and the good clients.
 *
 * @module
 */

import { sampleDaemonPeaks } from '../daemon-peaks.js';
import { closedLoop, goodSession, type SessionOutcome } from '../clients.js';
import { cpuSummary, goodFigures, MIN_RATE_RATIO, rateRatio, type GoodClientFigures } from '../good-clients.js';
import { Daemon, Instance } from '../instance.js';
import { settledFdCount, startCpuMeter, type CpuFigures } from '../proc.js';
import { criterion, summariseLog, type Criterion, type LogSummary } from '../report.js';
import { freePort, intOption, MiB, round, sleep, waitFor } from '../util.js';
import { SessionWorker, startProgram, type ChildProgram } from '../workers.js';

export interface ChurnOptions {
  /** Silent connections the attacker keeps in flight. */
  attackers: number;
  /** Each lives a random time in [minLifeMs, maxLifeMs] after its connect, then the attacker closes it. */
  minLifeMs: number;
  maxLifeMs: number;
  /** Good clients at once. */
  goodConcurrency: number;
  /** Length of each good-client measurement (without, then under the attack). */
  measureMs: number;
  /** Good sessions before measuring, so both measurements run on warm code. */
  warmupMs: number;
  /** Daemon settings other than the defaults (e.g. deferAcceptSeconds 0); the criteria follow the settings the daemon reports. */
  daemonConfig: Record<string, unknown>;
}

export const ChurnDefaults: ChurnOptions = { attackers: 300, minLifeMs: 20, maxLifeMs: 500, goodConcurrency: 4, measureMs: 10_000, warmupMs: 1000, daemonConfig: {} };

/** What programs/churn-attacker does. */
export interface ChurnAttackerSpec {
  host: string;
  port: number;
  inFlight: number;
  minLifeMs: number;
  maxLifeMs: number;
}

/** What programs/churn-attacker counted. */
export interface ChurnAttackerFigures {
  /** connect() calls, connections established, closed by the attacker's timer, closed by the daemon first. */
  opened: number;
  connected: number;
  closedByAttacker: number;
  droppedByDaemon: number;
  errors: Record<string, number>;
  runMs: number;
}

export interface ChurnReport {
  attackers: number;
  lifeMs: [number, number];
  measureMs: number;
  baseline: GoodClientFigures;
  underAttack: GoodClientFigures;
  rateRatio: number;
  /** Where the CPU went while the good clients were measured. */
  cpu: { baseline: CpuFigures; underAttack: CpuFigures };
  attack: ChurnAttackerFigures & { perSecond: number };
  daemon: {
    maxPendingConnections: number;
    pendingEvictionMinAgeMs: number;
    deferAcceptSeconds: number;
    /** Over the measurement under attack: connections accepted, and of them not the good clients' sessions. */
    accepted: number;
    acceptedFromAttack: number;
    protocolFailures: number;
    dispatchFailures: number;
    maxPendingSeen: number;
    /** The most connections seen waiting in the listen backlog (accepted by the kernel, not yet by the daemon). */
    maxListenQueue: number;
    alive: boolean;
    rssPeakMiB: number;
    fdPeak: number;
    /** Open descriptors before the baseline and once the attack has stopped. */
    fdStart: number;
    fdEnd: number;
    servedAfter: boolean;
    warnings: LogSummary;
  };
}

export async function runChurn(partial: Partial<ChurnOptions> = {}): Promise<ChurnReport> {
  const o: ChurnOptions = { ...ChurnDefaults, ...partial };
  intOption('attackers', o.attackers, 1, 20_000);
  intOption('minLifeMs', o.minLifeMs, 0, 600_000);
  intOption('maxLifeMs', o.maxLifeMs, o.minLifeMs, 600_000);
  intOption('measureMs', o.measureMs, 100, 3_600_000);
  const port = await freePort();
  // The daemon's defaults, as an operator runs it, unless a comparison asks otherwise.
  const instance = Instance.create(o.daemonConfig);
  const daemon = await Daemon.start(instance);
  let worker: SessionWorker | undefined;
  let attacker: ChildProgram | undefined;
  let sampler: ReturnType<typeof sampleDaemonPeaks> | undefined;
  try {
    worker = await SessionWorker.start(instance, { uri: `net.tcp://localhost:${port}/good`, tag: 'G:' });
    const good = (): Promise<SessionOutcome> => goodSession(port, '/good/client', { expectTag: 'G:', openTimeoutMs: 5000 });
    await closedLoop({ concurrency: o.goodConcurrency, durationMs: o.warmupMs, task: () => good() });
    await waitFor('the daemon to be idle', async () => ((await daemon.status()).pendingConnections === 0 ? true : undefined), 5000);
    const fdStart = await settledFdCount(daemon.pid);
    const baselineMeter = startCpuMeter({ daemon: daemon.pid, worker: worker.pid });
    const baselineResults = await closedLoop({ concurrency: o.goodConcurrency, durationMs: o.measureMs, task: () => good() });
    const baselineCpu = baselineMeter.stop();

    const spec: ChurnAttackerSpec = { host: '127.0.0.1', port, inFlight: o.attackers, minLifeMs: o.minLifeMs, maxLifeMs: o.maxLifeMs };
    attacker = startProgram('churn-attacker', spec);
    await attacker.waitForLine(/^RUNNING$/, 30_000);
    await sleep(500);
    sampler = sampleDaemonPeaks(daemon, port);
    const status0 = await daemon.status();
    const attackMeter = startCpuMeter({ daemon: daemon.pid, worker: worker.pid, attacker: attacker.pid });
    const attackResults = await closedLoop({ concurrency: o.goodConcurrency, durationMs: o.measureMs, task: () => good() });
    const attackCpu = attackMeter.stop();
    const status1 = await daemon.status();
    const peaks = await sampler.stop();
    const from = attacker.lines.length;
    attacker.signal('SIGTERM');
    const final = JSON.parse((await attacker.waitForLine(/^FINAL (.*)$/, 10_000, from)).match[1] as string) as ChurnAttackerFigures;
    await attacker.kill9();

    // The attack is over: every descriptor it cost must come back.
    await waitFor('the daemon to be idle', async () => ((await daemon.status()).pendingConnections === 0 ? true : undefined), 10_000);
    const fdEnd = await settledFdCount(daemon.pid, 5000);
    const after = await good();

    const baseline = goodFigures(baselineResults, o.measureMs);
    const underAttack = goodFigures(attackResults, o.measureMs);
    const config = status1.config as { maxPendingConnections?: number; pendingEvictionMinAgeMs?: number; deferAcceptSeconds?: number };
    const accepted = status1.counters.connectionsAccepted - status0.counters.connectionsAccepted;
    return {
      attackers: o.attackers,
      lifeMs: [o.minLifeMs, o.maxLifeMs],
      measureMs: o.measureMs,
      baseline,
      underAttack,
      rateRatio: rateRatio(baseline, underAttack),
      cpu: { baseline: baselineCpu, underAttack: attackCpu },
      attack: { ...final, perSecond: round(final.opened / (final.runMs / 1000), 1) },
      daemon: {
        maxPendingConnections: config.maxPendingConnections ?? Number.NaN,
        pendingEvictionMinAgeMs: config.pendingEvictionMinAgeMs ?? Number.NaN,
        deferAcceptSeconds: config.deferAcceptSeconds ?? Number.NaN,
        accepted,
        acceptedFromAttack: Math.max(0, accepted - underAttack.sessions),
        protocolFailures: status1.counters.protocolFailures - status0.counters.protocolFailures,
        dispatchFailures: status1.counters.dispatchFailures - status0.counters.dispatchFailures,
        maxPendingSeen: peaks.pending,
        maxListenQueue: peaks.listenQueue,
        alive: daemon.alive,
        rssPeakMiB: round(peaks.rssBytes / MiB, 1),
        fdPeak: peaks.fds,
        fdStart,
        fdEnd,
        servedAfter: after.ok,
        warnings: summariseLog(instance.warnings(), 2),
      },
    };
  } finally {
    await sampler?.stop();
    await attacker?.kill9();
    await worker?.kill9();
    await daemon.kill9();
    instance.remove();
  }
}

export function churnCriteria(r: ChurnReport): (Criterion & { performance?: boolean })[] {
  const d = r.daemon;
  const attack = `${r.attack.opened} opened (${r.attack.perSecond}/s), ${r.attack.closedByAttacker} closed by the attacker after ${r.lifeMs[0]}–${r.lifeMs[1]} ms, ${r.attack.droppedByDaemon} dropped by the daemon, errors ${JSON.stringify(r.attack.errors)}; the daemon accepted ${d.accepted} while measured (${d.acceptedFromAttack} beyond the good sessions), closed ${d.dispatchFailures} without a byte for want of a slot, ${d.maxPendingSeen} pending and ${d.maxListenQueue} in the listen backlog at most`;
  // Whether the attack reaches the pending table depends on TCP_DEFER_ACCEPT: with it, the kernel
  // holds every one of these connections for longer than it lives, and the table must never fill;
  // without it, the table must fill (or the scenario did not test probation).
  const deferred = d.deferAcceptSeconds > 0;
  return [
    deferred
      ? criterion(
          `${r.attackers} silent connections kept in flight, held back by the kernel (TCP_DEFER_ACCEPT ${d.deferAcceptSeconds} s): the pending table never fills`,
          r.attack.connected >= r.attackers && d.maxPendingSeen < d.maxPendingConnections && d.dispatchFailures === 0 && r.lifeMs[1] < d.deferAcceptSeconds * 1000,
          `${attack}: each reached the daemon only at its close, already at its end`,
        )
      : criterion(
          `${r.attackers} silent connections kept in flight, more than the pending slots`,
          r.attack.connected >= r.attackers && d.maxPendingSeen >= d.maxPendingConnections,
          attack,
        ),
    criterion('maxPendingConnections holds', d.maxPendingSeen <= d.maxPendingConnections, `at most ${d.maxPendingSeen} pending seen (limit ${d.maxPendingConnections})`),
    // A good client sends its whole preamble with its first write, so it is routed at once even
    // when every slot is taken (probation); more than 10 % failing means the door is shut.
    criterion(
      'good clients served during the attack',
      r.underAttack.ok > 0 && r.underAttack.failed <= (r.underAttack.ok + r.underAttack.failed) * 0.1,
      `${r.underAttack.ok} served (p50 ${r.underAttack.p50Ms} ms, p99 ${r.underAttack.p99Ms} ms), ${r.underAttack.failed} failed (${r.underAttack.closedWithoutAByte} closed without a byte) ${JSON.stringify(r.underAttack.errors)}`,
    ),
    {
      ...criterion(
        `good clients' rate under churn ≥ ${MIN_RATE_RATIO * 100} % of the rate without`,
        r.rateRatio >= MIN_RATE_RATIO,
        `${r.underAttack.perSecond}/s under attack (p50 ${r.underAttack.p50Ms} ms, p99 ${r.underAttack.p99Ms} ms) vs ${r.baseline.perSecond}/s without (p50 ${r.baseline.p50Ms} ms): ${round(r.rateRatio * 100, 1)} %; CPU in cores without: ${cpuSummary(r.cpu.baseline)}; under attack: ${cpuSummary(r.cpu.underAttack)}, attacker ${r.cpu.underAttack.ours['attacker'] ?? 0}`,
      ),
      performance: true,
    },
    criterion(
      'no descriptor leaked in the daemon once the attack stopped',
      d.fdEnd <= d.fdStart && d.servedAfter,
      `${d.fdStart} open before, ${d.fdEnd} after (peak ${d.fdPeak}); a good session after the attack: ${d.servedAfter ? 'served' : 'FAILED'}`,
    ),
    criterion('no crash', d.alive, `daemon alive: ${d.alive}; peak RSS ${d.rssPeakMiB} MiB; warnings ${JSON.stringify(d.warnings.byMessage)}`),
  ];
}
