import { Errors, Flags } from '@oclif/core';

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

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * A duration as people write them: `30s`, `2m`, `1h`, `500ms`, or a bare number of milliseconds
 * (as before). Throws with what is accepted otherwise.
 */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (m === null) throw new Error(`'${text}' is not a duration: use milliseconds (30000) or a number with a unit (30s, 2m, 1h, 500ms).`);
  const ms = Number(m[1]) * UNIT_MS[(m[2] ?? 'ms') as keyof typeof UNIT_MS];
  if (!Number.isInteger(ms)) throw new Error(`'${text}' is not a whole number of milliseconds.`);
  return ms;
}

/** A --timeout flag: a duration (30s, 2m, or milliseconds), bounded by minTimeoutMs..maxTimeoutMs. */
export function timeoutFlag(description: string, defaultMs: number) {
  return Flags.custom<number>({
    description: `${description} (30s, 2m, or milliseconds; ${CliLimits.minTimeoutMs} ms to ${CliLimits.maxTimeoutMs / 60_000} min)`,
    default: defaultMs,
    // A CLIError is a usage error (exit 2), as oclif's own integer bounds are.
    parse: async (input) => {
      let ms: number;
      try {
        ms = parseDuration(input);
      } catch (err) {
        throw new Errors.CLIError((err as Error).message, { exit: 2 });
      }
      if (ms < CliLimits.minTimeoutMs || ms > CliLimits.maxTimeoutMs) {
        throw new Errors.CLIError(`Expected a duration from ${CliLimits.minTimeoutMs} ms to ${CliLimits.maxTimeoutMs / 60_000} min but received ${input}.`, { exit: 2 });
      }
      return ms;
    },
  })();
}
