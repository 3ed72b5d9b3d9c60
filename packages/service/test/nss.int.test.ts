// Accounts through NSS (#15): an account that exists only in a source other than /etc/passwd and
// /etc/group — Debian's libnss-extrausers, which reads /var/lib/extrausers, stands in for LDAP or
// SSSD without a directory server — is resolved for the allow list, named in status, and dropped
// to with all its supplementary groups (initgroups), as login would give them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ControlErrorCodes, type InstancePaths } from '@portshare/control';
import { ensureAccount, rootForSuite, spawnNode } from '@portshare/test-utils';
import { freePort, makeHome, startDaemon, status, type DaemonProcess } from './helpers.js';

const isRoot = rootForSuite('The NSS tests need root: they add a name service source and start the daemon as root to drop to an account of it; run the tests as root, as CI does.');
const hasExtrausers = spawnSync('dpkg', ['-s', 'libnss-extrausers']).status === 0;
if (process.env['CI'] && !hasExtrausers) throw new Error('libnss-extrausers is missing: .ci/run installs it');
if (!hasExtrausers) console.warn('skipped: libnss-extrausers not installed (apt-get install libnss-extrausers)');

const NSSWITCH = '/etc/nsswitch.conf';
const EXTRA = '/var/lib/extrausers';
// Ids far from what useradd hands out, in no /etc file.
const SVC = { name: 'psnss-svc', uid: 64_101, gid: 64_101 };
const APP = { name: 'psnss-app', uid: 64_102, gid: 64_102 };
const APPS_GROUP = { name: 'psnss-apps', gid: 64_103 };
const SVC_EXTRA_GROUP = { name: 'psnss-svc-extra', gid: 64_104 };

let savedNsswitch: string | undefined;
let daemon: DaemonProcess | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await daemon?.kill9().catch(() => {});
  daemon = undefined;
  for (const c of cleanups.splice(0)) c();
});

/** Requests `op` (with `extra`) on the control socket as a uid/gid; prints "OK <json>" or "ERR <code>". */
async function asAccount(paths: InstancePaths, who: { uid: number; gid: number }, request: Record<string, unknown>): Promise<string> {
  const script = `
    import { ControlClient } from '@portshare/control';
    const c = await ControlClient.connect(process.argv[1]);
    try { process.stdout.write('OK ' + JSON.stringify(await c.request(JSON.parse(process.argv[2]))) + '\\n'); }
    catch (e) { process.stdout.write('ERR ' + e.code + '\\n'); }
    c.destroy();`;
  const p = spawnNode(['--input-type=module', '-e', script, paths.controlSocket, JSON.stringify(request)], {}, { uid: who.uid, gid: who.gid });
  await p.exited;
  return p.out().trim();
}

