/**
 * Scenario: fuzzing over real sockets. Generated preambles and records (corpus entries, mutations
 * and random bytes) go to the daemon's port, one input per connection, many connections at once;
 * each answer is checked against the reference model (fuzz/oracle.ts). Meanwhile a good client
 * opens a session every few milliseconds, the daemon's and workers' memory is sampled, and at the
 * end their descriptors, counters and liveness are checked.
 *
 * @module
 */

import { goodSession, rawExchange, closedLoop } from '../clients.js';
import { buildCorpus, generateInput, type InputFamily } from '../fuzz/generate.js';
import { expectOutcome, type FuzzTarget } from '../fuzz/oracle.js';
import { describeExpected, describeResponse, matchesAny } from '../fuzz/response.js';
import { Daemon, Instance } from '../instance.js';
import { criterion, summariseLog, type Criterion, type LogSummary } from '../report.js';
import { isAlive, openFdCount, rssBytes, settledFdCount } from '../proc.js';
import { freePort, intOption, MiB, percentile, round, sleep, waitFor } from '../util.js';
import { SessionWorker } from '../workers.js';

export interface FuzzOptions {
  /** Inputs to send (one connection each). */
  inputs: number;
  /** Connections in flight at once. */
  concurrency: number;
  /** Seed of the generator; input i of a seed is always the same bytes. */
  seed: number;
  /** The workers' maxMessageSize (small, so the limit is reached by small inputs). */
  maxMessageSize: number;
  /** A good client's session every this many milliseconds. */
  heartbeatEveryMs: number;
  /** Memory sampling period. */
  sampleEveryMs: number;
  /** An input whose connection is not closed within this long is a hang. */
  deadlineMs: number;
  /** Violations kept as examples. */
  keepViolations: number;
  /** Called about every 1 % of the inputs. */
  onProgress?: (done: number, total: number) => void;
}

export const FuzzDefaults: Omit<FuzzOptions, 'onProgress'> = {
  inputs: 20_000,
  concurrency: 200,
  seed: 0x5eed,
  maxMessageSize: 2048,
  heartbeatEveryMs: 25,
  sampleEveryMs: 250,
  deadlineMs: 10_000,
  keepViolations: 20,
};

/** Growth of resident memory tolerated after warm-up (the first 10 % of inputs). */
export const FUZZ_MAX_RSS_GROWTH_BYTES = 64 * MiB;

export interface FuzzViolation {
  index: number;
  family: InputFamily;
  hex: string;
  expected: string[];
  observed: string;
  end: string;
}

export interface FuzzReport {
  inputs: number;
  seed: number;
  concurrency: number;
  durationMs: number;
  inputsPerSecond: number;
  families: Record<string, number>;
  /** What the server answered, by kind (drop, fault:<Name>, ack). */
  outcomes: Record<string, number>;
  /** Connections reset rather than closed (allowed for drops). */
  resets: number;
  hangs: number;
  violations: number;
  examples: FuzzViolation[];
  /** The model's prediction of the daemon's verdicts, as [certain, possible] counts. */
  predicted: { handoff: [number, number]; fault: [number, number]; drop: [number, number]; empty: number };
  /** The daemon's counters over the inputs (heartbeats subtracted). */
  counters: { accepted: number; dispatched: number; dispatchFailures: number; protocolFailures: number };
  heartbeats: { ok: number; failed: number; p50Ms: number; p99Ms: number; errors: string[] };
  daemon: ProcessFigures;
  workers: ProcessFigures[];
  /** The daemon's warnings and errors during the run. */
  daemonLog: LogSummary;
}

export interface ProcessFigures {
  pid: number;
  alive: boolean;
  rssStartMiB: number;
  rssWarmMiB: number;
  rssPeakMiB: number;
  rssEndMiB: number;
  fdStart: number;
  fdEnd: number;
}

interface Sampled {
  pid: number;
  start: number;
  warm: number | undefined;
  peak: number;
  last: number;
}

function sample(s: Sampled, warmedUp: boolean): void {
  if (!isAlive(s.pid)) return;
  const rss = rssBytes(s.pid);
  s.last = rss;
  if (warmedUp) {
    s.warm ??= rss;
    s.peak = Math.max(s.peak, rss);
  }
}

function figures(s: Sampled, fdStart: number, fdEnd: number): ProcessFigures {
  const mib = (b: number): number => round(b / MiB, 1);
  return {
    pid: s.pid,
    alive: isAlive(s.pid),
    rssStartMiB: mib(s.start),
    rssWarmMiB: mib(s.warm ?? s.start),
    rssPeakMiB: mib(Math.max(s.peak, s.warm ?? s.start)),
    rssEndMiB: mib(s.last),
    fdStart,
    fdEnd,
  };
}

