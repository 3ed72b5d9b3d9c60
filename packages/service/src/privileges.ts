import { lchownSync } from 'node:fs';
import { lookupGroupId, lookupUser } from './accounts.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';

/**
 * Started as root to bind a low port (808 is net.tcp's default), the daemon switches to an
 * unprivileged user once every privileged socket is open. Nothing it writes needs the new user to
 * own a folder: the log stays open on the descriptor root opened, and the run and log folders
 * stay root's, so that account can never plant a link where root writes at the next start
 * (instance-files.ts). `handOver` are entries (the control socket) given to the user with
 * lchown, which never follows a link; they must lie in folders only root can change.
 */
export function dropPrivileges(user: string | undefined, group: string | undefined, handOver: string[]): { uid: number; gid: number } | undefined {
  if (user === undefined || process.getuid?.() !== 0) return undefined;
  const account = lookupUser(user);
  if (!account || account.gid < 0) {
    throw new ServiceError(ServiceErrorCodes.UnknownAccount, `The configured user '${user}' does not exist. Create it, or change 'user' in the configuration.`);
  }
  const gid = group !== undefined ? lookupGroupId(group) : account.gid;
  if (gid === undefined) {
    throw new ServiceError(ServiceErrorCodes.UnknownAccount, `The configured group '${group}' does not exist. Create it, or change 'group' in the configuration.`);
  }
  try {
    for (const f of handOver) {
      try {
        lchownSync(f, account.uid, gid);
      } catch {
        /* gone: nothing to hand over */
      }
    }
    // Every group the account has, from NSS as login gives them (initgroups(3), getgrouplist),
    // plus the configured one. (The account was found through NSS above: it has a name.)
    // (In Node on POSIX systems, though @types/node does not declare it.)
    const { initgroups } = process as NodeJS.Process & { initgroups?: (user: string, extraGroup: number) => void };
    if (initgroups !== undefined) initgroups(account.name, gid);
    else process.setgroups?.([gid]);
    process.setgid?.(gid);
    process.setuid?.(account.uid);
  } catch (err) {
    throw new ServiceError(ServiceErrorCodes.PrivilegeDrop, `Cannot switch to user '${user}': ${(err as Error).message}`, { cause: err });
  }
  return { uid: account.uid, gid };
}
