/**
 * Small helpers shared by the scenarios: sleeping, waiting for a condition with a deadline,
 * percentiles.
 *
 * @module
 */

import { letOthersRun, sleep } from '@portshare/test-utils';
import { StressError, StressErrorCodes } from './errors.js';

export { sleep };

/**
 * Polls `check` every `intervalMs` until it returns a value other than undefined; throws
 * STRESS_ERR_TIMEOUT naming `what` after `timeoutMs`.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new StressError(StressErrorCodes.Timeout, `Timed out after ${timeoutMs} ms waiting for ${what}.`);
    }
    await sleep(intervalMs);
  }
}

/** The p-th percentile (0..100) of `values` by nearest rank; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Rounds to `digits` decimals (for figures in reports). */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const MiB = 1024 * 1024;

/** Checks a scenario option: an integer within [min, max]. */
export function intOption(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new StressError(
      StressErrorCodes.InvalidOption,
      `The option ${name} is ${String(value)}; it must be a whole number from ${min} to ${max}.`,
    );
  }
  return value;
}

/** True when this process runs as root (uid 0). */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** A TCP port free on loopback right now (bind 0, read it, close). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** The uid and gid of a user from /etc/passwd, or undefined when there is no such user. */
export async function account(name: string): Promise<{ uid: number; gid: number } | undefined> {
  const { readFileSync } = await import('node:fs');
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

/**
 * For scenarios that need root: true when root; otherwise throws STRESS_ERR_NEEDS_ROOT when CI is
 * set (CI runs as root, so this is a broken setup), else returns false after saying why the
 * scenario will not run.
 */
export function rootAvailable(scenario: string): boolean {
  if (isRoot()) {
    // Processes run as other users here: they must be able to reach this checkout.
    letOthersRun();
    return true;
  }
  const message = `The ${scenario} scenario needs root (it runs processes as other users and binds port 808); run the tests as root, as CI does.`;
  if (process.env['CI']) throw new StressError(StressErrorCodes.NeedsRoot, message);
  console.warn(`skipped: ${message}`);
  return false;
}
