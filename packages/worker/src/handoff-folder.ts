import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { checkSocketPath, descriptorPath } from '@portshare/control';
import { WorkerError, WorkerErrorCodes } from './errors.js';

/*
 * Where a worker binds its hand-off socket. The daemon's workers folder is 1777, like /tmp: every
 * allowed account's workers need to create names there, so every local account can. A name
 * known in advance (w<pid>-<n>.sock) can be taken first by any of them, for every pid in a second,
 * and bind() then fails with EADDRINUSE for every worker. So each receiver makes a folder of its
 * own there, with mkdir (which never reuses an existing name or follows a link, mkdir(2)) and an
 * unpredictable name (96 random bits), retrying on the impossible collision, and binds inside it,
 * where no other account can create anything. The folder is reached through a descriptor
 * (/proc/self/fd/<n>/…) for the bind and the chmod, so even the owner of the workers folder
 * cannot redirect them by renaming it. The daemon connects by the folder's real path and still
 * checks that the socket's peer is the registering process (SO_PEERCRED).
 */

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = constants;

/** The socket's name inside its folder. */
const SOCKET_NAME = 'h.sock';
/** Random bytes in a folder's name: 12 bytes, 16 base64url characters. */
const NAME_BYTES = 12;
const NAME = /^w(\d+)-[A-Za-z0-9_-]{16}$/;
/** The socket names of earlier SDK versions, swept the same way. */
const OLD_NAME = /^w(\d+)-\d+\.sock$/;
/** mkdir attempts before giving up; each collides with probability 2^-96 unless it is an attack. */
const ATTEMPTS = 8;
/** Entries looked at per sweep, so a folder filled by another account cannot slow a registration. */
const SWEEP_LIMIT = 4096;

export interface HandoffFolder {
  /** The socket's real path, under the workers folder: what the daemon connects to. */
  readonly socketPath: string;
  /** The same socket reached through this process's descriptor of the folder: bind here. */
  readonly bindPath: string;
  /** Removes the socket (if still there) and the folder, and closes the descriptor. Idempotent. */
  remove(): void;
}

const euid = (): number => process.geteuid?.() ?? 0;

/** Opens a folder this process's account owns, without following a link; undefined if it is not one. */
function openOwnFolder(path: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch {
    return undefined;
  }
  if (fstatSync(fd).uid === euid()) return fd;
  closeSync(fd);
  return undefined;
}

/**
 * Makes this receiver's folder in `workersDir`: mode 0700, or 0711 when `shared` (the daemon runs
 * as another account, which must be able to reach the socket inside; listing stays private).
 */
export function createHandoffFolder(workersDir: string, shared: boolean): HandoffFolder {
  sweepStale(workersDir);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const dir = join(workersDir, `w${process.pid}-${randomBytes(NAME_BYTES).toString('base64url')}`);
    const socketPath = join(dir, SOCKET_NAME);
    checkSocketPath(socketPath);
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      throw new WorkerError(
        WorkerErrorCodes.ListenFailed,
        `Cannot create a folder for the hand-off socket in ${workersDir} (${code ?? (err as Error).message}). ` +
          'The portshare service creates that folder (mode 1777) when it starts: check that it runs for this instance.',
        { cause: err },
      );
    }
    const fd = openOwnFolder(dir);
    if (fd === undefined) {
      throw new WorkerError(
        WorkerErrorCodes.ListenFailed,
        `The folder ${dir} made for the hand-off socket was replaced before it could be opened: someone who can rename entries of ${workersDir} is interfering.`,
      );
    }
    fchmodSync(fd, shared ? 0o711 : 0o700);
    const viaFd = descriptorPath(fd);
    let removed = false;
    return {
      socketPath,
      bindPath: viaFd === undefined ? socketPath : join(viaFd, SOCKET_NAME),
      remove() {
        if (removed) return;
        removed = true;
        try {
          unlinkSync(viaFd === undefined ? socketPath : join(viaFd, SOCKET_NAME));
        } catch {
          /* the receiver removed it */
        }
        try {
          rmdirSync(dir); // never follows a link, and removes only an empty folder
        } catch {
          /* gone, or renamed by the workers folder's owner: nothing of ours is left in it */
        }
        closeSync(fd);
      },
    };
  }
  throw new WorkerError(
    WorkerErrorCodes.ListenFailed,
    `Could not create a folder for the hand-off socket in ${workersDir}: ${ATTEMPTS} random names were all taken.`,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes what receivers of this account left when their process was killed: folders (and, from
 * earlier versions, sockets) named for a pid that no longer runs. Only entries this account owns
 * are touched, opened without following links; another account's, or a live pid's, are left.
 */
function sweepStale(workersDir: string): void {
  let names: string[];
  try {
    names = readdirSync(workersDir);
  } catch {
    return;
  }
  let looked = 0;
  for (const name of names) {
    const m = NAME.exec(name) ?? OLD_NAME.exec(name);
    if (m === null || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue;
    if (++looked > SWEEP_LIMIT) return;
    const path = join(workersDir, name);
    try {
      const st = lstatSync(path);
      if (st.uid !== euid()) continue;
      if (st.isSocket()) {
        unlinkSync(path);
        continue;
      }
      const fd = st.isDirectory() ? openOwnFolder(path) : undefined;
      if (fd === undefined) continue;
      try {
        const inside = descriptorPath(fd);
        if (inside !== undefined && lstatSync(join(inside, SOCKET_NAME), { throwIfNoEntry: false })?.isSocket()) unlinkSync(join(inside, SOCKET_NAME));
      } finally {
        closeSync(fd);
      }
      rmdirSync(path);
    } catch {
      /* changed meanwhile, or not empty: leave it */
    }
  }
}