export async function runFuzz(partial: Partial<FuzzOptions> = {}): Promise<FuzzReport> {
  const o: FuzzOptions = { ...FuzzDefaults, ...partial };
  intOption('inputs', o.inputs, 1, 100_000_000);
  intOption('concurrency', o.concurrency, 1, 10_000);
  intOption('maxMessageSize', o.maxMessageSize, 16, 1 << 24);
  const port = await freePort();
  const instance = Instance.create({
    // Every input must reach the sniffer: no accept is refused for a full queue here (the slow
    // clients scenario is where that limit is tested).
    maxPendingConnections: Math.max(1000, 2 * o.concurrency),
    listenBacklog: 4096,
  });
  const daemon = await Daemon.start(instance);
  const workers: SessionWorker[] = [];
  try {
    const spec = { maxMessageSize: o.maxMessageSize, maxConcurrentSessions: 100_000 };
    workers.push(await SessionWorker.start(instance, { uri: `net.tcp://localhost:${port}/fuzz`, tag: 'F:', ...spec }));
    workers.push(await SessionWorker.start(instance, { uri: `net.tcp://localhost:${port}/good`, tag: 'G:', ...spec }));
    const target: FuzzTarget = {
      port,
      routes: [
        { segment: 'fuzz', tag: 'F:' },
        { segment: 'good', tag: 'G:' },
      ],
      maxViaBytes: 2048,
      maxContentTypeBytes: 256,
      maxUpgradeBytes: 256,
      maxMessageSize: o.maxMessageSize,
    };
    const corpus = buildCorpus(target);
    // One good session first, so that every process has run its code paths once.
    const warm = await goodSession(port, '/good/warm', { expectTag: 'G:' });
    if (!warm.ok) throw new Error(`the good worker does not answer before fuzzing: ${warm.error}`);
    const before = (await daemon.status()).counters;
    const fdStart = await settledFdCount(daemon.pid);
    const workerFdStart = workers.map((w) => openFdCount(w.pid));
    const sampled: Sampled[] = [daemon.pid, ...workers.map((w) => w.pid)].map((pid) => {
      const rss = rssBytes(pid);
      return { pid, start: rss, warm: undefined, peak: rss, last: rss };
    });

    let done = 0;
    const warmAfter = Math.ceil(o.inputs / 10);
    const sampler = setInterval(() => {
      for (const s of sampled) sample(s, done >= warmAfter);
    }, o.sampleEveryMs);

    // Good clients throughout: one session at a time, every heartbeatEveryMs.
    let fuzzing = true;
    const beats: { ok: boolean; ms: number; error?: string }[] = [];
    const heartbeat = (async () => {
      while (fuzzing) {
        const r = await goodSession(port, '/good/heartbeat', { expectTag: 'G:' });
        beats.push(r.error === undefined ? { ok: r.ok, ms: r.ms } : { ok: r.ok, ms: r.ms, error: r.error });
        await sleep(o.heartbeatEveryMs);
      }
    })();

    const families: Record<string, number> = {};
    const outcomes: Record<string, number> = {};
    const predicted = { handoff: [0, 0] as [number, number], fault: [0, 0] as [number, number], drop: [0, 0] as [number, number], empty: 0 };
    const examples: FuzzViolation[] = [];
    let violations = 0;
    let hangs = 0;
    let resets = 0;
    const step = Math.max(1, Math.floor(o.inputs / 100));
    const started = performance.now();
    await closedLoop({
      concurrency: o.concurrency,
      count: o.inputs,
      task: async (index) => {
        const input = generateInput(index, o.seed, corpus);
        const expectation = expectOutcome(input.bytes, target);
        const out = await rawExchange(port, input.bytes, { deadlineMs: o.deadlineMs });
        families[input.family] = (families[input.family] ?? 0) + 1;
        const name = out.end === 'timeout' ? 'hang' : out.end === 'refused' || out.end === 'error' ? out.end : describeResponse(out.data);
        outcomes[name] = (outcomes[name] ?? 0) + 1;
        if (out.end === 'reset') resets++;
        if (input.bytes.length === 0) predicted.empty++;
        for (const verdict of ['handoff', 'fault', 'drop'] as const) {
          if (!expectation.daemon.includes(verdict)) continue;
          predicted[verdict][1]++;
          if (expectation.daemon.length === 1) predicted[verdict][0]++;
        }
        const ok = (out.end === 'eof' || out.end === 'reset') && matchesAny(expectation.alternatives, out.data);
        if (out.end === 'timeout') hangs++;
        if (!ok) {
          violations++;
          if (examples.length < o.keepViolations) {
            examples.push({
              index,
              family: input.family,
              hex: input.bytes.subarray(0, 512).toString('hex'),
              expected: expectation.alternatives.map(describeExpected),
              observed: `${name} ${out.data.subarray(0, 64).toString('hex')}`,
              end: out.end,
            });
          }
        }
        done++;
        if (done % step === 0) o.onProgress?.(done, o.inputs);
      },
    });
    const durationMs = performance.now() - started;
    fuzzing = false;
    await heartbeat;
    clearInterval(sampler);
    for (const s of sampled) sample(s, true);

    // Quiescence: nothing pending, every connection's descriptor closed (faults drain first).
    await waitFor('the daemon to finish every connection', async () => ((await daemon.status()).pendingConnections === 0 ? true : undefined), 10_000, 50);
    const fdEnd = await settledFdCount(daemon.pid, 5000);
    const after = (await daemon.status()).counters;
    const beatsDone = beats.length;
    const latencies = beats.filter((b) => b.ok).map((b) => b.ms);
    return {
      inputs: o.inputs,
      seed: o.seed,
      concurrency: o.concurrency,
      durationMs: Math.round(durationMs),
      inputsPerSecond: Math.round(o.inputs / (durationMs / 1000)),
      families,
      outcomes,
      resets,
      hangs,
      violations,
      examples,
      predicted,
      counters: {
        accepted: after.connectionsAccepted - before.connectionsAccepted - beatsDone,
        dispatched: after.connectionsDispatched - before.connectionsDispatched - beatsDone,
        dispatchFailures: after.dispatchFailures - before.dispatchFailures,
        protocolFailures: after.protocolFailures - before.protocolFailures,
      },
      heartbeats: {
        ok: beats.filter((b) => b.ok).length,
        failed: beats.filter((b) => !b.ok).length,
        p50Ms: round(percentile(latencies, 50), 2),
        p99Ms: round(percentile(latencies, 99), 2),
        errors: [...new Set(beats.filter((b) => !b.ok).map((b) => b.error ?? '?'))].slice(0, 5),
      },
      daemon: figures(sampled[0] as Sampled, fdStart, fdEnd),
      workers: workers.map((w, i) => figures(sampled[i + 1] as Sampled, workerFdStart[i] as number, openFdCount(w.pid))),
      daemonLog: summariseLog(instance.warnings()),
    };
  } finally {
    for (const w of workers) await w.kill9();
    await daemon.kill9();
    instance.remove();
  }
}

