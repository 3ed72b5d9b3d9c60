import { Flags } from '@oclif/core';

/** Every wait and size the CLI bounds, by name. Flags enforce the bounds (exit 2 past them). */
export const CliLimits = {
  /** How long one control request may wait for the daemon's answer. */
  requestTimeoutMs: 10_000,
  /** How long `start --detach` (and the start half of `restart`) waits for the daemon to answer. */
  startTimeoutMs: 10_000,
  /** How long `stop` (and the stop half of `restart`) waits for the daemon to stop answering. */
  stopTimeoutMs: 30_000,
  /** Smallest and largest --timeout accepted. */
  minTimeoutMs: 100,
  maxTimeoutMs: 600_000,
  /** Lines `logs` shows by default. */
  logLines: 50,
  /** Most lines `logs --lines` accepts: the tail is held in memory. */
  maxLogLines: 100_000,
  /** How often `logs --follow` looks for new lines. */
  followIntervalMs: 200,
} as const;

/** A --timeout flag in milliseconds, bounded by minTimeoutMs..maxTimeoutMs. */
export function timeoutFlag(description: string, defaultMs: number) {
  return Flags.integer({
    description: `${description} (milliseconds, ${CliLimits.minTimeoutMs}..${CliLimits.maxTimeoutMs})`,
    default: defaultMs,
    min: CliLimits.minTimeoutMs,
    max: CliLimits.maxTimeoutMs,
  });
}
