import { PortshareError } from '@portshare/framing';

/**
 * Codes of every {@link BenchError}. The README "Errors" table lists the same codes; a test keeps
 * the two in step.
 */
export const BenchErrorCodes = {
  /** A command-line option or a scale setting is unknown or out of its range. */
  BadOption: 'BENCH_ERR_BAD_OPTION',
  /** HAProxy or sslh is not installed where the benchmark looks for it. */
  PeerMissing: 'BENCH_ERR_PEER_MISSING',
  /** A process of the setup (daemon, worker, HAProxy, sslh) exited or did not become ready in time. */
  StartFailed: 'BENCH_ERR_START_FAILED',
  /** The load generator (or the route lookup program) exited without a result, or reported a failure. */
  LoadgenFailed: 'BENCH_ERR_LOADGEN_FAILED',
  /** Too many connections or messages of one measurement failed for its numbers to mean anything. */
  MeasurementFailed: 'BENCH_ERR_MEASUREMENT_FAILED',
} as const;
export type BenchErrorCode = (typeof BenchErrorCodes)[keyof typeof BenchErrorCodes];

export class BenchError extends PortshareError<BenchErrorCode> {}
