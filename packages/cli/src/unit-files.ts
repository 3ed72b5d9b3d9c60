import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, CliErrorCodes } from './errors.js';
import { UNIT_MARKER } from './systemd-units.js';

/*
 * Writing and removing unit files in /etc/systemd/system (or the same folder under --root). The
 * folder is root's; a unit is replaced by rename(2) of a new file, so systemd never reads half of
 * one, and no link is followed (O_NOFOLLOW, lstat). Only files that start with UNIT_MARKER are
 * replaced or removed without --force: an administrator's own portshare.service is not ours.
 */

/** Whether `path` is a unit this CLI wrote (absent counts as ours: nothing to lose). */
export function isOurUnit(path: string): boolean {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return true;
  }
  if (!st.isFile()) return false;
  return readFileSync(path, 'utf8').startsWith(`${UNIT_MARKER}\n`);
}

function refuseForeign(path: string, force: boolean, action: string): void {
  if (force || isOurUnit(path)) return;
  throw new CliError(
    CliErrorCodes.ServiceUnit,
    `${path} was not written by 'portshare install-service' (or is not a regular file): not ${action} it. ` +
      'Move it away, or pass --force to replace it.',
  );
}

/** Writes each unit into `folder` (created 0755 if missing). Returns the paths written. */
export function writeUnits(folder: string, units: Record<string, string>, force: boolean): string[] {
  mkdirSync(folder, { recursive: true, mode: 0o755 });
  for (const name of Object.keys(units)) refuseForeign(join(folder, name), force, 'replacing');
  const written: string[] = [];
  for (const [name, text] of Object.entries(units)) {
    const path = join(folder, name);
    const tmp = join(folder, `.${name}.${process.pid}.tmp`);
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    written.push(path);
  }
  return written;
}

/**
 * Removes the units from `folder`, and the links `systemctl enable` made to them in its
 * `*.wants` folders (for a --root tree where systemctl cannot run). Returns the paths removed.
 */
export function removeUnits(folder: string, names: readonly string[], force: boolean): string[] {
  for (const name of names) refuseForeign(join(folder, name), force, 'removing');
  const removed: string[] = [];
  if (existsSync(folder)) {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (!entry.isDirectory() || !/\.(wants|requires)$/.test(entry.name)) continue;
      for (const name of names) {
        const link = join(folder, entry.name, name);
        try {
          if (lstatSync(link).isSymbolicLink()) {
            unlinkSync(link);
            removed.push(link);
          }
        } catch {
          /* not enabled there */
        }
      }
    }
  }
  for (const name of names) {
    const path = join(folder, name);
    if (!existsSync(path) && !isLink(path)) continue;
    rmSync(path, { force: true });
    removed.push(path);
  }
  return removed;
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Whether systemd runs this machine (sd_booted(3): /run/systemd/system exists). */
export function systemdRuns(root: string): boolean {
  return root === '/' && existsSync('/run/systemd/system');
}

/** Runs systemctl; returns what it said when it failed, undefined when it succeeded. */
export function systemctl(args: string[]): string | undefined {
  const r = spawnSync('systemctl', args, { encoding: 'utf8' });
  if (r.error) return r.error.message;
  return r.status === 0 ? undefined : (r.stderr || r.stdout || `exit ${r.status}`).trim();
}
