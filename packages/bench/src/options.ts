import { parseArgs } from 'node:util';
import { BenchError, BenchErrorCodes } from './errors.js';

/** The five ways of reaching the same echo worker, in the order they run in each round. */
export const CONFIGURATIONS = ['direct', 'handoff', 'proxy', 'route', 'haproxy', 'sslh'] as const;
export type ConfigurationName = (typeof CONFIGURATIONS)[number];

/** Every limit of the harness, with the reason it is where it is. */
export const BenchLimits = {
  maxRounds: 50,
  /**
   * The daemon reads at most maxPendingConnections (default 100) preambles at once and takes more
   * on probation; a connection-rate test above that would measure admission, not the hand-off.
   */
  maxConnConcurrency: 100,
  maxRttConcurrency: 1000,
  minDurationMs: 100,
  maxDurationMs: 600_000,
  /** The echo worker's maxMessageSize is WCF's default MaxReceivedMessageSize, 65536. */
  maxBulkMessageBytes: 65_536,
  /** 64 GiB: at loopback speeds, minutes per configuration. */
  maxBulkBytes: 64 * 1024 ** 3,
  /**
   * Every idle connection takes one ephemeral port towards the same address and port; Linux's
   * default range (32768–60999) has 28232 of them.
   */
  maxIdleConnections: 28_000,
  maxIdleOpenConcurrency: 100,
  maxRouteRegistrations: 1_000_000,
  /** More than this share of failed connections or messages makes a measurement void. */
  maxErrorRatio: 0.05,
} as const;

export interface BenchOptions {
  /** A few seconds per configuration: checks that everything runs, numbers mean little. */
  smoke: boolean;
  /** Interleaved rounds (direct, handoff, proxy, route, haproxy, sslh, direct, …); medians are over rounds. */
  rounds: number;
  configurations: ConfigurationName[];
  /**
   * Time for connect + preamble + PreambleAck: past it a connection counts as failed (connection
   * tests) or fails the measurement (the others, which need every session they open).
   */
  connectTimeoutMs: number;
  /** Connection-rate test: parallel connect → preamble → PreambleAck → close loops. */
  connConcurrency: number;
  connDurationMs: number;
  /**
   * Before round 1, a short connection and round-trip run on every configuration, not recorded:
   * the worker's and daemons' code is compiled by then, so round 1 is not slower than the rest.
   * 0: none.
   */
  warmupMs: number;
  /** Round-trip test: parallel 64-byte SizedEnvelope echo loops (also always run with 1). */
  rttConcurrency: number;
  rttDurationMs: number;
  rttMessageBytes: number;
  /** Bulk test: this many payload bytes on one connection, in envelopes of bulkMessageBytes, echoed back. */
  bulkBytes: number;
  bulkMessageBytes: number;
  /** Bulk test: no echoed byte for this long counts the round as stalled (0 MB/s) and goes on. */
  bulkStallTimeoutMs: number;
  /** RSS test: connections held open (acknowledged, idle) through each portshare daemon. */
  idleConnections: number;
  idleOpenConcurrency: number;
  /**
   * Before each test group, wait until the machine (the benchmark's own processes idle) uses at
   * most this share of its CPUs, for at most quietWaitMs; 1 turns the gate off.
   */
  quietBusyShare: number;
  quietWaitMs: number;
  /**
   * A measurement during which processes outside the benchmark used more than this many cores
   * (on average) is run again, up to maxAttempts times in all; the last attempt is kept.
   */
  maxForeignCores: number;
  maxAttempts: number;
  /** Time for the daemon's memory to settle before VmRSS is read. */
  settleMs: number;
  /** Route lookups: registrations in the small and the large table. */
  routeRegistrations: [small: number, large: number];
  /** Lookups per timed batch of the in-process RoutingTable bench. */
  routeLookupBatch: number;
  /** Batches per table size (interleaved small/large). */
  routeBatches: number;
  /** End-to-end connection rate with the small and large registration counts (seconds each). */
  routeE2eDurationMs: number;
  /** WCF calculator calls/s (needs @portshare/soap). */
  wcf: boolean;
  wcfDurationMs: number;
  /** Bytes of the streamed upload (with the WCF test): 1 GiB, the size the issue names. */
  streamedUploadBytes: number;
  /** Time allowed for each process of the setup to become ready. */
  readyTimeoutMs: number;
  /** Open-file limit asked for in every spawned process (10,000 idle connections need more than 1024). */
  fdLimit: number;
  maxErrorRatio: number;
  /** Write V8 CPU profiles of the daemons and workers here (node --cpu-prof); undefined: no profiling. */
  profileDir: string | undefined;
  /** Node options for the daemons only, e.g. V8 heap flags to compare (`--max-semi-space-size=1`). */
  daemonNodeArgs: string[];
  /** Where the JSON results go; undefined: nowhere. */
  out: string | undefined;
}

