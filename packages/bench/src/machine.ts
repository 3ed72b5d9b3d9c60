import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release, totalmem } from 'node:os';
import type { MachineFacts } from './results.js';
import type { Peer } from './peers.js';
import { allCpuJiffies } from './proc-stats.js';

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return m?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Jiffies of all CPUs from /proc/stat: [total, steal]. Steal is time the hypervisor ran others. */
export function cpuJiffies(): [total: number, steal: number] {
  try {
    const f = allCpuJiffies();
    return [f.reduce((a, b) => a + b, 0), f[7] ?? 0];
  } catch {
    return [Number.NaN, Number.NaN];
  }
}

export function machineFacts(haproxy: Peer, sslh: Peer): MachineFacts {
  return {
    cpus: availableParallelism(),
    cpuModel: cpuModel(),
    kernel: release(),
    os: osName(),
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    haproxy: haproxy.version,
    sslh: sslh.version,
    loadAverageStart: loadavg()[0]!,
    loadAverageEnd: Number.NaN,
    stealPercent: Number.NaN,
  };
}
