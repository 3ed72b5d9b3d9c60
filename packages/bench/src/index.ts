/**
 * `@portshare/bench`: the side-by-side benchmark behind `pnpm bench`. Private; the entry points are
 * `dist/run.js` (the command) and these functions for tests and scripts.
 */
export { runBench, checkErrors, type Log } from './harness.js';
export {
  BenchLimits,
  CONFIGURATIONS,
  fullOptions,
  parseCommandLine,
  smokeOptions,
  validateOptions,
  type BenchOptions,
  type ConfigurationName,
  type ParsedCommandLine,
} from './options.js';
export { BenchError, BenchErrorCodes, type BenchErrorCode } from './errors.js';
export { formatReport } from './report.js';
export { checkTargets, pairedRatio, summarizeRounds, summarizeWcf, RSS_TARGET_CONNECTIONS, RTT_LATENCY_LIMIT } from './summary.js';
export { median, percentile, SampleBuffer } from './stats.js';
export { runPaired, summarizePaired, type PairedMetric, type PairedOptions } from './paired.js';
export { benchRouteLookups, benchRouteLookupsInChild, type RouteLookupResult, type RouteBenchOptions } from './routes-bench.js';
export { findHaproxy, findSslh, haproxyConfig, sslhConfig, type Peer } from './peers.js';
export type * from './results.js';
