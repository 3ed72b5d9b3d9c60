import { readFileSync } from 'node:fs';

/**
 * Resident memory of a process, in bytes: VmRSS from /proc/<pid>/status (proc(5)).
 */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error(`/proc/${pid}/status has no VmRSS line`);
  return Number(m[1]) * 1024;
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
export const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name; `fields[n - 3]` is field n (proc(5)). */
export function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; the fields after its closing parenthesis don't.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The CPU line of /proc/stat: jiffies in user, nice, system, idle, iowait, irq, softirq, steal. */
export function allCpuJiffies(): number[] {
  return readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
}

/**
 * CPU time of a process and of its children it has waited for, in milliseconds: utime + stime +
 * cutime + cstime (fields 14–17 of /proc/<pid>/stat, in clock ticks of 1/100 s on Linux). The
 * children's share is what makes sslh-fork's per-connection processes count.
 */
export function cpuMs(pid: number): number {
  const fields = statFields(pid);
  const ticks = [14, 15, 16, 17].reduce((sum, n) => sum + Number(fields[n - 3]), 0);
  return (ticks * 1000) / TICKS_PER_SECOND;
}
