// Issue #13, "The front door holds", item 7: squatting the hand-off socket names. The workers
// folder (<run>/workers) is 1777, like /tmp, so any local account may create names in it. A
// local account not on the allow list creates the names a worker would bind, for every pid, and
// then a real SDK worker starts: it must still register and serve connections.
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveInstance, waitForDaemon, writeState } from '@portshare/control';
import { encodePreamble } from '@portshare/framing';
import { ensureAccount, rootForSuite, spawnNode, type Account, type NodeProcess } from '@portshare/test-utils';
import { daemonStatus, freePort, LISTENER_WORKER, makeHome, roundTrip, SERVICE_MAIN, startDaemon } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const GATED_WORKER = join(here, 'fixtures', 'gated-worker.mjs');

const isRoot = rootForSuite(
  'The squatting tests need root: they create accounts with useradd and run the squatter and a worker as them; run the tests as root, as CI does.',
);


const none: Account = { name: '-', uid: -1, gid: -1 };
/** Not on the allow list: it may create names in the workers folder, nothing else. */
const squatter = isRoot ? ensureAccount('psfiles-squat') : none;
/** On the allow list: a worker that is not root (it cannot remove another account's names there). */
const workerAccount = isRoot ? ensureAccount('psfiles-worker') : none;
/** Runs a per-user instance in its default folders. */
const owner = isRoot ? ensureAccount('psfiles-owner') : none;

const procs: NodeProcess[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const p of procs.splice(0).reverse()) await p.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) c();
});

const PID_MAX = 32_768; // the names of the attack: every pid of a default pid_max

/**
 * As `who`, creates in `dir` the names the SDK used to bind, `w<pid>-<n>.sock`: n = 1 for every
 * pid up to PID_MAX and n = 1..8 for `pid` itself. Resolves with how many it created.
 */
async function squat(who: Account, dir: string, pid: number): Promise<number> {
  const script = `
    const { writeFileSync } = require('node:fs');
    const [dir, pid, max] = process.argv.slice(1);
    let n = 0;
    const put = (name) => { try { writeFileSync(dir + '/' + name, '', { flag: 'wx' }); n++; } catch {} };
    for (let p = 1; p <= Number(max); p++) put('w' + p + '-1.sock');
    for (let i = 1; i <= 8; i++) put('w' + pid + '-' + i + '.sock');
    process.stdout.write(n + '\\n');`;
  const p = spawnNode(['-e', script, dir, String(pid), String(PID_MAX)], {}, { uid: who.uid, gid: who.gid });
  const code = await p.exited;
  expect(code, p.err()).toBe(0);
  return Number(p.out().trim());
}

async function hello(port: number, path: string): Promise<string> {
  const bytes = encodePreamble({ via: `net.tcp://localhost:${port}${path}`, encoding: 8 });
  const { data, socket } = await roundTrip(port, bytes, 2 + bytes.length);
  socket.destroy();
  expect(data.subarray(2)).toEqual(bytes);
  return data.toString('latin1', 0, 2);
}

