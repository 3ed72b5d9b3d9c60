/**
 * Pass/fail criteria of a scenario, and the facts about the machine a run's figures came from.
 *
 * @module
 */

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';

/** One requirement of the issue, checked against a scenario's figures. */
export interface Criterion {
  /** What must hold, in the words where it has them. */
  name: string;
  ok: boolean;
  /** The figures behind the verdict. */
  detail: string;
}

export function criterion(name: string, ok: boolean, detail: string): Criterion {
  return { name, ok, detail };
}

/** "name: detail" of every failed criterion (empty when all hold). */
export function failures(criteria: readonly Criterion[]): string[] {
  return criteria.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
}

/** The machine a run was made on. */
export interface MachineFacts {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  /** The open-files limit of this process (`ulimit -n`), which the daemon inherits. */
  openFilesLimit: string;
  date: string;
  commit: string | undefined;
}

export function machineFacts(): MachineFacts {
  let limit = 'unknown';
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    if (line !== undefined) limit = line.replace('Max open files', '').trim().split(/\s+/).slice(0, 2).join(' / ');
  } catch {
    // Not Linux: left unknown.
  }
  let commit: string | undefined;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    commit = undefined;
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    openFilesLimit: limit,
    date: new Date().toISOString(),
    commit,
  };
}

/** The daemon's warnings, summarised: how many of each message, and a few whole records. */
export interface LogSummary {
  count: number;
  byMessage: Record<string, number>;
  examples: string[];
}

export function summariseLog(records: readonly Record<string, unknown>[], keep = 5): LogSummary {
  const byMessage: Record<string, number> = {};
  for (const r of records) {
    const msg = String(r['msg'] ?? '?');
    byMessage[msg] = (byMessage[msg] ?? 0) + 1;
  }
  return { count: records.length, byMessage, examples: records.slice(0, keep).map((r) => JSON.stringify(r)) };
}
