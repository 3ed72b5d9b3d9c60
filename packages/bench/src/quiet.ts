import { readFileSync } from 'node:fs';
import { sleep } from './processes.js';

/**
 * Other work on the machine is the largest source of noise on a small, shared box. Between
 * measurements every process of the benchmark is idle, so the CPU the machine uses then is someone
 * else's: the gate waits until that is low before the next measurement starts.
 */

/** [busy, total] jiffies of all CPUs from /proc/stat (busy = everything but idle and iowait). */
function jiffies(): [busy: number, total: number] {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return [total - (f[3] ?? 0) - (f[4] ?? 0), total];
}

/** Share of all CPUs (0..1) busy over `ms`. */
export async function busyShare(ms: number): Promise<number> {
  const [b0, t0] = jiffies();
  await sleep(ms);
  const [b1, t1] = jiffies();
  return t1 > t0 ? (b1 - b0) / (t1 - t0) : 0;
}

export interface QuietGate {
  /** Busy share allowed when a measurement starts (0..1). */
  maxBusyShare: number;
  /** Longest wait for quiet before measuring anyway. */
  maxWaitMs: number;
  /** Length of each sample. */
  sampleMs: number;
}

export interface QuietResult {
  /** Busy share of the last sample before the measurement. */
  busyShare: number;
  waitedMs: number;
  /** False when the wait ran out and the measurement started on a busy machine. */
  quiet: boolean;
}

export async function waitForQuiet(gate: QuietGate): Promise<QuietResult> {
  const start = Date.now();
  for (;;) {
    const share = await busyShare(gate.sampleMs);
    const waitedMs = Date.now() - start;
    if (share <= gate.maxBusyShare) return { busyShare: share, waitedMs, quiet: true };
    if (waitedMs >= gate.maxWaitMs) return { busyShare: share, waitedMs, quiet: false };
  }
}
