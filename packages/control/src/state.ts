import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { InstancePaths } from './paths.js';

/**
 * The persisted start mode, the counterpart of the Windows service's start type: installed
 * "disabled" as a security precaution, and `portshare enable` sets "demand" (docs/protocol.md §7).
 */
export type StartMode = 'disabled' | 'demand';

export interface InstanceState {
  startMode: StartMode;
  /**
   * How to start the daemon (argv), recorded by `portshare enable` the way the SCM records a
   * service's image path; the worker SDK runs it for an on-demand start.
   */
  command?: string[] | undefined;
  changedAt?: string | undefined;
}

export const DEFAULT_STATE: InstanceState = { startMode: 'disabled' };

export function readState(paths: InstancePaths): InstanceState {
  let text: string;
  try {
    text = readFileSync(paths.stateFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...DEFAULT_STATE };
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<InstanceState>;
  const startMode: StartMode = parsed.startMode === 'demand' ? 'demand' : 'disabled';
  const command = Array.isArray(parsed.command) && parsed.command.every((a) => typeof a === 'string') ? parsed.command : undefined;
  return { startMode, command, changedAt: parsed.changedAt };
}

/** Writes atomically (rename), so a reader never sees half a file. */
export function writeState(paths: InstancePaths, state: InstanceState): void {
  mkdirSync(dirname(paths.stateFile), { recursive: true });
  const tmp = `${paths.stateFile}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ ...state, changedAt: new Date().toISOString() }, null, 2) + '\n');
  renameSync(tmp, paths.stateFile);
}