export function fuzzCriteria(r: FuzzReport): Criterion[] {
  const growth = (p: ProcessFigures): number => (p.rssPeakMiB - p.rssWarmMiB) * MiB;
  const inRange = (n: number, [lo, hi]: [number, number]): boolean => n >= lo && n <= hi;
  return [
    criterion('every input dropped or faulted as the rules say', r.violations === 0, `${r.violations} of ${r.inputs} answers outside the model`),
    criterion('no hang', r.hangs === 0, `${r.hangs} connections still open after the deadline`),
    criterion('no crash', r.daemon.alive && r.workers.every((w) => w.alive), `daemon alive: ${r.daemon.alive}, workers alive: ${r.workers.map((w) => w.alive).join(', ')}`),
    criterion(
      'memory bounded',
      [r.daemon, ...r.workers].every((p) => growth(p) <= FUZZ_MAX_RSS_GROWTH_BYTES),
      `RSS after warm-up → peak: daemon ${r.daemon.rssWarmMiB} → ${r.daemon.rssPeakMiB} MiB, workers ${r.workers.map((w) => `${w.rssWarmMiB} → ${w.rssPeakMiB}`).join(', ')} MiB (limit +${FUZZ_MAX_RSS_GROWTH_BYTES / MiB} MiB)`,
    ),
    criterion('no descriptor leaked in the daemon', r.daemon.fdEnd <= r.daemon.fdStart, `${r.daemon.fdStart} before, ${r.daemon.fdEnd} after`),
    criterion('the daemon served good clients throughout', r.heartbeats.failed === 0 && r.heartbeats.ok > 0, `${r.heartbeats.ok} good sessions, ${r.heartbeats.failed} failed ${r.heartbeats.errors.join(' ')}`),
    criterion(
      "the daemon's counters agree with the model",
      r.counters.accepted === r.inputs &&
        inRange(r.counters.dispatched, r.predicted.handoff) &&
        inRange(r.counters.dispatchFailures, r.predicted.fault) &&
        inRange(r.counters.protocolFailures, [r.predicted.drop[0] - r.predicted.empty, r.predicted.drop[1]]),
      `accepted ${r.counters.accepted}/${r.inputs}, dispatched ${r.counters.dispatched} in [${r.predicted.handoff.join(', ')}], faults ${r.counters.dispatchFailures} in [${r.predicted.fault.join(', ')}], protocol failures ${r.counters.protocolFailures} in [${r.predicted.drop[0] - r.predicted.empty}, ${r.predicted.drop[1]}]`,
    ),
  ];
}
