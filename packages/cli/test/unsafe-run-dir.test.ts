// Issue #13, "The front door holds", item 8: a per-user instance keeps its run folder in
// /tmp/portshare-<uid> when XDG_RUNTIME_DIR is not set, and any local account can create that
// name first. Its owner's `portshare start` must refuse it, saying whose it is and what to do, and
// `portshare doctor` must say why. Both run as real accounts created here.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInstance, type InstancePaths } from '@portshare/control';
import { ensureAccount, rootForSuite, type Account } from '@portshare/test-utils';
import type { CheckResult, DoctorResult } from '../src/index.js';
import { makeHome, runCli, runJson } from './helpers.js';

const isRoot = rootForSuite(
  'The unsafe run folder tests need root: they create accounts with useradd and run the CLI as them; run the tests as root, as CI does.',
);


describe.runIf(isRoot)('a per-user run folder another account created first', () => {
  let owner: Account;
  let squatter: Account;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let paths: InstancePaths;
  const asOwner = (args: string[]) => runCli(args, home, { env, uid: owner.uid, gid: owner.gid });

  beforeAll(async () => {
    owner = ensureAccount('psfiles-owner');
    squatter = ensureAccount('psfiles-squat');
    home = mkdtempSync('/tmp/psc-home-');
    expect(spawnSync('chown', [`${owner.uid}:${owner.gid}`, home]).status).toBe(0);
    // The owner's default instance: no PORTSHARE_HOME, no XDG folders set.
    env = { HOME: home, PORTSHARE_HOME: '', XDG_RUNTIME_DIR: '', XDG_CONFIG_HOME: '', XDG_STATE_HOME: '' };
    paths = resolveInstance({ env, uid: owner.uid });
    expect(paths.runDir).toBe(`/tmp/portshare-${owner.uid}`);
    rmSync(paths.runDir, { recursive: true, force: true });
    const enabled = await asOwner(['enable']);
    expect(enabled.code, enabled.stderr).toBe(0);
    const made = spawnSync('runuser', ['-u', squatter.name, '--', 'mkdir', '-m', '0777', paths.runDir], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
  });
  afterAll(() => {
    if (!isRoot) return;
    rmSync(paths.runDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('doctor fails the run directory, naming its owner and what to do, and does not ask whatever answers there', async () => {
    const r = await asOwner(['doctor', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const checks = new Map((JSON.parse(r.stdout) as DoctorResult).checks.map((c: CheckResult) => [c.check, c]));
    const run = checks.get('run directory')!;
    expect(run.status).toBe('fail');
    expect(run.detail).toContain(`${paths.runDir} belongs to uid ${squatter.uid} (${squatter.name})`);
    expect(run.detail).toContain(`rm -r ${paths.runDir}`);
    expect(run.detail).toContain('XDG_RUNTIME_DIR');
    expect(checks.get('service')).toMatchObject({ status: 'fail' });
    expect(checks.get('service')!.detail).toContain('not asked');
  });

  it('start (in the foreground and detached) refuses with SERVICE_ERR_UNSAFE_PATH, and puts nothing in the folder', async () => {
    const fg = await asOwner(['start', '--json']);
    expect(fg.code).toBe(1);
    const { error } = JSON.parse(fg.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe('SERVICE_ERR_UNSAFE_PATH');
    expect(error.message).toContain(`${paths.runDir} belongs to uid ${squatter.uid} (${squatter.name})`);
    const detached = await asOwner(['start', '--detach']);
    expect(detached.code).toBe(1);
    expect(detached.stderr.replace(/\s+/g, ' ')).toContain(`${paths.runDir} belongs to uid ${squatter.uid} (${squatter.name})`);
    expect(existsSync(join(paths.runDir, 'control.sock'))).toBe(false);
    expect(existsSync(join(paths.runDir, 'workers'))).toBe(false);
  });
});

describe('links where the service writes', () => {
  it("doctor names each (the pid file in the run directory, the log file) and the service's refusal", async () => {
    const h = makeHome();
    try {
      mkdirSync(h.paths.runDir);
      mkdirSync(h.paths.logDir);
      symlinkSync('/etc/passwd', h.paths.pidFile);
      symlinkSync('/etc/passwd', h.paths.logFile);
      const r = await runJson<DoctorResult>(['doctor'], h.home);
      expect(r.code).toBe(1);
      const checks = new Map(r.json.checks.map((c) => [c.check, c]));
      expect(checks.get('run directory')).toMatchObject({ status: 'fail' });
      expect(checks.get('run directory')!.detail).toContain(`${h.paths.pidFile} is a symbolic link`);
      expect(checks.get('instance folders')).toMatchObject({ status: 'fail' });
      expect(checks.get('instance folders')!.detail).toContain(`${h.paths.logFile} is a symbolic link`);
      expect(checks.get('instance folders')!.detail).toContain(`rm ${h.paths.logFile}`);
    } finally {
      h.cleanup();
    }
  });
});
