/**
 * Scenario: a burst. N well-behaved clients connect at the same moment (from several processes,
 * so the connects really are simultaneous), each sending its whole preamble with its first write,
 * against the daemon's default configuration. The pending slots (maxPendingConnections, 100) fill
 * at once; later clients are accepted on probation and, their first read holding their routing
 * point, routed at once without a slot. When the hand-offs waiting for the worker reach
 * maxPendingConnections the daemon stops accepting and leaves the others in the listen backlog
 * (listenBacklog, 4096; past it the kernel drops handshakes and the clients retry, tcp(7)) rather
 * than abort them (packages/service/src/connection-pipeline.ts). Every client must be acknowledged
 * by the worker within 30 s, and none closed without a byte.
 *
 * @module
 */

import { goodSession } from '../clients.js';
import { sampleDaemonPeaks } from '../daemon-peaks.js';
import { StressError, StressErrorCodes } from '../errors.js';
import { Daemon, Instance } from '../instance.js';
import { openFilesLimit, tcpExtCounters } from '../proc.js';
import { criterion, summariseLog, type Criterion, type LogSummary } from '../report.js';
import { freePort, intOption, MiB, percentile, round, sleep } from '../util.js';
import { SessionWorker, startProgram, type ChildProgram } from '../workers.js';

export interface BurstOptions {
  /** Clients connecting at once. */
  clients: number;
  /** Client processes sharing them; undefined: one per 1,000 clients. */
  processes: number | undefined;
  /** Each client must be acknowledged within this long of the start. */
  deadlineMs: number;
  /** Daemon settings other than the defaults, to compare (the scenario's criteria are for the defaults). */
  daemonConfig: Record<string, unknown>;
}

export const BurstDefaults: BurstOptions = { clients: 1000, processes: undefined, deadlineMs: 30_000, daemonConfig: {} };

/** What one burst client got: acknowledged, or what instead (`answer 0x08`, `reset`, `timeout`…). */
export type BurstOutcome = 'acknowledged' | 'closed without a byte' | 'reset' | 'timeout' | `answer ${string}` | `error ${string}`;

/** What programs/burst-clients does. */
export interface BurstClientsSpec {
  host: string;
  port: number;
  via: string;
  count: number;
  deadlineMs: number;
}

/** What programs/burst-clients reports: times in ms after it got the start signal. */
export interface BurstClientsResult {
  /** How long it took to call connect() for every client. */
  issuedMs: number;
  outcomes: Record<string, number>;
  /** Each client's connect time (null when it never connected). */
  connectMs: (number | null)[];
  /** Each acknowledged client's PreambleAck time. */
  ackMs: number[];
}

interface Spread {
  p50: number;
  p99: number;
  max: number;
}

export interface BurstReport {
  clients: number;
  processes: number;
  deadlineMs: number;
  acknowledged: number;
  outcomes: Record<string, number>;
  /** The slowest client process to call connect() for all its clients. */
  issuedMs: number;
  connectMs: Spread;
  ackMs: Spread;
  daemon: {
    accepted: number;
    dispatched: number;
    dispatchFailures: number;
    protocolFailures: number;
    maxPendingConnections: number;
    maxPendingSeen: number;
    /** The most routed connections seen waiting for the worker to take them. */
    maxHandOffsWaiting: number;
    listenBacklog: number;
    /** The most connections seen waiting in the listen backlog (accepted by the kernel, not yet by the daemon). */
    maxListenQueue: number;
    alive: boolean;
    rssPeakMiB: number;
    fdPeak: number;
    warnings: LogSummary;
  };
  /** Host-wide kernel counters over the burst: handshakes dropped for a full backlog. */
  kernel: { listenOverflows: number; listenDrops: number };
}

function spread(values: readonly (number | null)[]): Spread {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  return { p50: round(percentile(v, 50), 1), p99: round(percentile(v, 99), 1), max: round(v.length === 0 ? Number.NaN : Math.max(...v), 1) };
}

