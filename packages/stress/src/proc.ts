/**
 * What the kernel says about a process, from /proc (proc(5)): open descriptors, resident memory,
 * credentials. The scenarios count the daemon's descriptors before and after a run, sample its
 * memory during one, and read which user it runs as after dropping root.
 *
 * @module
 */

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { StressError, StressErrorCodes } from './errors.js';

function unavailable(pid: number, what: string, cause: unknown): StressError {
  return new StressError(
    StressErrorCodes.ProcUnavailable,
    `Cannot read ${what} of process ${pid}: ${(cause as Error).message}. The process may have exited; check that /proc is mounted.`,
    { cause },
  );
}

/** Number of open file descriptors (entries of /proc/<pid>/fd). */
export function openFdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch (err) {
    throw unavailable(pid, 'the descriptors', err);
  }
}

/**
 * What each open descriptor points at ("socket:[123]", "/dev/null", "anon_inode:[eventpoll]"),
 * sorted, for telling which kind leaked when a count differs.
 */
export function fdTargets(pid: number): string[] {
  let names: string[];
  try {
    names = readdirSync(`/proc/${pid}/fd`);
  } catch (err) {
    throw unavailable(pid, 'the descriptors', err);
  }
  const out: string[] = [];
  for (const name of names) {
    try {
      out.push(readlinkSync(`/proc/${pid}/fd/${name}`));
    } catch {
      // Closed between readdir and readlink: it is not open any more, so it is not counted.
    }
  }
  return out.sort();
}

/** Counts of descriptor kinds: sockets, pipes, anon inodes, files. */
export function fdKinds(targets: readonly string[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const t of targets) {
    const kind = t.startsWith('socket:') ? 'socket' : t.startsWith('pipe:') ? 'pipe' : t.startsWith('anon_inode:') ? t : 'file';
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

function statusFields(pid: number): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (err) {
    throw unavailable(pid, 'the status', err);
  }
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const rss = statusFields(pid).get('VmRSS');
  if (rss === undefined) throw unavailable(pid, 'VmRSS', new Error('no VmRSS line (a zombie?)'));
  return Number.parseInt(rss, 10) * 1024;
}

/** Real, effective, saved and filesystem ids, and the supplementary groups. */
export interface ProcessCredentials {
  uid: [real: number, effective: number, saved: number, fs: number];
  gid: [real: number, effective: number, saved: number, fs: number];
  groups: number[];
}

export function processCredentials(pid: number): ProcessCredentials {
  const f = statusFields(pid);
  const ids = (key: string): [number, number, number, number] => {
    const v = (f.get(key) ?? '').split(/\s+/).map(Number);
    return [v[0] ?? -1, v[1] ?? -1, v[2] ?? -1, v[3] ?? -1];
  };
  const groups = (f.get('Groups') ?? '').split(/\s+/).filter((s) => s !== '').map(Number);
  return { uid: ids('Uid'), gid: ids('Gid'), groups };
}

/** Whether the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    return statusFields(pid).get('State')?.startsWith('Z') !== true;
  } catch {
    return false;
  }
}

/**
 * The descriptor count once it has stopped moving: read every `intervalMs` until three reads in a
 * row agree (connections the daemon is still closing would otherwise be counted), at most
 * `timeoutMs`; then the last read.
 */
export async function settledFdCount(pid: number, timeoutMs = 3000, intervalMs = 50): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = openFdCount(pid);
  let same = 1;
  while (same < 3 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, intervalMs));
    const now = openFdCount(pid);
    same = now === last ? same + 1 : 1;
    last = now;
  }
  return last;
}

/**
 * Inodes of the sockets process `pid` has open other than Unix-domain ones (those are listed in
 * /proc/<pid>/net/unix, proc(5)): for the sharing daemon, its TCP listeners and the client
 * connections it holds (accepted and not yet closed or handed off). Reads one link per open
 * descriptor, so it costs a few milliseconds per thousand.
 */
