import { PortshareError } from '@portshare/framing';

/**
 * Codes of every {@link StressError}. The README "Errors" table lists the same codes; a test keeps
 * the two in step.
 */
export const StressErrorCodes = {
  /** A scenario needs root (other users' processes, port 808) and this process is not root. */
  NeedsRoot: 'STRESS_ERR_NEEDS_ROOT',
  /** The compiled helper programs are missing: the package has not been built. */
  NotBuilt: 'STRESS_ERR_NOT_BUILT',
  /** The daemon exited while starting, or did not answer on its control socket in time. */
  DaemonStart: 'STRESS_ERR_DAEMON_START',
  /** A worker process exited before reporting that it was ready. */
  WorkerStart: 'STRESS_ERR_WORKER_START',
  /** A /proc file of a process could not be read (the process is gone, or /proc is not mounted). */
  ProcUnavailable: 'STRESS_ERR_PROC_UNAVAILABLE',
  /** A scenario option is out of its range. */
  InvalidOption: 'STRESS_ERR_INVALID_OPTION',
  /** Something a scenario waits for did not happen within its deadline. */
  Timeout: 'STRESS_ERR_TIMEOUT',
} as const;

/** One of the {@link StressErrorCodes} values. */
export type StressErrorCode = (typeof StressErrorCodes)[keyof typeof StressErrorCodes];

/** Every failure of the scenario machinery itself (not a finding about the daemon: those are criteria). */
export class StressError extends PortshareError<StressErrorCode> {}