export async function runBurst(partial: Partial<BurstOptions> = {}): Promise<BurstReport> {
  const o: BurstOptions = { ...BurstDefaults, ...partial };
  intOption('clients', o.clients, 1, 100_000);
  const processes = intOption('processes', o.processes ?? Math.ceil(o.clients / 1000), 1, 64);
  intOption('deadlineMs', o.deadlineMs, 1000, 600_000);
  // Node raises its soft open-files limit to the hard one at start, so each child gets the hard
  // limit: a client process needs one descriptor per client, the worker one per session it holds.
  const perProcess = Math.ceil(o.clients / processes);
  const { hard } = openFilesLimit();
  if (hard !== -1 && hard < Math.max(perProcess, o.clients) + 256) {
    throw new StressError(
      StressErrorCodes.InvalidOption,
      `The option clients is ${o.clients}: a burst that large needs an open-files limit of at least ${o.clients + 256} (the worker holds every session); the hard limit is ${hard}. Raise it (ulimit -Hn, LimitNOFILE=) or send fewer clients.`,
    );
  }
  const port = await freePort();
  // The daemon's defaults, as an operator runs it, unless a comparison asks otherwise.
  const instance = Instance.create(o.daemonConfig);
  const daemon = await Daemon.start(instance);
  let worker: SessionWorker | undefined;
  const children: ChildProgram[] = [];
  let sampler: ReturnType<typeof sampleDaemonPeaks> | undefined;
  try {
    worker = await SessionWorker.start(instance, { uri: `net.tcp://localhost:${port}/burst`, tag: 'B:' });
    const warm = await goodSession(port, '/burst/warm', { expectTag: 'B:' });
    if (!warm.ok) throw new Error(`no answer from the worker before the burst: ${warm.error}`);
    for (let i = 0; i < processes; i++) {
      const count = Math.min(perProcess, o.clients - i * perProcess);
      if (count <= 0) break;
      const spec: BurstClientsSpec = { host: '127.0.0.1', port, via: `net.tcp://localhost:${port}/burst/client`, count, deadlineMs: o.deadlineMs };
      children.push(startProgram('burst-clients', spec));
    }
    await Promise.all(children.map((c) => c.waitForLine(/^READY$/, 10_000)));
    const status0 = await daemon.status();
    const kernel0 = tcpExtCounters();

    sampler = sampleDaemonPeaks(daemon, port);
    for (const c of children) c.signal('SIGUSR1');
    const results = await Promise.all(
      children.map(async (c) => JSON.parse((await c.waitForLine(/^RESULT (.*)$/, o.deadlineMs + 30_000)).match[1] as string) as BurstClientsResult),
    );
    const peaks = await sampler.stop();
    await sleep(200);
    const status1 = await daemon.status();
    const kernel1 = tcpExtCounters();

    const outcomes: Record<string, number> = {};
    for (const r of results) for (const [k, n] of Object.entries(r.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + n;
    const config = status1.config as { maxPendingConnections?: number; listenBacklog?: number };
    return {
      clients: o.clients,
      processes: children.length,
      deadlineMs: o.deadlineMs,
      acknowledged: outcomes['acknowledged'] ?? 0,
      outcomes,
      issuedMs: round(Math.max(...results.map((r) => r.issuedMs)), 1),
      connectMs: spread(results.flatMap((r) => r.connectMs)),
      ackMs: spread(results.flatMap((r) => r.ackMs)),
      daemon: {
        accepted: status1.counters.connectionsAccepted - status0.counters.connectionsAccepted,
        dispatched: status1.counters.connectionsDispatched - status0.counters.connectionsDispatched,
        dispatchFailures: status1.counters.dispatchFailures - status0.counters.dispatchFailures,
        protocolFailures: status1.counters.protocolFailures - status0.counters.protocolFailures,
        maxPendingConnections: config.maxPendingConnections ?? Number.NaN,
        maxPendingSeen: peaks.pending,
        maxHandOffsWaiting: peaks.handOffsWaiting,
        listenBacklog: config.listenBacklog ?? Number.NaN,
        maxListenQueue: peaks.listenQueue,
        alive: daemon.alive,
        rssPeakMiB: round(peaks.rssBytes / MiB, 1),
        fdPeak: peaks.fds,
        warnings: summariseLog(instance.warnings(), 2),
      },
      kernel: {
        listenOverflows: (kernel1['ListenOverflows'] ?? 0) - (kernel0['ListenOverflows'] ?? 0),
        listenDrops: (kernel1['ListenDrops'] ?? 0) - (kernel0['ListenDrops'] ?? 0),
      },
    };
  } finally {
    await sampler?.stop();
    for (const c of children) await c.kill9();
    await worker?.kill9();
    await daemon.kill9();
    instance.remove();
  }
}

export function burstCriteria(r: BurstReport): Criterion[] {
  const notAcknowledged = Object.entries(r.outcomes).filter(([k]) => k !== 'acknowledged');
  const unanswered = (r.outcomes['closed without a byte'] ?? 0) + (r.outcomes['reset'] ?? 0);
  return [
    criterion(
      `all ${r.clients.toLocaleString('en')} clients acknowledged within ${r.deadlineMs / 1000} s`,
      r.acknowledged === r.clients && r.ackMs.max <= r.deadlineMs,
      `${r.acknowledged} acknowledged, the last after ${r.ackMs.max} ms (p50 ${r.ackMs.p50}, p99 ${r.ackMs.p99}); connected p50 ${r.connectMs.p50} ms, p99 ${r.connectMs.p99}, max ${r.connectMs.max}` +
        `${notAcknowledged.length > 0 ? `; others: ${JSON.stringify(Object.fromEntries(notAcknowledged))}` : ''}`,
    ),
    criterion(
      'none closed without a byte',
      unanswered === 0,
      `${unanswered} closed or reset unanswered; the daemon counted ${r.daemon.dispatchFailures} dispatch and ${r.daemon.protocolFailures} protocol failures over ${r.daemon.accepted} accepted`,
    ),
    criterion(
      'maxPendingConnections holds: at most that many being read',
      r.daemon.maxPendingSeen <= r.daemon.maxPendingConnections,
      `at most ${r.daemon.maxPendingSeen} pending seen (limit ${r.daemon.maxPendingConnections}); at most ${r.daemon.maxListenQueue} in the listen backlog (${r.daemon.listenBacklog}); the kernel dropped ${r.kernel.listenOverflows} handshakes for a full backlog (clients retried)`,
    ),
    // The daemon's documented bound on routed connections waiting for their worker (the
    // configuration table of packages/service/README.md): it stops accepting at
    // maxPendingConnections, and the connections it is still reading then may join them, so at
    // most 12 × maxPendingConnections, the per-worker queue limit past which clients are aborted.
    criterion(
      'hand-offs waiting for the worker stay under the per-worker queue limit',
      r.daemon.maxHandOffsWaiting <= 12 * r.daemon.maxPendingConnections,
      `at most ${r.daemon.maxHandOffsWaiting} hand-offs seen waiting (accepting stops at ${r.daemon.maxPendingConnections}; queue limit ${12 * r.daemon.maxPendingConnections}), sampled every 100 ms`,
    ),
    criterion('no crash', r.daemon.alive, `daemon alive: ${r.daemon.alive}; peak RSS ${r.daemon.rssPeakMiB} MiB, peak descriptors ${r.daemon.fdPeak}; warnings ${JSON.stringify(r.daemon.warnings.byMessage)}`),
  ];
}