export function networkSocketInodes(pid: number): Set<number> {
  let unixTable: string;
  try {
    unixTable = readFileSync(`/proc/${pid}/net/unix`, 'utf8');
  } catch (err) {
    throw unavailable(pid, 'net/unix', err);
  }
  const unix = new Set<number>();
  for (const line of unixTable.split('\n').slice(1)) {
    // Num RefCount Protocol Flags Type St Inode [Path]
    const inode = Number(line.trim().split(/\s+/)[6]);
    if (inode > 0) unix.add(inode);
  }
  const out = new Set<number>();
  let names: string[];
  try {
    names = readdirSync(`/proc/${pid}/fd`);
  } catch (err) {
    throw unavailable(pid, 'the descriptors', err);
  }
  for (const name of names) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${name}`);
    } catch {
      continue; // closed between readdir and readlink
    }
    if (!target.startsWith('socket:[')) continue;
    const inode = Number(target.slice(8, -1));
    if (!unix.has(inode)) out.add(inode);
  }
  return out;
}

/**
 * How long a process holds each network connection it opens or accepts from now on, from repeated
 * {@link networkSocketInodes} samples (sockets open at construction, such as listeners, are left
 * out). A connection's time is from the first sample that saw it to the last, so each is short by
 * less than two sampling intervals.
 */
export class ConnectionHoldTimes {
  readonly #pid: number;
  readonly #before: Set<number>;
  readonly #first = new Map<number, number>();
  readonly #last = new Map<number, number>();
  /** Most connections held at once in a sample. */
  maxHeld = 0;
  samples = 0;

  constructor(pid: number) {
    this.#pid = pid;
    this.#before = networkSocketInodes(pid);
  }

  /** Takes one sample; returns how many connections are held now. */
  sample(): number {
    const now = performance.now();
    let held = 0;
    for (const inode of networkSocketInodes(this.#pid)) {
      if (this.#before.has(inode)) continue;
      held++;
      if (!this.#first.has(inode)) this.#first.set(inode, now);
      this.#last.set(inode, now);
    }
    this.samples++;
    this.maxHeld = Math.max(this.maxHeld, held);
    return held;
  }

  /** Connections seen so far. */
  get seen(): number {
    return this.#first.size;
  }

  /** The longest any connection was seen held, in milliseconds. */
  longestMs(): number {
    let longest = 0;
    for (const [inode, first] of this.#first) longest = Math.max(longest, (this.#last.get(inode) as number) - first);
    return longest;
  }
}

/**
 * The kernel's TCP extension counters for this network namespace (/proc/net/netstat, the
 * `TcpExt:` lines): e.g. ListenOverflows, connections that found a listen backlog full (their
 * handshake is dropped and the client retries, tcp(7)).
 */
export function tcpExtCounters(): Record<string, number> {
  let text: string;
  try {
    text = readFileSync('/proc/net/netstat', 'utf8');
  } catch (err) {
    throw unavailable(process.pid, 'net/netstat', err);
  }
  const lines = text.split('\n').filter((l) => l.startsWith('TcpExt:'));
  const names = (lines[0] ?? '').split(/\s+/).slice(1);
  const values = (lines[1] ?? '').split(/\s+/).slice(1).map(Number);
  const out: Record<string, number> = {};
  names.forEach((n, i) => (out[n] = values[i] ?? 0));
  return out;
}

/** This process's open-files limit (RLIMIT_NOFILE, /proc/self/limits); -1 for unlimited. */
export function openFilesLimit(): { soft: number; hard: number } {
  let line: string | undefined;
  try {
    line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  } catch (err) {
    throw unavailable(process.pid, 'limits', err);
  }
  const [soft, hard] = (line ?? '').replace('Max open files', '').trim().split(/\s+/);
  const value = (v: string | undefined): number => (v === 'unlimited' ? -1 : Number(v));
  return { soft: value(soft), hard: value(hard) };
}

/**
 * proc(5) reports CPU times in clock ticks of sysconf(_SC_CLK_TCK), USER_HZ, which is 100 on every
 * Linux architecture Node supports.
 */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in ms (/proc/<pid>/stat, utime and stime). */
export function cpuTimeMs(pid: number): number {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    throw unavailable(pid, 'stat', err);
  }
  // The command name, field 2, is in parentheses and may hold spaces: count fields after it.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/**
 * CPU time the whole machine has spent busy (everything but idle and iowait), and of it in
 * interrupts (irq and softirq: on loopback, most of the TCP stack's work, which no process is
 * charged with), in ms (/proc/stat).
 */
export function machineBusyMs(): { busy: number; interrupts: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [, ...ticks] = line.trim().split(/\s+/).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
  const ms = (t: number): number => (t * 1000) / TICKS_PER_SECOND;
  return { busy: ms(user + nice + system + irq + softirq + steal), interrupts: ms(irq + softirq) };
}

/** Where the CPU went over a measurement, in cores (1 = one core busy the whole time). */
export interface CpuFigures {
  /** The whole machine. */
  machine: number;
  /** Of it, interrupts: mostly the kernel's TCP work for every process's connections. */
  interrupts: number;
  /** The scenario's own processes, by name (this process included as "scenario"). */
  ours: Record<string, number>;
  /** Everything else on the machine: other work that competed with the measurement. */
  others: number;
}

/**
 * Starts measuring the CPU used by the machine and by the named processes (this process is added
 * as "scenario"); `stop()` returns the figures. A process that exits meanwhile counts as 0.
 */
export function startCpuMeter(pids: Record<string, number>): { stop(): CpuFigures } {
  const read = (pid: number): number => {
    try {
      return cpuTimeMs(pid);
    } catch {
      return Number.NaN;
    }
  };
  const t0 = performance.now();
  const machine0 = machineBusyMs();
  const self0 = process.cpuUsage();
  const start = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, read(pid)]));
  return {
    stop(): CpuFigures {
      const wallMs = performance.now() - t0;
      const cores = (ms: number): number => Math.round((ms / wallMs) * 100) / 100;
      const self = process.cpuUsage(self0);
      const ours: Record<string, number> = { scenario: cores((self.user + self.system) / 1000) };
      for (const [name, pid] of Object.entries(pids)) {
        const used = read(pid) - (start[name] as number);
        ours[name] = Number.isFinite(used) ? cores(used) : 0;
      }
      const machine1 = machineBusyMs();
      const machine = cores(machine1.busy - machine0.busy);
      const interrupts = cores(machine1.interrupts - machine0.interrupts);
      const total = Object.values(ours).reduce((a, b) => a + b, 0) + interrupts;
      return { machine, interrupts, ours, others: Math.max(0, Math.round((machine - total) * 100) / 100) };
    },
  };
}
