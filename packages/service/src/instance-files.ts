import { mkdirSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import {
  ControlError,
  ControlErrorCodes,
  ancestorProblem,
  describeProblem,
  fileProblem,
  folderProblem,
  openForAppend,
  pathProblem,
  prepareFolder,
  removeStaleSocket,
  writeNewFile,
  type InstancePaths,
  type PathProblem,
} from '@portshare/control';
import { lookupUser } from './accounts.js';
import type { ServiceConfig } from './config.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';

/*
 * Which folders the daemon trusts, and how it takes them. Root never acts in a folder another
 * account can change (see @portshare/control safe-fs.ts): the run and log folders are root's
 * (or, for a daemon started as another user, that user's) even when `user` is set. Versions
 * before this one chowned them to `user`; such a folder is taken back, through its descriptor,
 * before anything is done in it. The daemon keeps writing its log after the drop through the
 * descriptor opened as root, and hands the service account only the control socket, in a folder
 * it cannot write.
 */

/** Who the daemon is and which account it drops to. */
export interface FolderTrust {
  /** The daemon's effective uid now (root, or the user who started it). */
  euid: number;
  /** `user` when started as root with it set: folders an earlier version gave it are taken back. */
  serviceUid: number | undefined;
  /** A per-user instance in its default folders (no PORTSHARE_HOME, not root). */
  perUser: boolean;
}

export function folderTrust(paths: InstancePaths, config: ServiceConfig | undefined): FolderTrust {
  const euid = process.geteuid?.() ?? 0;
  const user = euid === 0 && config?.user !== undefined ? lookupUser(config.user) : undefined;
  return { euid, serviceUid: user !== undefined && user.uid !== 0 ? user.uid : undefined, perUser: paths.home === undefined && euid !== 0 };
}

function logFileOf(paths: InstancePaths, config: ServiceConfig | undefined): string | undefined {
  const file = config?.log.file ?? paths.logFile;
  return file === '-' ? undefined : file;
}

/** A per-user run folder in /tmp can be taken by anyone first: say how to get a private one. */
function withHint(p: PathProblem, paths: InstancePaths, trust: FolderTrust): PathProblem {
  if (!trust.perUser || (p.path !== paths.runDir && !p.path.startsWith(`${paths.runDir}${sep}`))) return p;
  return {
    ...p,
    remedy:
      `${p.remedy} Or set XDG_RUNTIME_DIR to a folder only you can write (pam_systemd sets /run/user/${trust.euid}), ` +
      'or PORTSHARE_HOME, so the instance does not live in the shared /tmp.',
  };
}

/**
 * Every problem with the folders the daemon reads (configuration, state) and writes (run, log),
 * judged without changing anything: what the daemon refuses to start with before it reads its
 * state or connects to anything in the run folder, and what `portshare doctor` reports.
 */
export function instanceProblems(paths: InstancePaths, config: ServiceConfig | undefined, trust: FolderTrust): PathProblem[] {
  const owners = [trust.euid];
  const found: PathProblem[] = [];
  const add = (p: PathProblem | undefined): void => {
    if (p !== undefined && !found.some((f) => f.path === p.path)) found.push(withHint(p, paths, trust));
  };
  for (const p of readProblems(paths, trust)) add(p);
  add(pathProblem(paths.runDir, owners, { reclaimable: trust.serviceUid }));
  const logFile = logFileOf(paths, config);
  if (logFile !== undefined) {
    const dir = dirname(logFile);
    // The instance's own log folder is the daemon's; a configured one elsewhere (/var/log) is
    // only a folder it puts a file in, judged like the folders above an instance.
    add(dir === paths.logDir ? pathProblem(dir, owners, { reclaimable: trust.serviceUid }) : ancestorProblem(logFile, owners));
  }
  return found;
}

/**
 * Problems with what is in those folders, judged without changing anything: the workers folder,
 * the control socket, the pid and log files. The daemon judges them again after it has taken the
 * folders back (prepareFolders, prepareLogFile, writePidFile); `portshare doctor` reports them.
 */
export function entryProblems(paths: InstancePaths, config: ServiceConfig | undefined, trust: FolderTrust): PathProblem[] {
  const logFile = logFileOf(paths, config);
  const ownLog = logFile !== undefined && dirname(logFile) === paths.logDir;
  return [
    folderProblem(join(paths.runDir, 'workers'), [trust.euid], { kind: 'sticky' }),
    fileProblem(paths.controlSocket, 'socket'),
    fileProblem(paths.pidFile, 'file'),
    logFile === undefined ? undefined : fileProblem(logFile, 'file', [trust.euid, ...(ownLog && trust.serviceUid !== undefined ? [trust.serviceUid] : [])]),
  ].flatMap((p) => (p === undefined ? [] : [withHint(p, paths, trust)]));
}

function refusal(p: PathProblem): ServiceError {
  return new ServiceError(ServiceErrorCodes.UnsafePath, `The portshare service will not start: ${describeProblem(p)}`);
}

/** An unsafe-path refusal from the filesystem rules (a ControlError), as the daemon's own code; anything else as it is. */
export function asStartError(err: unknown): unknown {
  if (err instanceof ControlError && err.code === ControlErrorCodes.UnsafePath) {
    return new ServiceError(ServiceErrorCodes.UnsafePath, `The portshare service will not start: ${err.message}`, { cause: err });
  }
  return err;
}

function refuseUnsafe<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw asStartError(err);
  }
}

