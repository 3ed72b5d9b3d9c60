import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  realpathSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { readAccountTable } from './account-files.js';
import { ControlError, ControlErrorCodes } from './errors.js';

/*
 * Filesystem trust. A process that runs as root (the daemon before it drops to `user`, a root
 * worker, the CLI) must never follow a link, or act by path in a folder, that a less-privileged
 * account can change: that account could point the next write, chmod or chown at any file of
 * root's (CWE-59, link following). The rules are OpenSSH's StrictModes (sshd_config(5); misc.c
 * safe_path): every folder on the way must belong to root or to the account itself and be
 * writable by nobody else, except a sticky folder such as /tmp, whose entries only their owner
 * may rename or remove (sticky bit, unlink(2) EPERM). Files are created with O_CREAT|O_EXCL|
 * O_NOFOLLOW and changed through the descriptor opened (fchown/fchmod), never by path (open(2)).
 */

const { O_RDONLY, O_WRONLY, O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY, O_NONBLOCK } = constants;

/** Something about a path that makes it unsafe to trust, and what to do about it. */
export interface PathProblem {
  path: string;
  /** What is wrong, as the end of a sentence that starts with the path. */
  problem: string;
  /** What to do, one or two sentences. */
  remedy: string;
}

/** The problem as one message: "<path> <problem>. <remedy>". */
export function describeProblem(p: PathProblem): string {
  return `${p.path} ${p.problem}. ${p.remedy}`;
}

export function unsafePathError(p: PathProblem, prefix = ''): ControlError {
  return new ControlError(ControlErrorCodes.UnsafePath, `${prefix}${describeProblem(p)}`);
}

export function euid(): number {
  return process.geteuid?.() ?? 0;
}

// ---- accounts: names for messages, group members for the group-writable rule ----



/** "uid 1001 (alice)", or "uid 1001" for an account /etc/passwd does not name. */
export function accountLabel(uid: number): string {
  const name = readAccountTable('/etc/passwd').find((f) => Number(f[2]) === uid)?.[0];
  return name === undefined ? `uid ${uid}` : `uid ${uid} (${name})`;
}

/**
 * The uids in group `gid`: those whose primary group it is and those /etc/group lists. Undefined
 * when the group is unknown: then nobody can say who may write, and the folder is not trusted
 * (OpenSSH does the same when getgrgid fails).
 */
function groupMembers(gid: number): number[] | undefined {
  const passwd = readAccountTable('/etc/passwd');
  const line = readAccountTable('/etc/group').find((f) => Number(f[2]) === gid);
  const primary = passwd.filter((f) => Number(f[3]) === gid).map((f) => Number(f[2]));
  if (line === undefined) return primary.length > 0 ? primary : undefined;
  const named = (line[3] ?? '')
    .split(',')
    .filter((n) => n !== '')
    .map((n) => {
      const f = passwd.find((p) => p[0] === n);
      return f === undefined ? -1 : Number(f[2]);
    });
  return [...primary, ...named];
}

function groupLabel(gid: number): string {
  const name = readAccountTable('/etc/group').find((f) => Number(f[2]) === gid)?.[0];
  return name === undefined ? `gid ${gid}` : `group ${name} (gid ${gid})`;
}

const octal = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, '0');

function ownersLabel(trusted: ReadonlySet<number>): string {
  return [...trusted].sort((a, b) => a - b).map((u) => (u === 0 ? 'root' : accountLabel(u))).join(' or ');
}

// ---- inspection (reads only) ----

/**
 * How a folder is judged:
 * - `own`: one of the instance's folders (run, log, state, config): nobody but its owner may
 *   write in it, sticky or not (a planted name would still be there before the service's own);
 * - `above`: a folder on the way to one (/, /tmp, /var/log, a home): others may write only if it
 *   is sticky; a group may write if root owns the folder (root chose that group, as Debian's
 *   root:syslog /var/log) or if the group has no member but the trusted accounts;
 * - `sticky`: the shared workers folder: sticky, writable by all, owned by a trusted account.
 */
export type FolderKind = 'own' | 'above' | 'sticky';