describe.runIf(isRoot && hasExtrausers)('accounts from a non-files NSS source', () => {
  beforeAll(() => {
    savedNsswitch = readFileSync(NSSWITCH, 'utf8');
    // "files" stays first, so every account the other tests create resolves as before.
    writeFileSync(NSSWITCH, savedNsswitch.replace(/^(passwd|group):(.*)$/gm, (line) => (line.includes('extrausers') ? line : `${line} extrausers`)));
    mkdirSync(EXTRA, { recursive: true });
    writeFileSync(
      `${EXTRA}/passwd`,
      [SVC, APP].map((a) => `${a.name}:x:${a.uid}:${a.gid}::/nonexistent:/usr/sbin/nologin`).join('\n') + '\n',
    );
    writeFileSync(
      `${EXTRA}/group`,
      [
        `${SVC.name}:x:${SVC.gid}:`,
        `${APP.name}:x:${APP.gid}:`,
        `${APPS_GROUP.name}:x:${APPS_GROUP.gid}:${APP.name}`,
        `${SVC_EXTRA_GROUP.name}:x:${SVC_EXTRA_GROUP.gid}:${SVC.name}`,
      ].join('\n') + '\n',
    );
  });
  afterAll(() => {
    if (savedNsswitch !== undefined) writeFileSync(NSSWITCH, savedNsswitch);
    rmSync(`${EXTRA}/passwd`, { force: true });
    rmSync(`${EXTRA}/group`, { force: true });
  });

  it('the accounts exist for NSS only, not in /etc/passwd or /etc/group', () => {
    for (const file of ['/etc/passwd', '/etc/group']) {
      const names = readFileSync(file, 'utf8').split('\n').map((l) => l.split(':')[0]);
      for (const a of [SVC, APP, APPS_GROUP, SVC_EXTRA_GROUP]) expect(names).not.toContain(a.name);
    }
    expect(spawnSync('getent', ['passwd', APP.name], { encoding: 'utf8' }).stdout).toContain(`:${APP.uid}:`);
    expect(spawnSync('id', ['-G', SVC.name], { encoding: 'utf8' }).stdout.trim().split(' ')).toContain(String(SVC_EXTRA_GROUP.gid));
  });

  it('allows a member of an NSS-only group, names it in status, and drops to an NSS-only user with all its groups', async () => {
    const stranger = ensureAccount('psx-nss-stranger'); // from /etc/passwd, in no allowed group
    const { home, paths, cleanup } = makeHome({ user: SVC.name, allowAccounts: { users: [], groups: [APPS_GROUP.name] } });
    cleanups.push(cleanup);
    daemon = await startDaemon(home);
    // The drop: the NSS-only user, its primary group, and its supplementary group from NSS.
    const proc = readFileSync(`/proc/${daemon.pid}/status`, 'utf8');
    expect(proc).toMatch(new RegExp(`^Uid:\\s+${SVC.uid}\\s+${SVC.uid}\\s+${SVC.uid}\\s+${SVC.uid}$`, 'm'));
    expect(proc).toMatch(new RegExp(`^Gid:\\s+${SVC.gid}\\s`, 'm'));
    const groups = /^Groups:\s*(.*)$/m.exec(proc)![1]!.trim().split(/\s+/).map(Number).sort();
    expect(groups).toEqual([SVC.gid, SVC_EXTRA_GROUP.gid].sort());

    // A member of the allowed group, known to NSS only, registers; its name shows in status.
    const port = await freePort();
    const uri = `net.tcp://localhost:${port}/nss`;
    const reply = await asAccount(paths, APP, { op: 'register', uri, hostNameComparisonMode: 'StrongWildcard', transport: 'proxy', path: `${paths.runDir}/workers/none.sock` });
    expect(reply).toMatch(/^OK \{"registrationId":\d+\}$/);
    // An account in no allowed group is refused.
    expect(await asAccount(paths, stranger, { op: 'status' })).toBe(`ERR ${ControlErrorCodes.AccessDenied}`);
    // (The registration ended with its connection; status as root shows the daemon's view of
    // the allowed account when it holds one.)
    const holder = spawnNode(
      [
        '--input-type=module',
        '-e',
        `import { ControlClient } from '@portshare/control';
         const c = await ControlClient.connect(process.argv[1]);
         await c.request({ op: 'register', uri: process.argv[2], hostNameComparisonMode: 'StrongWildcard', transport: 'proxy', path: process.argv[3] });
         process.stdout.write('HELD\\n');
         setInterval(() => {}, 1000);`,
        paths.controlSocket,
        uri,
        `${paths.runDir}/workers/none.sock`,
      ],
      {},
      { uid: APP.uid, gid: APP.gid },
    );
    cleanups.push(() => void holder.kill('SIGKILL'));
    await holder.waitFor(/HELD\n/);
    const st = await status(paths);
    expect(st.registrations.map((r) => ({ uid: r.uid, user: r.user }))).toEqual([{ uid: APP.uid, user: APP.name }]);
  });

  it('refuses a user that no NSS source knows, at start, naming it', async () => {
    expect(existsSync(NSSWITCH)).toBe(true);
    const { home, cleanup } = makeHome({ user: 'psnss-nobody-anywhere' });
    cleanups.push(cleanup);
    await expect(startDaemon(home)).rejects.toThrow(/psnss-nobody-anywhere/);
  });
});
