// Issue #13, "The front door holds", item 8: from the service account to root through the
// instance's files. The daemon starts as root with `user` set to a real account created here;
// that account plants links where root writes, and root starts the daemon again. A per-user
// instance whose run folder another account created first must be refused too.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveInstance, writeState, type InstancePaths } from '@portshare/control';
import { ensureAccount, rootForSuite, spawnNode, type Account, type NodeProcess } from '@portshare/test-utils';
import { makeHome, SERVICE_MAIN } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const RUN_DAEMON = join(here, 'fixtures', 'run-daemon.mjs');

const isRoot = rootForSuite(
  'The front-door file tests need root: they create accounts with useradd, start the daemon as root with `user` set and act as those accounts; run the tests as root, as CI does.',
);


const none: Account = { name: '-', uid: -1, gid: -1 };
/** The daemon's `user`: the account that wants root. */
const service = isRoot ? ensureAccount('psfiles-svc') : none;
/** A user running a per-user instance, and another user who got to its run folder first. */
const owner = isRoot ? ensureAccount('psfiles-owner') : none;
const squatter = isRoot ? ensureAccount('psfiles-squat') : none;

/** Runs a shell command as `who` (runuser); returns its exit status and stderr. */
function as(who: Account, script: string): { status: number | null; stderr: string } {
  const r = spawnSync('runuser', ['-u', who.name, '--', 'sh', '-c', script], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

const procs: NodeProcess[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) await p.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) c();
});

type Start = { running: true; pid: number; proc: NodeProcess } | { running: false; code: string; message: string };

/** Starts the daemon (test/fixtures/run-daemon.mjs) and waits until it serves or refuses. */
async function start(args: string[], env: NodeJS.ProcessEnv = {}, runAs?: Account): Promise<Start> {
  const p = spawnNode([RUN_DAEMON, ...args], env, runAs ? { uid: runAs.uid, gid: runAs.gid } : {});
  procs.push(p);
  const m = await p.waitFor(/(RUNNING (\d+)|ERROR (\S+) (.*))\n/, 15_000);
  if (m[2] !== undefined) return { running: true, pid: Number(m[2]), proc: p };
  return { running: false, code: m[3]!, message: m[4]! };
}

async function stop(s: Start): Promise<void> {
  if (!s.running) return;
  s.proc.proc.kill('SIGTERM');
  await s.proc.exited;
}

function instanceAs(user: Account): { home: string; paths: InstancePaths } {
  const inst = makeHome({ user: user.name, log: { level: 'info' } });
  cleanups.push(inst.cleanup);
  return inst;
}

/** A folder only root may enter, holding a file and a folder of root's (the targets of the links). */
function rootOnlyTargets(): { file: string; folder: string; pidLike: string } {
  const dir = mkdtempSync('/tmp/psfiles-root-');
  chmodSync(dir, 0o700);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'secret');
  writeFileSync(file, 'root only\n', { mode: 0o600 });
  const pidLike = join(dir, 'config');
  writeFileSync(pidLike, 'keep me\n', { mode: 0o600 });
  const folder = join(dir, 'private');
  mkdirSync(folder, { mode: 0o700 });
  return { file, folder, pidLike };
}

function snapshot(path: string): { uid: number; gid: number; mode: number; content: string | undefined } {
  const st = lstatSync(path);
  return { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, content: st.isFile() ? readFileSync(path, 'utf8') : undefined };
}

const uidOf = (pid: number): number => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

