import { chmodSync, statSync } from 'node:fs';
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