/**
 * The daemon's checks before it reads a file or connects to anything in the run folder:
 * `'read'`, the configuration and state folders (before the configuration says who `user` is);
 * `'all'`, the run and log folders too.
 */
export function assertInstanceFolders(paths: InstancePaths, config: ServiceConfig | undefined, trust: FolderTrust, which: 'read' | 'all'): void {
  const problems = which === 'all' ? instanceProblems(paths, config, trust) : readProblems(paths, trust);
  if (problems[0] !== undefined) throw refusal(problems[0]);
}

function readProblems(paths: InstancePaths, trust: FolderTrust): PathProblem[] {
  return [...new Set([paths.configDir, paths.stateDir])].flatMap((dir) => pathProblem(dir, [trust.euid]) ?? []);
}

/**
 * Takes the run folder and the log file's folder for the daemon's account (both, before anything
 * is done in either), then checks what is in the run folder: a control socket left by a daemon
 * that ended is removed (not when taking over from one that serves, takeover.ts, nor one the
 * service manager passed); a link or anything else under that name is refused, and so is a workers
 * folder that is a link or another account's (the control server makes it: control-server.ts)
 * and a pid file that is not a regular file (writePidFile replaces it).
 */
export function prepareFolders(paths: InstancePaths, config: ServiceConfig, trust: FolderTrust, options: { keepControlSocket?: boolean } = {}): void {
  refuseUnsafe(() => {
    prepareFolder(paths.runDir, { mode: 0o755, reclaimFrom: trust.serviceUid });
    const logFile = logFileOf(paths, config);
    if (logFile !== undefined) {
      const dir = dirname(logFile);
      if (dir === paths.logDir) prepareFolder(dir, { mode: 0o755, reclaimFrom: trust.serviceUid });
      else mkdirSync(dir, { recursive: true, mode: 0o755 });
    }
    // Taking over, the socket there is the running daemon's, and comes with its listening socket;
    // passed by the service manager, it is the one systemd made.
    if (!options.keepControlSocket) removeStaleSocket(paths.controlSocket);
    // Judged now, before the service listens, so that a start is refused before it serves anything.
    const entry = folderProblem(join(paths.runDir, 'workers'), [trust.euid], { kind: 'sticky' }) ?? fileProblem(paths.pidFile, 'file');
    if (entry !== undefined) throw refusal(entry);
  });
}

/**
 * Opens the log file as the daemon's account (root, before the drop) without following a link,
 * in the folder prepareFolders took, and returns its descriptor: the logger writes through it for
 * the daemon's life and never opens the file by path. Undefined for '-' (stderr).
 */
export function prepareLogFile(paths: InstancePaths, config: ServiceConfig, trust: FolderTrust): number | undefined {
  const file = logFileOf(paths, config);
  if (file === undefined) return undefined;
  return refuseUnsafe(() => {
    const ours = dirname(file) === paths.logDir;
    return openForAppend(file, { mode: 0o644, reclaimFrom: ours ? trust.serviceUid : undefined });
  });
}

/**
 * Writes the pid file: a new file (O_EXCL|O_NOFOLLOW) that stays root's, so no account but root
 * can make root's tools signal a process of its choosing through it. After a drop the daemon
 * cannot remove it at stop (the run folder is root's); the next start replaces it.
 */
export function writePidFile(paths: InstancePaths): void {
  refuseUnsafe(() => writeNewFile(paths.pidFile, `${process.pid}\n`, 0o644));
}