describe.runIf(isRoot)('started as root with `user` set: the service account gets no way back to root', () => {
  it('root keeps the run and log folders, and the files it writes there, to itself: the service account cannot put a link in them', async () => {
    const { home, paths } = instanceAs(service);
    const first = await start(['--home', home]);
    expect(first).toMatchObject({ running: true });
    if (!first.running) return;
    expect(uidOf(first.pid)).toBe(service.uid);
    const workers = join(paths.runDir, 'workers');
    for (const p of [paths.runDir, paths.logDir, paths.pidFile, paths.logFile, workers]) {
      expect({ p, uid: lstatSync(p).uid }).toEqual({ p, uid: 0 });
    }
    for (const p of [paths.runDir, paths.logDir]) expect({ p, mode: lstatSync(p).mode & 0o7777 }).toEqual({ p, mode: 0o755 });
    expect(lstatSync(workers).mode & 0o7777).toBe(0o1777);
    // The control socket still belongs to the service account, as before.
    expect(lstatSync(paths.controlSocket).uid).toBe(service.uid);
    for (const dir of [paths.runDir, paths.logDir]) {
      const planted = as(service, `ln -s /etc/shadow ${dir}/planted`);
      expect({ dir, refused: planted.status !== 0 }).toEqual({ dir, refused: true });
      expect(planted.stderr).toMatch(/Permission denied/);
    }
    await stop(first);
    // The log, opened by root before the drop, took lines from the daemon as the service account.
    const log = readFileSync(paths.logFile, 'utf8');
    expect(log).toContain('dropped privileges');
    expect(log).toContain('portshare service stopped');
    // The service account could not remove its pid file and control socket when it stopped; the
    // next start replaces them.
    const again = await start(['--home', home]);
    expect(again).toMatchObject({ running: true });
    if (again.running) expect(readFileSync(paths.pidFile, 'utf8')).toBe(`${again.pid}\n`);
    await stop(again);
  });

  const plants = [
    { what: 'the log file', at: (p: InstancePaths) => p.logFile, target: 'file' },
    { what: 'the workers folder', at: (p: InstancePaths) => join(p.runDir, 'workers'), target: 'folder' },
    { what: 'the pid file', at: (p: InstancePaths) => p.pidFile, target: 'pidLike' },
  ] as const;

  it.each(plants)(
    'an instance an earlier version handed to the service account: it replaces $what with a link to a file of root\'s; root refuses to start and never touches the target',
    async ({ at, target }) => {
      const { home, paths } = instanceAs(service);
      const first = await start(['--home', home]);
      expect(first).toMatchObject({ running: true });
      await stop(first);
      // What versions before this one left behind: the run and log folders (and the files in
      // them) chowned to the service account by dropPrivileges.
      for (const p of [paths.runDir, paths.logDir, paths.logFile, paths.controlSocket, paths.pidFile]) {
        if (existsSync(p)) chownSync(p, service.uid, service.gid);
      }
      const targets = rootOnlyTargets();
      const victim = targets[target];
      const before = snapshot(victim);
      const link = at(paths);
      const planted = as(service, `rm -rf ${link} && ln -s ${victim} ${link}`);
      expect(planted).toEqual({ status: 0, stderr: '' });

      const again = await start(['--home', home]);
      expect(again).toMatchObject({ running: false, code: 'SERVICE_ERR_UNSAFE_PATH' });
      if (!again.running) {
        expect(again.message).toContain(link);
        expect(again.message).toContain('symbolic link');
        expect(again.message).toContain(`rm ${link}`);
      }
      expect(snapshot(victim)).toEqual(before);
      // The folders are root's again: the service account can plant nothing more.
      expect(lstatSync(paths.runDir).uid).toBe(0);
      expect(lstatSync(paths.logDir).uid).toBe(0);
      expect(as(service, `ln -s ${victim} ${paths.runDir}/more`).status).not.toBe(0);
    },
  );
});

describe.runIf(isRoot)('a per-user instance whose run folder another account created first', () => {
  it('is refused, with whose folder it is and what to do, and nothing is put in it', async () => {
    const home = mkdtempSync('/tmp/psfiles-home-');
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));
    const env = { HOME: home, PORTSHARE_HOME: '', XDG_RUNTIME_DIR: '', XDG_CONFIG_HOME: '', XDG_STATE_HOME: '' };
    const paths = resolveInstance({ env, uid: owner.uid });
    expect(paths.runDir).toBe(`/tmp/portshare-${owner.uid}`);
    rmSync(paths.runDir, { recursive: true, force: true });
    cleanups.push(() => rmSync(paths.runDir, { recursive: true, force: true }));
    writeState(paths, { startMode: 'demand', command: [process.execPath, SERVICE_MAIN] });
    expect(spawnSync('chown', ['-R', `${owner.uid}:${owner.gid}`, home]).status).toBe(0);
    // The other account makes the folder first, open to all, to catch the owner's control socket.
    expect(as(squatter, `mkdir -m 0777 ${paths.runDir}`)).toEqual({ status: 0, stderr: '' });

    const r = await start([], env, owner);
    expect(r).toMatchObject({ running: false, code: 'SERVICE_ERR_UNSAFE_PATH' });
    if (!r.running) {
      expect(r.message).toContain(paths.runDir);
      expect(r.message).toContain(`uid ${squatter.uid} (${squatter.name})`);
      expect(r.message).toContain('XDG_RUNTIME_DIR');
    }
    expect(existsSync(join(paths.runDir, 'control.sock'))).toBe(false);
    expect(existsSync(join(paths.runDir, 'workers'))).toBe(false);
  });
});
