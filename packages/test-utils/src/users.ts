import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Lets other users reach this checkout and the running Node binary (tests run workers and the
 * daemon as `nobody`), see {@link letOthersReach}.
 */
export function letOthersRun(): void {
  letOthersReach(process.cwd());
  letOthersReach(dirname(process.execPath));
}

/**
 * Lets other users reach `path` (tests run workers and the daemon as `nobody`): adds the execute
 * bit for others on every ancestor folder that lacks it, as a checkout under a private folder
 * (a CI clone in a 0700 mktemp folder) needs. It grants traversal only, never a folder's listing,
 * and only root may change folders it does not own, so it does nothing for other users.
 */
export function letOthersReach(path: string): void {
  if (process.getuid?.() !== 0) return;
  let dir = resolve(path);
  for (;;) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** A local account's name and ids. */
export interface Account {
  name: string;
  uid: number;
  gid: number;
}

function findAccount(name: string): Account | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name) return { name, uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

/**
 * A real second account for tests that act as another local user: created with useradd (a system
 * account with its own group, no home, no shell) unless it exists. Needs root.
 */
export function ensureAccount(name: string): Account {
  // Test files run in parallel workers: another one's useradd may hold the lock on /etc/passwd.
  for (let attempt = 0; ; attempt++) {
    const existing = findAccount(name);
    if (existing) return existing;
    const r = spawnSync('useradd', ['--system', '--no-create-home', '--user-group', '--shell', '/usr/sbin/nologin', name], { encoding: 'utf8' });
    const created = findAccount(name);
    if (created) return created;
    if (attempt >= 50) throw new Error(`useradd ${name} failed (${r.status}): ${r.stderr}`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
}

/**
 * Whether this process is root, for suites that create accounts or act as them. When it is not,
 * the suite fails under CI (a missing privilege must not pass silently) and is skipped elsewhere,
 * with `why` printed.
 */
export function rootForSuite(why: string): boolean {
  if (process.getuid?.() === 0) {
    letOthersRun();
    return true;
  }
  if (process.env['CI']) throw new Error(why);
  console.warn(`skipped: ${why}`);
  return false;
}
