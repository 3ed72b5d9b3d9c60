import type { BulkResult, ConnRateResult, RttResult } from './loadgen.js';
import type { ConfigurationName } from './options.js';
import type { RouteLookupResult } from './routes-bench.js';
import type { WcfResult } from './wcf-loadgen.js';

/** The machine a run was on: what docs/benchmarks.md shows next to the numbers. */
export interface MachineFacts {
  /** `nproc`: the CPUs this process may run on. */
  cpus: number;
  cpuModel: string;
  kernel: string;
  os: string;
  memoryGiB: number;
  node: string;
  haproxy: string | undefined;
  sslh: string | undefined;
  /** 1-minute load average when the run started and ended: other work on the machine skews numbers. */
  loadAverageStart: number;
  loadAverageEnd: number;
  /** Share of CPU time the hypervisor gave to other guests during the run (steal, /proc/stat). */
  stealPercent: number;
}

/** What the load generator itself used during a measurement, and what other work did. */
export interface LoadgenCost {
  /** CPU of the generator process as a share of one core over its lifetime (1 = a full core). */
  coreShare: number;
  /** Cores used on average by processes outside the benchmark while it ran. */
  foreignCores: number;
  /** Runs it took (a run disturbed by other work is repeated). */
  attempts: number;
}

export interface ConnSample extends ConnRateResult, LoadgenCost {
  /** CPU of the intermediary (daemon, HAProxy, sslh with its children) per connection; null for direct. */
  intermediaryCpuUsPerConn: number | null;
  workerCpuUsPerConn: number;
}

export interface BulkSample extends BulkResult, LoadgenCost {
  intermediaryCpuMsPerGB: number | null;
}

export interface RttSample extends RttResult, LoadgenCost {}

/** One configuration in one round. */
export interface RoundResult {
  round: number;
  configuration: ConfigurationName;
  conn: ConnSample;
  rtt1: RttSample;
  rttN: RttSample;
  bulk: BulkSample;
}

/** Medians over the rounds, and ratios to direct's medians. */
export interface ConfigSummary {
  configuration: ConfigurationName;
  rounds: number;
  connPerSec: number;
  setupP50Us: number;
  setupP99Us: number;
  connErrors: number;
  connections: number;
  intermediaryCpuUsPerConn: number | null;
  rtt1P50Us: number;
  rtt1P99Us: number;
  rtt1MsgPerSec: number;
  rttNP50Us: number;
  rttNP99Us: number;
  rttNMsgPerSec: number;
  bulkMBPerSec: number;
  intermediaryCpuMsPerGB: number | null;
  /** Ratios to direct: higher is better for rates, lower for latency. Null without a direct run. */
  ratios: {
    connPerSec: number | null;
    rtt1P50: number | null;
    rtt1MsgPerSec: number | null;
    rttNMsgPerSec: number | null;
    bulkMBPerSec: number | null;
  };
  /** Per-round values, to show the spread. */
  perRound: { connPerSec: number[]; rtt1P50Us: number[]; rttNMsgPerSec: number[]; bulkMBPerSec: number[] };
}

/** The daemon's memory, fresh and with idle handed-off (or proxied) connections open. */
export interface IdleRssResult {
  configuration: 'handoff' | 'proxy';
  /** VmRSS right after start with the worker registered, before any traffic. */
  freshRssBytes: number;
  /** VmRSS just before the idle connections were opened (the run measures memory before the rounds). */
  beforeRssBytes: number;
  /** VmRSS with the connections open. */
  withConnectionsRssBytes: number;
  addedBytes: number;
  connections: number;
  errors: number;
}

export interface RouteE2eResult {
  registrations: number;
  connPerSec: number;
  setupP50Us: number;
  setupP99Us: number;
  perRound: number[];
}

export interface RoutesResult {
  lookups: RouteLookupResult[];
  /** Connection rate through the fd hand-off daemon with the small and large number of registrations. */
  e2e: RouteE2eResult[];
}

/**
 * What a WCF measurement counts: `calls`, Add calls/s on open sessions; `setup`, sessions opened,
 * called once and closed per second; `callbacks`, one-way callbacks/s a duplex service sends its
 * client (each `Stream(n)` call answered by n callbacks, then its reply); `work`, IWork.Work
 * calls/s, each costing the service about 0.2 ms of CPU, so that the service and not the load
 * generator is what limits them (the many-workers-per-URI measurement).
 */
export type WcfMeasure = 'calls' | 'work' | 'setup' | 'callbacks';

/**
 * Where the WCF calls go: `handoff-tls` is the hand-off path with transport security (TLS);
 * `balanced` the hand-off path to one URI registered by two worker processes with
 * onConflict 'balance' (many workers per URI).
 */
export type WcfConfiguration = 'direct' | 'handoff' | 'proxy' | 'handoff-tls' | 'balanced';

export interface WcfSample extends WcfResult, LoadgenCost {
  round: number;
  configuration: WcfConfiguration;
  measure: WcfMeasure;
  concurrency: number;
}

export interface WcfSummary {
  configuration: WcfConfiguration;
  measure: WcfMeasure;
  concurrency: number;
  callsPerSec: number;
  p50Us: number;
  p99Us: number;
  ratioToDirect: number | null;
  /** handoff-tls over handoff in the same round (paired), the transport security cost. */
  ratioToPlaintext: number | null;
  /** balanced over handoff in the same round (paired): what a second worker adds. */
  ratioToOneWorker: number | null;
}

export type WcfResults =
  | { ran: true; samples: WcfSample[]; summary: WcfSummary[]; tls: { ran: true } | { ran: false; reason: string } }
  | { ran: false; reason: string };

/** One streamed upload (`Upload(Stream)`, TransferMode.Streamed) to the streaming worker. */
export interface StreamedUploadSample {
  round: number;
  configuration: 'direct' | 'handoff';
  bytes: number;
  seconds: number;
  mbPerSec: number;
  /** The service process's resident memory before the upload, and its peak during it (VmHWM after clear_refs). */
  serviceRssBeforeBytes: number;
  servicePeakRssBytes: number;
}

export interface StreamedUploadSummary {
  configuration: 'direct' | 'handoff';
  /** Median over the rounds. */
  mbPerSec: number;
  /** The largest peak-over-before of the service's RSS in any round. */
  peakRssGrowthBytes: number;
  /** Median of the per-round handoff / direct (null for direct). */
  ratioToDirect: number | null;
}

export type StreamedResults =
  | { ran: true; samples: StreamedUploadSample[]; summary: StreamedUploadSummary[] }
  | { ran: false; reason: string };

/** The quiet gate before one group of measurements. */
export interface QuietGateRecord {
  /** e.g. "round 2: conn". */
  before: string;
  busyShare: number;
  waitedMs: number;
  quiet: boolean;
}

/** A target from the issue, checked against this run's numbers. */
export interface TargetCheck {
  id: string;
  description: string;
  value: number | null;
  limit: number;
  comparison: '>=' | '<=';
  /** null when the run did not measure what the target needs. */
  met: boolean | null;
}

export interface BenchResults {
  schema: 1;
  startedAt: string;
  finishedAt: string;
  smoke: boolean;
  options: Record<string, unknown>;
  machine: MachineFacts;
  rounds: RoundResult[];
  summary: ConfigSummary[];
  idle: IdleRssResult[];
  routes: RoutesResult;
  wcf: WcfResults;
  /** The streamed upload (skipped with the WCF test). */
  streamed: StreamedResults;
  /** Each wait for a quiet machine; empty when the gate was off. */
  quietGates: QuietGateRecord[];
  targets: TargetCheck[];
}
