import { join } from 'node:path';
import { loadavg } from 'node:os';
import { ControlClient, type InstancePaths } from '@portshare/control';
import { daemonStatus, freePort, makeTestPki, sleep, type TestPki } from '@portshare/test-utils';
import { BenchError, BenchErrorCodes } from './errors.js';
import { runLoadgen } from './loadgen-client.js';
import { cpuJiffies, machineFacts } from './machine.js';
import { validateOptions, type BenchOptions, type ConfigurationName } from './options.js';
import { findHaproxy, findSslh, requirePeer } from './peers.js';
import { cpuMs, rssBytes } from './proc-stats.js';
import type {
  BenchResults,
  BulkSample,
  ConnSample,
  IdleRssResult,
  LoadgenCost,
  QuietGateRecord,
  RoundResult,
  RouteE2eResult,
  RoutesResult,
  RttSample,
  WcfConfiguration,
  WcfMeasure,
  WcfResults,
  StreamedResults,
  WcfSample,
} from './results.js';
import { cpuSnapshot, foreignCpuMs, waitForQuiet } from './quiet.js';
import { benchRouteLookupsInChild } from './routes-bench.js';
import { measureStreamed } from './streamed-bench.js';
import { BenchSetup, startWorker, type Endpoint, type WorkerListen } from './setup.js';
import { median } from './stats.js';
import { checkTargets, summarizeRounds, summarizeWcf } from './summary.js';

export type Log = (line: string) => void;

/**
 * Keeps other work on the machine out of the numbers: waits for a quiet machine before each group
 * of measurements (keeping a record of each wait), and repeats a measurement that other processes
 * shared the machine with.
 */
class Gate {
  readonly records: QuietGateRecord[] = [];
  readonly #o: BenchOptions;
  readonly #log: Log;

  constructor(o: BenchOptions, log: Log) {
    this.#o = o;
    this.#log = log;
  }

