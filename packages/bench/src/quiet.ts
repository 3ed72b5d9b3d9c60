import { readdirSync } from 'node:fs';
import { sleep } from './processes.js';
import { allCpuJiffies, statFields, TICKS_PER_SECOND } from './proc-stats.js';

/**
 * Other work on the machine is the largest source of noise on a small, shared box. Between
 * measurements every process of the benchmark is idle, so the CPU the machine uses then is someone
 * else's: the gate waits until that is low before the next measurement starts.
 */

/** [busy, total] jiffies of all CPUs from /proc/stat (busy = everything but idle and iowait). */
function jiffies(): [busy: number, total: number] {
  const f = allCpuJiffies();
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

interface ProcCpu {
  ppid: number;
  cpuMs: number;
}

const TICK_MS = 1000 / TICKS_PER_SECOND;

/** Every process's parent and CPU time (utime + stime), from /proc/<pid>/stat. */
export function cpuSnapshot(): Map<number, ProcCpu> {
  const out = new Map<number, ProcCpu>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const f = statFields(name);
      // f[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
      out.set(Number(name), { ppid: Number(f[1]), cpuMs: (Number(f[11]) + Number(f[12])) * TICK_MS });
    } catch {
      /* gone between readdir and read */
    }
  }
  return out;
}

/** Is `pid` `root` or below it? Kernel threads (children of kthreadd, pid 2) count as ours too. */
function inTree(pid: number, root: number, procs: Map<number, ProcCpu>): boolean {
  for (let p = pid, hops = 0; p > 0 && hops < 64; hops++) {
    if (p === root || p === 2) return true;
    const next = procs.get(p)?.ppid;
    if (next === undefined) return false;
    p = next;
  }
  return false;
}

/**
 * CPU used between two snapshots by processes outside the benchmark's process tree (rooted at
 * `root`, this process), in ms. Kernel threads are left out: softirq work for the benchmark's own
 * loopback traffic runs there. Processes that started and ended between the snapshots are missed.
 */
export function foreignCpuMs(before: Map<number, ProcCpu>, after: Map<number, ProcCpu>, root = process.pid): number {
  let ms = 0;
  for (const [pid, a] of after) {
    if (inTree(pid, root, after) || inTree(pid, root, before)) continue;
    // max(0, …): a pid reused by a new process must not subtract.
    ms += Math.max(0, a.cpuMs - (before.get(pid)?.cpuMs ?? 0));
  }
  return ms;
}