describe.runIf(isRoot)('hand-off socket names squatted by an account not on the allow list', () => {
  const cases = [
    { transport: 'fd', as: 'root', runAs: undefined as Account | undefined },
    { transport: 'proxy', as: 'an allowed account', runAs: workerAccount },
  ];

  it.each(cases)('a $transport worker running as $as still registers and serves connections', async ({ transport, runAs }) => {
    const { home, paths, cleanup } = makeHome({ config: { allowAccounts: { users: [workerAccount.name], groups: [] } } });
    cleanups.push(cleanup);
    const daemon = await startDaemon(home);
    procs.push(daemon);
    const workers = join(paths.runDir, 'workers');
    const port = await freePort();
    const w = spawnNode(
      [GATED_WORKER, `net.tcp://localhost:${port}/squat`, 'S'],
      { PORTSHARE_HOME: home, ...(transport === 'proxy' ? { FORCE_PROXY: '1' } : {}) },
      runAs ? { uid: runAs.uid, gid: runAs.gid } : {},
    );
    procs.push(w);
    const pid = Number((await w.waitFor(/PID (\d+)\n/))[1]);
    const created = await squat(squatter, workers, pid);
    expect(created).toBeGreaterThanOrEqual(PID_MAX);
    expect(lstatSync(join(workers, `w${pid}-1.sock`)).uid).toBe(squatter.uid);

    w.proc.stdin!.write('go\n');
    const m = await w.waitFor(/(READY|ERROR (\S+) (.*))\n/, 15_000);
    expect(m[1]).toBe('READY');
    expect(await hello(port, '/squat/x')).toBe('S:');

    // Its socket is in a folder of its own, with a name nobody could have guessed, that only its
    // account may change (0700: the daemon runs as root).
    const own = readdirSync(workers).filter((f) => f.startsWith(`w${pid}-`) && lstatSync(join(workers, f)).isDirectory());
    expect(own).toHaveLength(1);
    const folder = lstatSync(join(workers, own[0]!));
    expect({ uid: folder.uid, mode: folder.mode & 0o7777 }).toEqual({ uid: runAs?.uid ?? 0, mode: 0o700 });
    expect(own[0]).toMatch(new RegExp(`^w${pid}-[A-Za-z0-9_-]{16}$`));

    // Closing the listener removes the folder.
    w.proc.kill('SIGTERM');
    await w.waitFor(/CLOSED\n/);
    expect(readdirSync(workers).filter((f) => f.startsWith(`w${pid}-`) && lstatSync(join(workers, f)).isDirectory())).toEqual([]);
  });
});

describe.runIf(isRoot)('a per-user instance whose run folder another account made first', () => {
  it("a worker will not register with that account's daemon through it", async () => {
    // The squatter runs a daemon of its own (as itself) that admits the owner...
    const home = mkdtempSync('/tmp/psw-sq-');
    chmodSync(home, 0o755);
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));
    const theirs = resolveInstance({ home });
    writeState(theirs, { startMode: 'demand', command: [process.execPath, SERVICE_MAIN] });
    writeFileSync(theirs.configFile, JSON.stringify({ allowAccounts: { users: [owner.name], groups: [] } }));
    expect(spawnSync('chown', ['-R', `${squatter.uid}:${squatter.gid}`, home]).status).toBe(0);
    const daemon = spawnNode([SERVICE_MAIN, '--home', home], {}, { uid: squatter.uid, gid: squatter.gid });
    procs.push(daemon);
    expect(await waitForDaemon(theirs, 10_000), daemon.err()).toMatchObject({ uid: squatter.uid });
    // ...and makes the owner's default run folder first, with its daemon's sockets in it.
    const ownerHome = mkdtempSync('/tmp/psw-home-');
    cleanups.push(() => rmSync(ownerHome, { recursive: true, force: true }));
    const env = { HOME: ownerHome, PORTSHARE_HOME: '', XDG_RUNTIME_DIR: '', XDG_CONFIG_HOME: '', XDG_STATE_HOME: '' };
    const mine = resolveInstance({ env, uid: owner.uid });
    rmSync(mine.runDir, { recursive: true, force: true });
    cleanups.push(() => rmSync(mine.runDir, { recursive: true, force: true }));
    const made = spawnSync(
      'runuser',
      ['-u', squatter.name, '--', 'sh', '-c', `mkdir -m 0755 ${mine.runDir} && ln -s ${theirs.controlSocket} ${mine.controlSocket} && ln -s ${theirs.runDir}/workers ${mine.runDir}/workers`],
      { encoding: 'utf8' },
    );
    expect(made.status, made.stderr).toBe(0);

    const port = await freePort();
    const w = spawnNode([LISTENER_WORKER, `net.tcp://localhost:${port}/mine`, 'on', 'A'], env, { uid: owner.uid, gid: owner.gid });
    procs.push(w);
    const m = await w.waitFor(/(READY \S+|ERROR (\S+) (.*))\n/, 15_000);
    expect(m[2]).toBe('WORKER_ERR_REGISTRATION_FAILED');
    expect(m[3]).toContain(`${mine.runDir} belongs to uid ${squatter.uid} (${squatter.name})`);
    expect((await daemonStatus(theirs)).registrations).toEqual([]);
  });
});
