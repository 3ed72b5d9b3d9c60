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
