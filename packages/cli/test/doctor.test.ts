import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeState } from '@portshare/control';
import type { CheckResult, DoctorResult } from '../src/index.js';
import { makeHome, runCli, runJson, type Home } from './helpers.js';

describe('portshare doctor', () => {
  let h: Home;
  beforeEach(() => {
    h = makeHome();
  });
  afterEach(() => h.cleanup());

  const doctor = async (env: NodeJS.ProcessEnv = {}) => {
    const r = await runCli(['doctor', '--json'], h.home, { env });
    const json = JSON.parse(r.stdout) as DoctorResult;
    const byName = new Map<string, CheckResult>(json.checks.map((c) => [c.check, c]));
    return { code: r.code, json, check: (name: string) => byName.get(name) };
  };

  it('on a fresh instance: warnings only (disabled, not running), exit 0', async () => {
    const d = await doctor();
    expect(d.code).toBe(0);
    expect(d.json.ok).toBe(true);
    expect(d.check('start mode')).toMatchObject({ status: 'warn' });
    expect(d.check('start mode')!.detail).toContain("'portshare enable'");
    expect(d.check('service')).toMatchObject({ status: 'warn' });
    expect(d.check('configuration')).toMatchObject({ status: 'ok' });
    expect(d.check('control socket path')!.detail).toContain(`${Buffer.byteLength(h.paths.controlSocket)} of 107 bytes`);
    const human = await runCli(['doctor'], h.home);
    expect(human.stdout).toMatch(/^STATUS\s+CHECK\s+DETAIL$/m);
    expect(human.stdout).toMatch(/^warn\s+start mode\s+disabled/m);
  });

  it('fails (exit 1) on an invalid configuration and a start command that no longer exists', async () => {
    writeFileSync(h.paths.configFile, JSON.stringify({ maxViaBytes: 1 }));
    writeState(h.paths, { startMode: 'demand', command: [process.execPath, join(h.home, 'gone', 'main.js')] });
    const d = await doctor();
    expect(d.code).toBe(1);
    expect(d.json.ok).toBe(false);
    expect(d.check('configuration')).toMatchObject({ status: 'fail' });
    expect(d.check('configuration')!.detail).toContain("'maxViaBytes'");
    expect(d.check('start command')).toMatchObject({ status: 'fail' });
    expect(d.check('start command')!.detail).toContain("'portshare enable' again");
  });

  it('warns when the addon does not load: connections would be proxied', async () => {
    const d = await doctor({ PORTSHARE_NO_HANDOFF_ADDON: '1' });
    expect(d.check('hand-off addon')).toMatchObject({ status: 'warn' });
    expect(d.check('hand-off addon')!.detail).toContain('proxied');
    expect(d.check('hand-off addon')!.detail).toContain('PORTSHARE_NO_HANDOFF_ADDON');
    const loaded = await doctor();
    expect(loaded.check('hand-off addon')!.status).toBe('ok');
  });

  it('fails on a world-writable run directory (the service refuses to start in it) and warns about a workers folder without mode 1777', async () => {
    mkdirSync(h.paths.runDir);
    chmodSync(h.paths.runDir, 0o777);
    const open = await doctor();
    expect(open.check('run directory')).toMatchObject({ status: 'fail' });
    expect(open.check('run directory')!.detail).toContain(`chmod go-w ${h.paths.runDir}`);
    chmodSync(h.paths.runDir, 0o755);
    mkdirSync(join(h.paths.runDir, 'workers'));
    chmodSync(join(h.paths.runDir, 'workers'), 0o755);
    const d = await doctor();
    expect(d.check('run directory')).toMatchObject({ status: 'warn' });
    expect(d.check('run directory')!.detail).toContain('chmod 1777');
    chmodSync(join(h.paths.runDir, 'workers'), 0o1777);
    expect((await doctor()).check('run directory')).toMatchObject({ status: 'ok' });
  });

  it('fails on a home whose control socket path does not fit a Unix socket address; other commands exit 1', async () => {
    const long = join(h.home, 'x'.repeat(100));
    const r = await runJson<DoctorResult>(['doctor', '--home', long], h.home);
    expect(r.code).toBe(1);
    expect(r.json.checks).toEqual([expect.objectContaining({ check: 'control socket path', status: 'fail' })]);
    expect(r.json.checks[0]!.detail).toContain('shorter PORTSHARE_HOME (or --home)');
    const status = await runJson<{ error: { code: string; exitCode: number } }>(['status', '--home', long], h.home);
    expect(status.json.error).toEqual(expect.objectContaining({ code: 'CONTROL_ERR_SOCKET_PATH_TOO_LONG', exitCode: 1 }));
  });
});
