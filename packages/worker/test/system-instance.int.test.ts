// One system instance for every account (#15): with a system daemon running (root, the FHS folders,
// no PORTSHARE_HOME anywhere), a worker of an allowed non-root account finds it and registers, and
// `portshare status` as that account reports it running; `--user` still reaches the account's own.
// This test uses the machine's real /etc, /var/lib, /run and /var/log/portshare, so it refuses to
// run where a system instance already exists, and removes what it made.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_FOLDERS, resolveInstance, systemInstancePresent, waitForDaemon } from '@portshare/control';
import { encodePreamble } from '@portshare/framing';
import { ensureAccount, rootForSuite, spawnNode, type NodeProcess } from '@portshare/test-utils';
import { LISTENER_WORKER, SERVICE_MAIN, freePort, roundTrip } from './helpers.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'bin', 'run.js');
const isRoot = rootForSuite('The system instance test needs root: it runs the daemon in /run/portshare and a worker as another account; run the tests as root, as CI does.');
const present = isRoot && systemInstancePresent();
if (present) {
  const why = 'a system portshare instance already exists on this machine; the system instance test will not touch it';
  if (process.env['CI']) throw new Error(why);
  console.warn(`skipped: ${why}`);
}

/** Environment without any instance selection, as a service's unit or a login shell has it. */
function bareEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['PORTSHARE_HOME'];
  delete env['PORTSHARE_SCOPE'];
  delete env['XDG_RUNTIME_DIR'];
  return env;
}

describe.runIf(isRoot && !present)('the system instance, for every account', () => {
  const account = isRoot ? ensureAccount('psw-sysuser') : { name: '', uid: -1, gid: -1 };
  const procs: NodeProcess[] = [];
  let daemon: NodeProcess | undefined;

  beforeAll(async () => {
    mkdirSync(SYSTEM_FOLDERS.config, { recursive: true, mode: 0o755 });
    writeFileSync(join(SYSTEM_FOLDERS.config, 'portshare.json'), JSON.stringify({ allowAccounts: { users: [account.name], groups: [] } }));
    const enable = spawnSync(process.execPath, [CLI, 'enable'], { env: bareEnv(), encoding: 'utf8' });
    expect(enable.status, enable.stderr).toBe(0);
    daemon = spawnNode([SERVICE_MAIN], { PORTSHARE_HOME: '' });
    const hello = await waitForDaemon(resolveInstance({ scope: 'system' }), 10_000, () => {
      if (daemon!.proc.exitCode !== null) throw new Error(`the system daemon exited: ${daemon!.err()}`);
    });
    expect(hello?.pid).toBe(daemon.pid);
  });

  afterAll(async () => {
    for (const p of procs) await p.kill('SIGKILL');
    await daemon?.kill('SIGTERM');
    for (const dir of Object.values(SYSTEM_FOLDERS)) rmSync(dir, { recursive: true, force: true });
  });

  it('a worker of an allowed account, with no PORTSHARE_HOME, registers with it and gets its clients', async () => {
    const port = await freePort();
    const via = `net.tcp://localhost:${port}/sys`;
    const env = { ...bareEnv(), HOME: '/nonexistent' };
    const worker = spawnNode([LISTENER_WORKER, via, 'on', 'S'], { ...env, PORTSHARE_HOME: '' }, { uid: account.uid, gid: account.gid });
    procs.push(worker);
    await worker.waitFor(/READY shared\n/, 10_000);
    const bytes = encodePreamble({ via, encoding: 8 });
    const { data, socket } = await roundTrip(port, bytes, 2 + bytes.length);
    socket.destroy();
    expect(data.subarray(0, 2).toString()).toBe('S:');
    // Its hand-off folder is in the system instance's sticky workers folder.
    expect(existsSync(join(SYSTEM_FOLDERS.run, 'workers'))).toBe(true);
  });

  it("`portshare status` as that account reports the system daemon running; --user asks for the account's own, which is stopped", async () => {
    const asAccount = { uid: account.uid, gid: account.gid };
    const env = { ...bareEnv(), HOME: '/nonexistent', PORTSHARE_HOME: '' };
    const status = spawnNode([CLI, 'status', '--json'], env, asAccount);
    expect(await status.exited, status.err()).toBe(0);
    const reply = JSON.parse(status.out()) as { state: string; pid: number; registrations: { user: string }[] };
    expect(reply.state).toBe('running');
    expect(reply.pid).toBe(daemon!.pid);
    expect(reply.registrations.map((r) => r.user)).toEqual([account.name]);
    const own = spawnNode([CLI, 'status', '--user'], env, asAccount);
    expect(await own.exited, own.out() + own.err()).toBe(3);
    // An administrator's command on the system instance, as that account: a clear refusal, not EACCES.
    const enable = spawnNode([CLI, 'enable'], env, asAccount);
    expect(await enable.exited).toBe(5);
    expect(enable.err()).toContain('CLI_ERR_PERMISSION_DENIED');
    expect(enable.err().replace(/\s+›?\s*/g, ' ')).toContain(`${account.name} (uid ${account.uid}) may not write ${SYSTEM_FOLDERS.state}/state.json (EACCES)`);
  });
});