/** `pnpm bench`: several minutes on a 2-core machine. */
export function fullOptions(): BenchOptions {
  return {
    smoke: false,
    // More, shorter rounds beat fewer, longer ones: the noise on a shared VM drifts slowly.
    rounds: 5,
    configurations: [...CONFIGURATIONS],
    connectTimeoutMs: 10_000,
    connConcurrency: 32,
    connDurationMs: 6_000,
    warmupMs: 2_000,
    rttConcurrency: 32,
    rttDurationMs: 4_000,
    rttMessageBytes: 64,
    bulkBytes: 1024 ** 3,
    bulkMessageBytes: 65_536,
    bulkStallTimeoutMs: 15_000,
    idleConnections: 10_000,
    idleOpenConcurrency: 64,
    quietBusyShare: 0.1,
    quietWaitMs: 300_000,
    maxForeignCores: 0.1,
    maxAttempts: 3,
    settleMs: 2_000,
    routeRegistrations: [10, 10_000],
    routeLookupBatch: 200_000,
    routeBatches: 15,
    routeE2eDurationMs: 5_000,
    wcf: true,
    wcfDurationMs: 4_000,
    streamedUploadBytes: 1024 ** 3,
    readyTimeoutMs: 15_000,
    fdLimit: 65_536,
    maxErrorRatio: BenchLimits.maxErrorRatio,
    profileDir: undefined,
    daemonNodeArgs: [],
    out: undefined,
  };
}

/** `pnpm bench -- --smoke`: a few seconds per configuration. */
export function smokeOptions(): BenchOptions {
  return {
    ...fullOptions(),
    smoke: true,
    rounds: 1,
    connDurationMs: 1_000,
    warmupMs: 0,
    rttDurationMs: 500,
    bulkBytes: 16 * 1024 ** 2,
    idleConnections: 500,
    // CI checks that everything runs, not how fast: no waiting for a quiet machine.
    quietBusyShare: 1,
    maxAttempts: 1,
    settleMs: 200,
    routeRegistrations: [10, 1_000],
    routeLookupBatch: 20_000,
    routeBatches: 3,
    routeE2eDurationMs: 500,
    wcfDurationMs: 500,
    streamedUploadBytes: 64 * 1024 ** 2,
  };
}

function bad(message: string): BenchError {
  return new BenchError(BenchErrorCodes.BadOption, message);
}

function intIn(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw bad(`${name} is ${String(value)}; it must be a whole number from ${min} to ${max}.`);
  }
}

/** Checks every option against {@link BenchLimits}; returns the options unchanged when they pass. */
export function validateOptions(o: BenchOptions): BenchOptions {
  intIn('rounds', o.rounds, 1, BenchLimits.maxRounds);
  if (o.configurations.length === 0) throw bad('No configuration selected; name at least one of ' + CONFIGURATIONS.join(', ') + '.');
  for (const c of o.configurations) {
    if (!(CONFIGURATIONS as readonly string[]).includes(c)) throw bad(`Unknown configuration '${c}'; use ${CONFIGURATIONS.join(', ')}.`);
  }
  intIn('connectTimeoutMs', o.connectTimeoutMs, BenchLimits.minDurationMs, BenchLimits.maxDurationMs);
  intIn('connConcurrency', o.connConcurrency, 1, BenchLimits.maxConnConcurrency);
  intIn('rttConcurrency', o.rttConcurrency, 1, BenchLimits.maxRttConcurrency);
  for (const [name, ms] of [
    ['connDurationMs', o.connDurationMs],
    ['rttDurationMs', o.rttDurationMs],
    ['routeE2eDurationMs', o.routeE2eDurationMs],
    ['wcfDurationMs', o.wcfDurationMs],
    ['bulkStallTimeoutMs', o.bulkStallTimeoutMs],
  ] as const) {
    intIn(name, ms, BenchLimits.minDurationMs, BenchLimits.maxDurationMs);
  }
  intIn('rttMessageBytes', o.rttMessageBytes, 1, BenchLimits.maxBulkMessageBytes);
  intIn('bulkMessageBytes', o.bulkMessageBytes, 1, BenchLimits.maxBulkMessageBytes);
  intIn('bulkBytes', o.bulkBytes, o.bulkMessageBytes, BenchLimits.maxBulkBytes);
  intIn('idleConnections', o.idleConnections, 1, BenchLimits.maxIdleConnections);
  intIn('idleOpenConcurrency', o.idleOpenConcurrency, 1, BenchLimits.maxIdleOpenConcurrency);
  intIn('settleMs', o.settleMs, 0, BenchLimits.maxDurationMs);
  // The upload and its envelope must fit in one message of at most 2^31 - 1 bytes.
  intIn('streamedUploadBytes', o.streamedUploadBytes, 1024 ** 2, 2 ** 31 - 1024 ** 2);
  if (o.warmupMs !== 0) intIn('warmupMs', o.warmupMs, BenchLimits.minDurationMs, BenchLimits.maxDurationMs);
  if (!(o.quietBusyShare > 0 && o.quietBusyShare <= 1)) throw bad(`quietBusyShare is ${o.quietBusyShare}; it must be above 0 and at most 1.`);
  intIn('quietWaitMs', o.quietWaitMs, 0, 3_600_000);
  if (!(o.maxForeignCores >= 0)) throw bad(`maxForeignCores is ${o.maxForeignCores}; it must be 0 or more.`);
  intIn('maxAttempts', o.maxAttempts, 1, 10);
  const [small, large] = o.routeRegistrations;
  intIn('routeRegistrations (small)', small, 1, BenchLimits.maxRouteRegistrations);
  intIn('routeRegistrations (large)', large, small, BenchLimits.maxRouteRegistrations);
  intIn('routeLookupBatch', o.routeLookupBatch, 1, 100_000_000);
  intIn('routeBatches', o.routeBatches, 1, 1000);
  intIn('readyTimeoutMs', o.readyTimeoutMs, 100, BenchLimits.maxDurationMs);
  intIn('fdLimit', o.fdLimit, 1024, 1 << 20);
  if (!(o.maxErrorRatio >= 0 && o.maxErrorRatio <= 1)) throw bad(`maxErrorRatio is ${o.maxErrorRatio}; it must be from 0 to 1.`);
  for (const a of o.daemonNodeArgs) {
    if (!a.startsWith('-')) throw bad(`daemonNodeArgs holds '${a}'; give node options only (each starting with -).`);
  }
  return o;
}

