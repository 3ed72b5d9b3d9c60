// Issue #13, "The front door holds": a configuration mistake must stop the daemon at start with the
// key and the reason (exit 78, SERVICE_ERR_BAD_CONFIG), never start it with a limit or an account
// silently different from what the file says. Each case starts the real daemon binary.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rootForSuite, spawnNode } from '@portshare/test-utils';
import { SERVICE_MAIN, freePort, makeHome } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function home(config: Record<string, unknown> = {}) {
  const h = makeHome(config);
  cleanups.push(h.cleanup);
  return h;
}

/**
 * Starts the daemon and expects it to refuse: resolves with its exit code and stderr. A daemon
 * that starts instead (the fault this guards against) is killed after a few seconds and reported.
 */
async function start(homeDir: string, as: { uid?: number; gid?: number } = {}): Promise<{ code: number | null; stderr: string; started: boolean }> {
  const p = spawnNode([SERVICE_MAIN, '--home', homeDir], {}, as);
  let started = false;
  const timer = setTimeout(() => {
    started = true;
    void p.kill('SIGKILL');
  }, 5000);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stderr: p.err(), started };
}

async function expectRefused(homeDir: string, key: string, reason: RegExp, as: { uid?: number; gid?: number } = {}): Promise<string> {
  const r = await start(homeDir, as);
  expect(r.started, `the daemon started although '${key}' is wrong`).toBe(false);
  expect(r.code, r.stderr).toBe(78);
  expect(r.stderr).toContain(`'${key}'`);
  expect(r.stderr).toMatch(reason);
  expect(r.stderr).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
  return r.stderr;
}

describe('the daemon refuses to start, naming the key', () => {
  it('a TimeSpan with 99 seconds', async () => {
    const h = home({ receiveTimeoutMs: '00:00:99' });
    await expectRefused(h.home, 'receiveTimeoutMs', /seconds must be 0-59/);
  });

  it('an account in allowAccounts that does not exist', async () => {
    const h = home({ allowAccounts: { users: ['nobody', 'psx-no-such-user'], groups: [] } });
    await expectRefused(h.home, 'allowAccounts.users[1]', /'psx-no-such-user' that the system does not know/);
    const g = home({ allowAccounts: { users: [], groups: ['psx-no-such-group'] } });
    await expectRefused(g.home, 'allowAccounts.groups[0]', /the system does not know/);
  });

  it('a log file that cannot be written: a folder', async () => {
    const h = home();
    const elsewhere = mkdtempSync(join(tmpdir(), 'ps-logdir-'));
    cleanups.push(() => rmSync(elsewhere, { recursive: true, force: true }));
    writeFileSync(h.paths.configFile, JSON.stringify({ log: { file: elsewhere } }));
    await expectRefused(h.home, 'log.file', /EISDIR/);
    expect(existsSync(h.paths.controlSocket)).toBe(false); // refused before anything was opened
  });

  it('a metrics host that does not resolve, or is not an address of this machine', async () => {
    const port = await freePort();
    const h = home({ metrics: { port, host: 'no-such-host.invalid' } });
    await expectRefused(h.home, 'metrics.host', /does not resolve.*getaddrinfo ENOTFOUND/);
    expect(existsSync(h.paths.controlSocket)).toBe(false);
    const n = home({ metrics: { port, host: '192.0.2.1' } }); // TEST-NET-1 (RFC 5737)
    await expectRefused(n.home, 'metrics.host', /EADDRNOTAVAIL/);
  });

  it('a file holding null', async () => {
    const h = home();
    writeFileSync(h.paths.configFile, 'null');
    await expectRefused(h.home, '(root)', /must be a JSON object/);
  });

  it('a key given twice', async () => {
    const h = home();
    writeFileSync(h.paths.configFile, '{\n  "maxPendingConnections": 10,\n  "log": { "level": "info" },\n  "maxPendingConnections": 100000\n}\n');
    await expectRefused(h.home, 'maxPendingConnections', /appears more than once \(again on line 4\)/);
  });

  it('a reservation that is not a net.tcp URI, or names an unknown account', async () => {
    const h = home({ reservations: [{ uri: 'http://+:80/app/', users: ['nobody'] }] });
    await expectRefused(h.home, 'reservations[0].uri', /net.tcp scheme/);
    const u = home({ reservations: [{ uri: 'net.tcp://+:808/app/', users: ['psx-no-such-user'] }] });
    await expectRefused(u.home, 'reservations[0].users[0]', /the system does not know/);
  });
});

const haveRoot = rootForSuite('The unwritable-log test runs the daemon as nobody; run the tests as root, as CI does.');

describe.runIf(haveRoot)('as another account', () => {
  it('a log file in a folder that account may not write is refused with the key, not a daemon without logs', async () => {
    const h = home();
    const privateDir = mkdtempSync(join(tmpdir(), 'ps-private-'));
    cleanups.push(() => rmSync(privateDir, { recursive: true, force: true }));
    chmodSync(privateDir, 0o755); // readable, not writable, by nobody
    mkdirSync(join(privateDir, 'logs'), { mode: 0o755 });
    writeFileSync(h.paths.configFile, JSON.stringify({ log: { file: join(privateDir, 'logs', 'portshare.log') } }));
    await expectRefused(h.home, 'log.file', /EACCES.*as uid 65534/, { uid: 65534, gid: 65534 });
  });

  it('a log file on a read-only file system is refused with the key, even for root', async () => {
    const h = home();
    const mnt = mkdtempSync(join(tmpdir(), 'ps-rofs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k,mode=0755', 'tmpfs', mnt]);
    cleanups.push(() => {
      execFileSync('umount', [mnt]);
      rmSync(mnt, { recursive: true, force: true });
    });
    writeFileSync(h.paths.configFile, JSON.stringify({ log: { file: join(mnt, 'portshare.log') } }));
    await expectRefused(h.home, 'log.file', /EROFS/);
    expect(existsSync(h.paths.controlSocket)).toBe(false);
  });
});