function folderRule(path: string, st: Stats, trusted: ReadonlySet<number>, kind: FolderKind): PathProblem | undefined {
  if (!st.isDirectory()) {
    return { path, problem: 'is not a folder', remedy: `Remove it (rm ${path}) or choose another instance folder (PORTSHARE_HOME or --home).` };
  }
  if (!trusted.has(st.uid)) {
    return {
      path,
      problem: `belongs to ${accountLabel(st.uid)}, not to ${ownersLabel(trusted)}: that account could replace what the portshare service keeps ${kind === 'above' ? 'below it' : 'in it'}`,
      remedy:
        kind === 'above'
          ? `Move the instance to a folder that belongs to ${ownersLabel(trusted)} (PORTSHARE_HOME or --home).`
          : `Remove it (as root: rm -r ${path}) so that the service creates its own, or, if that account should own it, run the service as that account.`,
    };
  }
  const mode = st.mode & 0o7777;
  const sticky = (mode & 0o1000) !== 0;
  if (kind === 'own' && (mode & 0o002) !== 0) {
    return {
      path,
      problem: `can be written by every account (mode ${octal(mode)}): any of them could have put a link or a file of its own there`,
      remedy: `Run chmod go-w ${path}, check what is in it, and start again.`,
    };
  }
  if (kind !== 'own' && (mode & 0o002) !== 0 && !sticky) {
    return {
      path,
      problem: `can be written by every account and is not sticky (mode ${octal(mode)}): any of them could rename what is in it`,
      remedy: `Run chmod o-w ${path} (or chmod +t ${path} for a shared folder like /tmp), or choose another instance folder.`,
    };
  }
  if ((mode & 0o020) !== 0 && !(kind !== 'own' && sticky) && !(kind === 'above' && st.uid === 0)) {
    const members = groupMembers(st.gid);
    const outsiders = members === undefined ? undefined : members.filter((u) => !trusted.has(u));
    if (outsiders === undefined || outsiders.length > 0) {
      return {
        path,
        problem:
          `can be written by ${groupLabel(st.gid)} (mode ${octal(mode)}), ` +
          (outsiders === undefined ? 'whose members are unknown' : `which has other members (${outsiders.map(accountLabel).join(', ')})`),
        remedy: `Run chmod g-w ${path}, check what is in it, and start again.`,
      };
    }
  }
  return undefined;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function prefixes(abs: string): string[] {
  const out = ['/'];
  let cur = '';
  for (const part of abs.split('/').filter((p) => p !== '')) {
    cur += `/${part}`;
    out.push(cur);
  }
  return out;
}

/**
 * The first problem with the folders above `path` (not `path` itself), or undefined. A link on
 * the way must belong to a trusted account and is judged by the folders it leads to. A folder
 * that does not exist yet ends the walk: what is below it will be created, in the last folder
 * checked.
 */
export function ancestorProblem(path: string, owners: readonly number[]): PathProblem | undefined {
  const trusted = new Set([0, ...owners]);
  const abs = resolve(path);
  const above = prefixes(abs).slice(0, -1);
  for (const p of above) {
    const st = lstatOrUndefined(p);
    if (st === undefined) return undefined;
    if (st.isSymbolicLink()) {
      // Its folder passed, but in a sticky shared one (/tmp) the link's owner may still replace it.
      if (!trusted.has(st.uid)) {
        return {
          path: p,
          problem: `is a symbolic link that belongs to ${accountLabel(st.uid)}, not to ${ownersLabel(trusted)}: that account can point it elsewhere at any time`,
          remedy: `Use a path without that link (PORTSHARE_HOME or --home), or remove it (rm ${p}).`,
        };
      }
      let real: string;
      try {
        real = realpathSync(p);
      } catch {
        return undefined; // a dangling link: nothing below it exists yet
      }
      for (const r of prefixes(real)) {
        const problem = folderRule(r, lstatSync(r), trusted, 'above');
        if (problem) return problem;
      }
      continue;
    }
    const problem = folderRule(p, st, trusted, 'above');
    if (problem) return problem;
  }
  return undefined;
}

/**
 * The first problem with folder `path` itself (a link, not a folder, another owner, writable by
 * others), or undefined when it is fine or does not exist. `reclaimable`: an account whose
 * ownership is accepted because the service takes the folder back (see prepareFolder).
 */
export function folderProblem(
  path: string,
  owners: readonly number[],
  options: { kind?: FolderKind; reclaimable?: number | undefined } = {},
): PathProblem | undefined {
  const st = lstatOrUndefined(path);
  if (st === undefined) return undefined;
  if (st.isSymbolicLink()) return linkProblem(path);
  const trusted = new Set([0, ...owners, ...(options.reclaimable === undefined ? [] : [options.reclaimable])]);
  return folderRule(path, st, trusted, options.kind ?? 'own');
}

function linkProblem(path: string): PathProblem {
  return {
    path,
    problem: 'is a symbolic link, which the portshare service never creates: an account that could write to its folder may have put it there to redirect what the service writes',
    remedy: `Remove it (rm ${path}), check who can write to ${dirname(path)}, and start again.`,
  };
}

/** ancestorProblem, then folderProblem. */
export function pathProblem(
  path: string,
  owners: readonly number[],
  options: { kind?: FolderKind; reclaimable?: number | undefined } = {},
): PathProblem | undefined {
  return ancestorProblem(path, owners) ?? folderProblem(path, owners, options);
}

// ---- acting (as the process's effective user) ----

function openFolder(path: string): number {
  try {
    return openSync(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR') {
      const st = lstatOrUndefined(path);
      throw unsafePathError(st?.isSymbolicLink() ? linkProblem(path) : { path, problem: 'is not a folder', remedy: `Remove it (rm ${path}); the service creates the folder.` });
    }
    throw err;
  }
}

/**
 * Makes `path` a folder that only this process's account can change, creating it (and missing
 * parents, with `mode`) when absent. The folders above must pass ancestorProblem. The folder is
 * opened without following a link and judged by the descriptor (fstat), so no rename between the
 * check and the use can substitute another. `reclaimFrom`: an account that may own it now (the
 * service account an earlier version handed it to); it is taken back with fchown/fchmod on that
 * descriptor before anything is done in it, so that account can no longer plant names there.
 */
export function prepareFolder(path: string, options: { mode: number; reclaimFrom?: number | undefined }): void {
  const me = euid();
  const above = ancestorProblem(path, [me]);
  if (above) throw unsafePathError(above);
  try {
    mkdirSync(path, { recursive: true, mode: options.mode });
  } catch (err) {
    if (lstatOrUndefined(path)?.isSymbolicLink()) throw unsafePathError(linkProblem(path)); // a dangling link
    throw err;
  }
  const fd = openFolder(path);
  try {
    const st = fstatSync(fd);
    const problem = folderRule(path, st, new Set([0, me, ...(options.reclaimFrom === undefined ? [] : [options.reclaimFrom])]), 'own');
    if (problem) throw unsafePathError(problem);
    if (st.uid !== me && st.uid === options.reclaimFrom) {
      fchownSync(fd, me, process.getegid?.() ?? 0);
      fchmodSync(fd, st.mode & 0o755);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The shared folder where workers of every allowed account create their hand-off folders: owned
 * by this process's account, mode 1777 like /tmp (sticky: no account can remove or rename
 * another's entries). Created with mkdir, then opened without following a link, checked and
 * chmodded through the descriptor: a link planted at the name fails the open, and another
 * account's folder fails the owner check.
 */
export function prepareStickyFolder(path: string): void {
  const me = euid();
  try {
    mkdirSync(path, { mode: 0o1777 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const fd = openFolder(path);
  try {
    const st = fstatSync(fd);
    if (st.uid !== me) {
      throw unsafePathError({
        path,
        problem: `belongs to ${accountLabel(st.uid)}, not to ${accountLabel(me)} (this service): that account could take the names workers bind their hand-off sockets to`,
        remedy: `Remove it (as root: rm -r ${path}); the service creates its own at start.`,
      });
    }
    if ((st.mode & 0o7777) !== 0o1777) fchmodSync(fd, 0o1777);
  } finally {
    closeSync(fd);
  }
}

function entryProblem(path: string, st: Stats, expected: string): PathProblem {
  if (st.isSymbolicLink()) return linkProblem(path);
  return {
    path,
    problem: `is not ${expected} (the service never leaves anything else under that name)`,
    remedy: `Remove it (rm -r ${path}) and start again.`,
  };
}

/**
 * The problem with what is under `path` in one of the service's folders, judged without changing
 * anything, or undefined (also when nothing is there): a socket must be a socket; a file a regular
 * file with one name, owned by one of `owners` when given.
 */
export function fileProblem(path: string, kind: 'socket' | 'file', owners?: readonly number[]): PathProblem | undefined {
  const st = lstatOrUndefined(path);
  if (st === undefined) return undefined;
  if (kind === 'socket') return st.isSocket() ? undefined : entryProblem(path, st, 'a socket');
  return ownFileProblem(path, st, owners === undefined ? undefined : new Set(owners));
}

/** Removes a socket left by a process that ended; anything else under the name is refused, never followed. */
export function removeStaleSocket(path: string): void {
  const st = lstatOrUndefined(path);
  if (st === undefined) return;
  if (!st.isSocket()) throw unsafePathError(entryProblem(path, st, 'a socket'));
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** A regular file with one name, as the service creates them; a hard link could be any file of root's. */
function ownFileProblem(path: string, st: Stats, owners: ReadonlySet<number> | undefined): PathProblem | undefined {
  if (!st.isFile()) return entryProblem(path, st, 'a regular file');
  if (st.nlink !== 1) {
    return { path, problem: `has ${st.nlink} names (hard links): it may be another file of root's`, remedy: `Remove it (rm ${path}) and start again.` };
  }
  if (owners !== undefined && !owners.has(st.uid)) {
    return { path, problem: `belongs to ${accountLabel(st.uid)}, not to ${ownersLabel(owners)}`, remedy: `Remove it (rm ${path}) and start again.` };
  }
  return undefined;
}

function checkOwnFile(path: string, st: Stats, owners: ReadonlySet<number>): void {
  const problem = ownFileProblem(path, st, owners);
  if (problem) throw unsafePathError(problem);
}

/**
 * Replaces `path` with a new file holding `data`: an old regular file (the pid file of a service
 * that ended) is removed, then the file is created with O_CREAT|O_EXCL|O_NOFOLLOW, so whatever
 * appears under the name in between (a link, another file) makes this fail rather than write
 * through it. Anything but a regular file under the name is refused.
 */
export function writeNewFile(path: string, data: string, mode: number): void {
  const st = lstatOrUndefined(path);
  if (st !== undefined) {
    if (!st.isFile()) throw unsafePathError(entryProblem(path, st, 'a regular file'));
    unlinkSync(path);
  }
  let fd: number;
  try {
    fd = openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST' || (err as NodeJS.ErrnoException).code === 'ELOOP') {
      throw unsafePathError({ path, problem: 'was created by someone else while the service was writing it', remedy: `Check who can write to ${dirname(path)}.` });
    }
    throw err;
  }
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens `path` for appending (a log file) without following a link: created with
 * O_CREAT|O_EXCL|O_NOFOLLOW when absent; when present it must be a regular file with one name,
 * owned by this process's account or by `reclaimFrom` (then given back to this account with
 * fchown on the descriptor). O_NONBLOCK keeps a FIFO under the name from blocking the open; the
 * descriptor's fstat must match what lstat saw. Returns the descriptor; the caller closes it.
 */
export function openForAppend(path: string, options: { mode: number; reclaimFrom?: number | undefined }): number {
  const me = euid();
  const owners = new Set([me, ...(options.reclaimFrom === undefined ? [] : [options.reclaimFrom])]);
  const st = lstatOrUndefined(path);
  if (st === undefined) {
    try {
      return openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW, options.mode);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ELOOP') throw err;
      throw unsafePathError({ path, problem: 'was created by someone else while the service was creating it', remedy: `Check who can write to ${dirname(path)}.` });
    }
  }
  checkOwnFile(path, st, owners);
  const fd = openSync(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK);
  try {
    const now = fstatSync(fd);
    if (now.ino !== st.ino || now.dev !== st.dev) {
      throw unsafePathError({ path, problem: 'was replaced while the service was opening it', remedy: `Check who can write to ${dirname(path)}.` });
    }
    checkOwnFile(path, now, owners);
    if (now.uid !== me) fchownSync(fd, me, process.getegid?.() ?? 0);
    return fd;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/**
 * A path that names exactly the file open on `fd` (Linux's /proc/self/fd magic links, proc(5)),
 * for code that can only open by path: opening it reaches that file whatever has been renamed
 * since. Undefined where /proc is not mounted.
 */
export function descriptorPath(fd: number): string | undefined {
  const p = `/proc/self/fd/${fd}`;
  try {
    lstatSync(p);
    return p;
  } catch {
    return undefined;
  }
}