  /**
   * Runs a measurement; when other processes used more than maxForeignCores during it, waits for
   * quiet and runs it again (maxAttempts in all, the last one kept).
   */
  async measure<T extends LoadgenCost>(what: string, run: () => Promise<Omit<T, 'foreignCores' | 'attempts'>>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const before = cpuSnapshot();
      const t0 = Date.now();
      const r = await run();
      const foreignCores = foreignCpuMs(before, cpuSnapshot()) / Math.max(1, Date.now() - t0);
      if (foreignCores <= this.#o.maxForeignCores || attempt >= this.#o.maxAttempts) {
        if (foreignCores > this.#o.maxForeignCores && this.#o.maxAttempts > 1) {
          this.#log(`  ${what}: other work used ${foreignCores.toFixed(2)} cores during attempt ${attempt}; kept, flagged in the JSON`);
        }
        return { ...r, foreignCores, attempts: attempt } as T;
      }
      this.#log(`  ${what}: other work used ${foreignCores.toFixed(2)} cores during it; measuring again`);
      await this.pass(what);
    }
  }

  async pass(before: string): Promise<void> {
    if (this.#o.quietBusyShare >= 1) return;
    const r = await waitForQuiet({ maxBusyShare: this.#o.quietBusyShare, maxWaitMs: this.#o.quietWaitMs, sampleMs: 1000 });
    this.records.push({ before, ...r });
    const pct = (r.busyShare * 100).toFixed(0);
    if (!r.quiet) this.#log(`  ${before}: the machine stayed busy (${pct} % of its CPUs) for ${Math.round(r.waitedMs / 1000)} s; measuring anyway`);
    else if (r.waitedMs > 1500) this.#log(`  ${before}: waited ${Math.round(r.waitedMs / 1000)} s for other work on the machine to stop`);
  }
}

/**
 * Fails a measurement that completed nothing, or lost more than `maxErrorRatio` of its attempts:
 * its rate would describe failures, not the configuration.
 */
export function checkErrors(what: string, completed: number, errors: number, maxErrorRatio: number): void {
  const total = completed + errors;
  if (completed === 0) {
    throw new BenchError(BenchErrorCodes.MeasurementFailed, `${what}: no attempt succeeded (${errors} failed). Run the configuration alone (--only) and check its output.`);
  }
  if (errors / total > maxErrorRatio) {
    throw new BenchError(
      BenchErrorCodes.MeasurementFailed,
      `${what}: ${errors} of ${total} attempts failed, more than ${maxErrorRatio * 100} %. The numbers would describe failures; check the configuration, or the machine's limits (ulimit -n, ephemeral ports).`,
    );
  }
}

function target(e: Endpoint): { host: string; port: number; preambleHex: string } {
  return { host: '127.0.0.1', port: e.port, preambleHex: e.preamble.toString('hex') };
}

const share = (l: { loadgen: { cpuMs: number; wallMs: number } }): number => l.loadgen.cpuMs / l.loadgen.wallMs;

/** A sample before the guard has added what other work did during it. */
type Unguarded<T> = Omit<T, 'foreignCores' | 'attempts'>;

/** CPU used by a process between two calls, in ms; null without a process. */
function cpuMeter(pid: number | undefined): () => number | null {
  if (pid === undefined) return () => null;
  const start = cpuMs(pid);
  return () => cpuMs(pid) - start;
}

/** Connection rate through one configuration, with the CPU it cost the intermediary and the worker. */
async function measureConn(e: Endpoint, o: BenchOptions): Promise<Unguarded<ConnSample>> {
  const interMeter = cpuMeter(e.intermediaryCpuMeasurable ? e.intermediary?.pid : undefined);
  const workerMeter = cpuMeter(e.worker.pid);
  const conn = await runLoadgen(
    { ...target(e), test: 'conn', conn: { concurrency: o.connConcurrency, durationMs: o.connDurationMs, connectTimeoutMs: o.connectTimeoutMs } },
    { fdLimit: o.fdLimit },
  );
  const interMs = interMeter();
  const workerMs = workerMeter()!;
  checkErrors(`${e.name}: connection rate`, conn.connections, conn.errors, o.maxErrorRatio);
  const perConn = (ms: number): number => (ms * 1000) / Math.max(1, conn.totalConnections);
  const { loadgen: _l, ...rest } = conn;
  return {
    ...rest,
    coreShare: share(conn),
    intermediaryCpuUsPerConn: interMs === null ? null : perConn(interMs),
    workerCpuUsPerConn: perConn(workerMs),
  };
}

export async function measureRtt(e: Endpoint, concurrency: number, o: Pick<BenchOptions, 'rttDurationMs' | 'rttMessageBytes' | 'connectTimeoutMs' | 'fdLimit'>): Promise<Unguarded<RttSample>> {
  const r = await runLoadgen(
    { ...target(e), test: 'rtt', rtt: { concurrency, durationMs: o.rttDurationMs, messageBytes: o.rttMessageBytes, connectTimeoutMs: o.connectTimeoutMs } },
    { fdLimit: o.fdLimit },
  );
  const { loadgen: _l, ...rest } = r;
  return { ...rest, coreShare: share(r) };
}

async function measureBulk(e: Endpoint, o: BenchOptions): Promise<Unguarded<BulkSample>> {
  const meter = cpuMeter(e.intermediaryCpuMeasurable ? e.intermediary?.pid : undefined);
  const b = await runLoadgen(
    {
      ...target(e),
      test: 'bulk',
      bulk: { bytes: o.bulkBytes, messageBytes: o.bulkMessageBytes, connectTimeoutMs: o.connectTimeoutMs, stallTimeoutMs: o.bulkStallTimeoutMs },
    },
    { fdLimit: o.fdLimit },
  );
  const interMs = meter();
  const { loadgen: _l, ...rest } = b;
  const stalled = b.stalledAfterBytes !== undefined;
  return { ...rest, coreShare: share(b), intermediaryCpuMsPerGB: interMs === null || stalled ? null : interMs / (b.payloadBytes / 1e9) };
}

/**
 * One round: each test runs on every configuration back to back (connection rate on all five,
 * then round trips at 1, then at N, then bulk), so the configurations a ratio compares were
 * measured under the same conditions, seconds apart.
 */
async function measureRound(setup: BenchSetup, round: number, o: BenchOptions, log: Log, gate: Gate): Promise<RoundResult[]> {
  // Each round starts one configuration later (A B C D E, B C D E A, …), so none is always first.
  const names = o.configurations.map((_, i) => o.configurations[(i + round - 1) % o.configurations.length]!);
  const endpoints = names.map((name) => setup.endpoint(name));
  const conn = new Map<ConfigurationName, ConnSample>();
  const rtt1 = new Map<ConfigurationName, RttSample>();
  const rttN = new Map<ConfigurationName, RttSample>();
  const bulk = new Map<ConfigurationName, BulkSample>();
  await gate.pass(`round ${round}: conn`);
  for (const e of endpoints) conn.set(e.name, await gate.measure<ConnSample>(`round ${round}: ${e.name} conn`, () => measureConn(e, o)));
  log(`  conn/s ×${o.connConcurrency}: ${endpoints.map((e) => `${e.name} ${Math.round(conn.get(e.name)!.connPerSec)}`).join(' · ')}`);
  await gate.pass(`round ${round}: rtt ×1`);
  for (const e of endpoints) rtt1.set(e.name, await gate.measure<RttSample>(`round ${round}: ${e.name} rtt ×1`, () => measureRtt(e, 1, o)));
  log(`  RTT ×1 p50 µs: ${endpoints.map((e) => `${e.name} ${Math.round(rtt1.get(e.name)!.p50Us)}`).join(' · ')}`);
  await gate.pass(`round ${round}: rtt ×${o.rttConcurrency}`);
  for (const e of endpoints) {
    rttN.set(e.name, await gate.measure<RttSample>(`round ${round}: ${e.name} rtt ×${o.rttConcurrency}`, () => measureRtt(e, o.rttConcurrency, o)));
  }
  log(`  msg/s ×${o.rttConcurrency}: ${endpoints.map((e) => `${e.name} ${Math.round(rttN.get(e.name)!.msgPerSec)}`).join(' · ')}`);
  await gate.pass(`round ${round}: bulk`);
  for (const e of endpoints) bulk.set(e.name, await gate.measure<BulkSample>(`round ${round}: ${e.name} bulk`, () => measureBulk(e, o)));
  log(`  bulk MB/s: ${endpoints.map((e) => `${e.name} ${Math.round(bulk.get(e.name)!.mbPerSec)}`).join(' · ')}`);
  for (const e of endpoints) {
    const stalledAfter = bulk.get(e.name)!.stalledAfterBytes;
    if (stalledAfter !== undefined) {
      log(`  ${e.name} bulk stalled: no echoed byte for ${o.bulkStallTimeoutMs / 1000} s after ${(stalledAfter / 1e6).toFixed(0)} MB; counted as 0 MB/s`);
    }
  }
  return endpoints.map((e) => ({
    round,
    configuration: e.name,
    conn: conn.get(e.name)!,
    rtt1: rtt1.get(e.name)!,
    rttN: rttN.get(e.name)!,
    bulk: bulk.get(e.name)!,
  }));
}

/** The daemon's RSS with `idleConnections` acknowledged, idle sessions open through it. */
async function measureIdle(e: Endpoint, freshRssBytes: number, o: BenchOptions): Promise<IdleRssResult> {
  const pid = e.intermediary!.pid;
  await sleep(o.settleMs);
  const beforeRssBytes = rssBytes(pid);
  let withConnectionsRssBytes = Number.NaN;
  const held = await runLoadgen(
    { ...target(e), test: 'idle', idle: { connections: o.idleConnections, openConcurrency: o.idleOpenConcurrency, connectTimeoutMs: o.connectTimeoutMs } },
    {
      fdLimit: o.fdLimit,
      whileHolding: async () => {
        await sleep(o.settleMs);
        withConnectionsRssBytes = rssBytes(pid);
      },
    },
  );
  checkErrors(`${e.name}: ${o.idleConnections} idle connections`, held.open, held.errors, o.maxErrorRatio);
  // Let the worker finish closing them before anything else runs.
  await sleep(Math.max(500, o.settleMs));
  return {
    configuration: e.name as 'handoff' | 'proxy',
    freshRssBytes,
    beforeRssBytes,
    withConnectionsRssBytes,
    addedBytes: withConnectionsRssBytes - beforeRssBytes,
    connections: held.open,
    errors: held.errors,
  };
}

/**
 * Fills the daemon's routing table: `count` more registrations on the benchmark's port, held by one
 * control connection. They are proxy registrations to a socket that does not exist; they are never
 * routed to, they only make the table big.
 */
async function registerFillers(paths: InstancePaths, port: number, count: number): Promise<ControlClient> {
  const client = await ControlClient.connect(paths.controlSocket);
  await client.hello();
  const path = join(paths.runDir, 'workers', 'never-used.sock');
  const batch = 200;
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    await Promise.all(
      Array.from({ length: n }, (_, k) =>
        client.request({
          op: 'register',
          uri: `net.tcp://127.0.0.1:${port}/app${i + k}/Service.svc`,
          hostNameComparisonMode: 'StrongWildcard',
          transport: 'proxy',
          path,
        }),
      ),
    );
  }
  return client;
}

async function registrationCount(paths: InstancePaths): Promise<number> {
  return (await daemonStatus(paths)).registrations.length;
}

/** Connection rate through the hand-off daemon with few and with many registrations, interleaved. */
async function measureRouteE2e(setup: BenchSetup, o: BenchOptions, log: Log, gate: Gate): Promise<RouteE2eResult[]> {
  const e = setup.endpoint('handoff');
  const daemon = setup.daemons.get('handoff')!;
  const rates = new Map<number, { connPerSec: number; setupP50Us: number; setupP99Us: number }[]>();
  for (let round = 1; round <= o.rounds; round++) {
    for (const n of o.routeRegistrations) {
      const fillers = await registerFillers(daemon.paths, e.port, n - 1);
      try {
        const total = await registrationCount(daemon.paths);
        if (total !== n) throw new BenchError(BenchErrorCodes.MeasurementFailed, `expected ${n} registrations on the daemon, found ${total}`);
        await gate.pass(`round ${round}: ${n} registrations`);
        const conn = await runLoadgen(
          { ...target(e), test: 'conn', conn: { concurrency: o.connConcurrency, durationMs: o.routeE2eDurationMs, connectTimeoutMs: o.connectTimeoutMs } },
          { fdLimit: o.fdLimit },
        );
        checkErrors(`handoff with ${n} registrations: connection rate`, conn.connections, conn.errors, o.maxErrorRatio);
        const list = rates.get(n) ?? [];
        list.push({ connPerSec: conn.connPerSec, setupP50Us: conn.setupP50Us, setupP99Us: conn.setupP99Us });
        rates.set(n, list);
        log(`  handoff with ${n} registrations: ${Math.round(conn.connPerSec)} conn/s`);
      } finally {
        fillers.destroy();
      }
      // The registrations end with their control connection; wait until the table is back to one.
      const deadline = Date.now() + o.readyTimeoutMs;
      while ((await registrationCount(daemon.paths)) > 1 && Date.now() < deadline) await sleep(20);
    }
  }
  return o.routeRegistrations.map((registrations) => {
    const list = rates.get(registrations)!;
    return {
      registrations,
      connPerSec: median(list.map((r) => r.connPerSec)),
      setupP50Us: median(list.map((r) => r.setupP50Us)),
      setupP99Us: median(list.map((r) => r.setupP99Us)),
      perRound: list.map((r) => r.connPerSec),
    };
  });
}

/** Progress on stderr, each line with the seconds since the start. */
function defaultLog(): Log {
  const t0 = Date.now();
  return (line) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
}

const WCF_PATH = '/calculator/service';

/** Worker processes sharing the balanced configuration's URI. */
const BALANCED_WORKERS = 2;

/**
 * The service certificate for the TLS configuration, made with the openssl command line; none
 * (and the reason) when openssl cannot run.
 */
function benchPki(): { pki: TestPki } | { reason: string } {
  try {
    return { pki: makeTestPki() };
  } catch (err) {
    return { reason: `no certificate could be made with openssl: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
}

/**
 * ICalculator.Add calls/s through the SDK and the message layer: direct, hand-off, proxy, and the
 * hand-off path with transport security (TLS) beside it; then session setup (connect, preamble,
 * one call, close) in clear text and with TLS.
 */
async function measureWcf(setup: BenchSetup, o: BenchOptions, log: Log, gate: Gate): Promise<WcfResults> {
  const configs: Exclude<WcfConfiguration, 'balanced'>[] = (['direct', 'handoff', 'proxy'] as const).filter((c) => o.configurations.includes(c));
  if (configs.length === 0) return { ran: false, reason: 'none of direct, handoff, proxy was selected' };
  let tls: { ran: true } | { ran: false; reason: string } = { ran: false, reason: 'the hand-off configuration was not selected' };
  let pki: TestPki | undefined;
  if (configs.includes('handoff')) {
    const made = benchPki();
    if ('pki' in made) {
      pki = made.pki;
      setup.removeAtStop(made.pki.dir);
      configs.push('handoff-tls');
      tls = { ran: true };
    } else {
      tls = { ran: false, reason: made.reason };
      log(`  TLS not measured: ${made.reason}`);
    }
  }
  const targets: { configuration: WcfConfiguration; port: number; via: string }[] = [];
  const listens: WorkerListen[] = [];
  for (const configuration of configs) {
    const port = await freePort();
    const via = `net.tcp://127.0.0.1:${port}${WCF_PATH}`;
    const daemon =
      configuration === 'direct' ? undefined : setup.daemons.get(configuration === 'handoff-tls' ? 'handoff' : configuration);
    listens.push({
      uri: via,
      home: daemon?.home,
      tls: configuration === 'handoff-tls' && pki !== undefined ? { certificate: pki.server.certificateFile, key: pki.server.keyFile } : undefined,
    });
    targets.push({ configuration, port, via });
  }
  const caOf = (configuration: WcfConfiguration): { ca?: string } =>
    configuration === 'handoff-tls' && pki !== undefined ? { ca: pki.ca } : {};
  const workerStart = {
    service: 'calculator' as const,
    fdLimit: o.fdLimit,
    readyTimeoutMs: o.readyTimeoutMs,
    nodeArgs: o.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`],
  };
  // One calculator process behind all three, as the echo worker is.
  setup.adopt(await startWorker({ ...workerStart, listens }));
  if (configs.includes('handoff')) {
    // Many workers per URI: two more calculator processes registering one URI with 'balance'.
    const port = await freePort();
    const via = `net.tcp://127.0.0.1:${port}${WCF_PATH}`;
    const listen: WorkerListen = { uri: via, home: setup.daemons.get('handoff')!.home, onConflict: 'balance' };
    for (let i = 0; i < BALANCED_WORKERS; i++) setup.adopt(await startWorker({ ...workerStart, listens: [listen] }));
    targets.push({ configuration: 'balanced', port, via });
  }
  const samples: WcfSample[] = [];
  const run = async (round: number, t: (typeof targets)[number], measure: WcfMeasure, concurrency: number): Promise<void> => {
    const r = await gate.measure<WcfSample>(`round ${round}: wcf ${measure} ${t.configuration} ×${concurrency}`, async () => {
      const x = await runLoadgen(
        {
          host: '127.0.0.1',
          port: t.port,
          preambleHex: '',
          test: 'wcf',
          wcf: { via: t.via, concurrency, durationMs: o.wcfDurationMs, measure, ...caOf(t.configuration) },
        },
        { fdLimit: o.fdLimit },
      );
      checkErrors(`${t.configuration}: WCF ${measure} at concurrency ${concurrency}`, x.calls, 0, o.maxErrorRatio);
      const { loadgen: _l, ...rest } = x;
      return { ...rest, coreShare: share(x), round, configuration: t.configuration, measure, concurrency };
    });
    samples.push(r);
    const unit = { calls: 'calls/s', work: 'calls/s', setup: 'sessions/s', callbacks: 'callbacks/s' }[measure];
    log(`  wcf ${measure} ${t.configuration.padEnd(11)} ×${concurrency}: ${Math.round(r.callsPerSec)} ${unit} (p50 ${Math.round(r.p50Us)} µs)`);
  };
  for (let round = 1; round <= o.rounds; round++) {
    for (const concurrency of [1, o.rttConcurrency]) {
      await gate.pass(`round ${round}: wcf ×${concurrency}`);
      for (const t of targets) await run(round, t, 'calls', concurrency);
    }
    // One URI over two balanced workers beside one worker, on calls that cost the service CPU.
    await gate.pass(`round ${round}: wcf balanced workers`);
    for (const t of targets.filter((x) => x.configuration === 'handoff' || x.configuration === 'balanced')) {
      await run(round, t, 'work', o.rttConcurrency);
    }
    // Session setup with and without TLS, on the same path.
    await gate.pass(`round ${round}: wcf session setup`);
    for (const t of targets.filter((x) => x.configuration === 'handoff' || x.configuration === 'handoff-tls')) {
      await run(round, t, 'setup', 1);
    }
    // Duplex: callbacks from the service to its client over the session, direct and handed off.
    await gate.pass(`round ${round}: wcf duplex callbacks`);
    for (const t of targets.filter((x) => x.configuration === 'direct' || x.configuration === 'handoff')) {
      await run(round, t, 'callbacks', 1);
    }
  }
  return { ran: true, samples, summary: summarizeWcf(samples), tls };
}

/**
 * The whole benchmark: starts every configuration, runs the interleaved rounds, then the idle-RSS,
 * route-lookup and WCF measurements, stops everything, and returns the results with the targets
 * checked.
 */
export async function runBench(options: BenchOptions, log: Log = defaultLog()): Promise<BenchResults> {
  const o = validateOptions(options);
  const haproxy = findHaproxy();
  const sslh = findSslh();
  for (const peer of [haproxy, sslh]) if (o.configurations.includes(peer.name)) requirePeer(peer);
  const machine = machineFacts(haproxy, sslh);
  const [total0, steal0] = cpuJiffies();
  const startedAt = new Date().toISOString();
  log(`portshare bench${o.smoke ? ' (smoke)' : ''}: ${o.configurations.join(', ')}; ${o.rounds} round(s); ${machine.cpus} CPUs, load ${machine.loadAverageStart.toFixed(2)}`);
  if (machine.loadAverageStart > machine.cpus / 4) {
    log(`  the machine is busy (1-minute load ${machine.loadAverageStart.toFixed(2)} on ${machine.cpus} CPUs): expect noisy numbers; run on a quiet machine to compare`);
  }
  const setup = await BenchSetup.start({
    configurations: o.configurations,
    peers: { haproxy, sslh },
    fdLimit: o.fdLimit,
    readyTimeoutMs: o.readyTimeoutMs,
    daemonNodeArgs: o.daemonNodeArgs,
    nodeArgs: o.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`],
  });
  // Stopped from outside (kill <pid>): stop the daemons, workers and peers too, not only this process.
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping every process of the benchmark`);
    void setup.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const rounds: RoundResult[] = [];
  const idle: IdleRssResult[] = [];
  const gate = new Gate(o, log);
  let routes: RoutesResult;
  let wcf: WcfResults;
  let streamed: StreamedResults;
  try {
    await sleep(o.settleMs);
    const fresh = new Map<ConfigurationName, number>();
    for (const [name, d] of setup.daemons) fresh.set(name, rssBytes(d.process.pid));

    // Memory first, on daemons that have served nothing yet: after the rounds their heaps would
    // already have grown, and the growth the idle connections cause would hide in it.
    for (const name of ['handoff', 'proxy'] as const) {
      if (!o.configurations.includes(name)) continue;
      await gate.pass(`${name} memory`);
      const r = await measureIdle(setup.endpoint(name), fresh.get(name)!, o);
      idle.push(r);
      log(`  ${name} daemon RSS: ${(r.freshRssBytes / 1e6).toFixed(1)} MB fresh, +${(r.addedBytes / 1e6).toFixed(1)} MB with ${r.connections} idle connections`);
    }

    if (o.warmupMs > 0) {
      log(`warm-up: ${o.warmupMs / 1000} s of connections and round trips on each configuration (not recorded)`);
      for (const name of o.configurations) {
        const e = setup.endpoint(name);
        await runLoadgen(
          { ...target(e), test: 'conn', conn: { concurrency: o.connConcurrency, durationMs: o.warmupMs, connectTimeoutMs: o.connectTimeoutMs } },
          { fdLimit: o.fdLimit },
        );
        await runLoadgen(
          { ...target(e), test: 'rtt', rtt: { concurrency: o.rttConcurrency, durationMs: o.warmupMs, messageBytes: o.rttMessageBytes, connectTimeoutMs: o.connectTimeoutMs } },
          { fdLimit: o.fdLimit },
        );
      }
    }

    for (let round = 1; round <= o.rounds; round++) {
      log(`round ${round}/${o.rounds}`);
      rounds.push(...(await measureRound(setup, round, o, log, gate)));
    }

    await gate.pass('route lookups');
    const lookups = await benchRouteLookupsInChild({ sizes: o.routeRegistrations, batch: o.routeLookupBatch, batches: o.routeBatches });
    for (const l of lookups) log(`  route lookup, ${l.registrations} registrations: ${l.hotNs.toFixed(0)} ns hot, ${l.spreadNs.toFixed(0)} ns spread`);
    const e2e = o.configurations.includes('handoff') ? await measureRouteE2e(setup, o, log, gate) : [];
    routes = { lookups, e2e };

    wcf = o.wcf ? await measureWcf(setup, o, log, gate) : { ran: false, reason: 'skipped (--no-wcf)' };
    streamed = o.wcf ? await measureStreamed(setup, o, log, gate) : { ran: false, reason: 'skipped (--no-wcf)' };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await setup.stop();
  }
  machine.loadAverageEnd = loadavg()[0]!;
  const [total1, steal1] = cpuJiffies();
  machine.stealPercent = ((steal1 - steal0) / (total1 - total0)) * 100;
  const summary = summarizeRounds(rounds);
  return {
    schema: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    smoke: o.smoke,
    options: { ...o },
    machine,
    rounds,
    summary,
    idle,
    routes,
    wcf,
    streamed,
    quietGates: gate.records,
    targets: checkTargets(rounds, summary, idle, routes, wcf.ran ? wcf.summary : [], o.rttConcurrency, streamed.ran ? streamed.summary : []),
  };
}