const USAGE = `Usage: node dist/run.js [options]
  --smoke              a few seconds per configuration (checks that everything runs)
  --rounds N           interleaved rounds (default 5; smoke 1)
  --only a,b           configurations to run: ${CONFIGURATIONS.join(', ')}
  --conn-seconds S     connection-rate test length per round (default 6)
  --rtt-seconds S      each round-trip test length per round (default 4)
  --bulk-mib N         bulk test size in MiB (default 1024)
  --idle N             idle connections for the RSS test (default 10000)
  --no-wcf             skip the WCF tests (calculator, duplex, TLS, and the 1 GiB streamed upload)
  --no-quiet-wait      start each test at once and keep it, even while other work keeps the machine busy
  --out FILE           write the JSON results there (default results/latest.json; smoke: none)
  --cpu-prof DIR       write CPU profiles of the daemons and workers to DIR (node --cpu-prof)
  --daemon-node-args A start the daemons with these node options, e.g. "--max-semi-space-size=1"
  --report FILE        print the tables of an earlier run's JSON, run nothing
  --help               this text`;

export interface ParsedCommandLine {
  options: BenchOptions;
  help: boolean;
  /** Print this earlier run's tables instead of running. */
  report: string | undefined;
  usage: string;
}

function number(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw bad(`--${name} needs a number, got '${text}'.`);
  return n;
}

/** Reads the command line over the full or smoke preset; every value is then validated. */
export function parseCommandLine(argv: readonly string[], defaultOut: string | undefined): ParsedCommandLine {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv].filter((a) => a !== '--'),
      options: {
        smoke: { type: 'boolean' },
        rounds: { type: 'string' },
        only: { type: 'string' },
        'conn-seconds': { type: 'string' },
        'rtt-seconds': { type: 'string' },
        'bulk-mib': { type: 'string' },
        idle: { type: 'string' },
        'no-wcf': { type: 'boolean' },
        'no-quiet-wait': { type: 'boolean' },
        out: { type: 'string' },
        report: { type: 'string' },
        'cpu-prof': { type: 'string' },
        'daemon-node-args': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw bad(`${(err as Error).message}\n${USAGE}`);
  }
  const o = parsed.smoke ? smokeOptions() : fullOptions();
  const rounds = number('rounds', parsed.rounds);
  if (rounds !== undefined) o.rounds = rounds;
  if (parsed.only !== undefined) o.configurations = parsed.only.split(',').map((s) => s.trim()) as ConfigurationName[];
  const conn = number('conn-seconds', parsed['conn-seconds']);
  if (conn !== undefined) o.connDurationMs = Math.round(conn * 1000);
  const rtt = number('rtt-seconds', parsed['rtt-seconds']);
  if (rtt !== undefined) o.rttDurationMs = Math.round(rtt * 1000);
  const mib = number('bulk-mib', parsed['bulk-mib']);
  if (mib !== undefined) o.bulkBytes = Math.round(mib * 1024 * 1024);
  const idle = number('idle', parsed.idle);
  if (idle !== undefined) o.idleConnections = idle;
  if (parsed['no-wcf']) o.wcf = false;
  if (parsed['no-quiet-wait']) {
    o.quietBusyShare = 1;
    o.maxAttempts = 1;
  }
  if (parsed['cpu-prof'] !== undefined) o.profileDir = parsed['cpu-prof'];
  if (parsed['daemon-node-args'] !== undefined) o.daemonNodeArgs = parsed['daemon-node-args'].split(/\s+/).filter((a) => a !== '');
  o.out = parsed.out ?? (o.smoke ? undefined : defaultOut);
  return { options: validateOptions(o), help: parsed.help === true, report: parsed.report, usage: USAGE };
}
