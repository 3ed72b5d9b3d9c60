// `portshare restart` of a daemon that systemd runs: the daemon says which unit it is in (the
// shipped unit sets PORTSHARE_SYSTEMD_UNIT=%n; systemd sets INVOCATION_ID), and the CLI asks
// systemd to reload that unit instead of starting a daemon outside it. These machines have no
// PID-1 systemd (docs/operations.md), so the reload itself fails here, with systemctl's own
// words; what is tested is that the CLI goes to systemctl, refuses --config there, says why, and
// that the running daemon serves on meanwhile. A real daemon, the real CLI and the real systemctl.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusResult } from '../src/index.js';
import { isAlive, makeHome, runCli, type Home } from './helpers.js';

const hasSystemctl = spawnSync('systemctl', ['--version']).status === 0;
if (process.env['CI'] && !hasSystemctl) throw new Error('systemctl is missing: .ci/run installs the systemd package');

describe.skipIf(!hasSystemctl)('restart of a service systemd runs', () => {
  let h: Home;
  // A unit no machine has: `systemctl reload` of it fails with or without a running systemd.
  const unit = `portshare-test-${randomUUID().slice(0, 8)}.service`;
  const underSystemd = { INVOCATION_ID: randomUUID().replaceAll('-', ''), PORTSHARE_SYSTEMD_UNIT: unit };
  let pid: number;

  beforeAll(async () => {
    h = makeHome();
    expect((await runCli(['enable'], h.home)).code).toBe(0);
    const started = await runCli(['start', '--detach', '--json'], h.home, { env: underSystemd });
    expect(started.code, started.stderr).toBe(0);
    pid = (JSON.parse(started.stdout) as { pid: number }).pid;
  });

  afterAll(() => h.cleanup());

  it('status names the unit the daemon runs in', async () => {
    const r = await runCli(['status', '--json'], h.home);
    expect((JSON.parse(r.stdout) as StatusResult).systemdUnit).toBe(unit);
  });

  it('restart asks systemctl to reload the unit; when that fails, it says so and the daemon serves on', async () => {
    const r = await runCli(['restart', '--json'], h.home);
    expect(r.code).toBe(1);
    const error = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('CLI_ERR_SYSTEMD_RELOAD');
    expect(error.message).toContain(`'systemctl reload ${unit}' failed: `);
    expect(error.message).toContain(`The running service (pid ${pid}) serves on`);
    expect(isAlive(pid)).toBe(true);
    expect((JSON.parse((await runCli(['status', '--json'], h.home)).stdout) as StatusResult).pid).toBe(pid);
  });

  it('restart --config is refused: the unit names the file systemd starts the service with', async () => {
    const r = await runCli(['restart', '--config', '/tmp/other.json'], h.home);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`runs under systemd (${unit})`);
    expect(r.stderr).toContain('without --config');
    expect(isAlive(pid)).toBe(true);
  });

  it('a daemon not started by systemd (INVOCATION_ID unset) names no unit, even with the variable left in a shell', async () => {
    const other = makeHome();
    try {
      expect((await runCli(['enable'], other.home)).code).toBe(0);
      const started = await runCli(['start', '--detach'], other.home, { env: { PORTSHARE_SYSTEMD_UNIT: unit, INVOCATION_ID: undefined } });
      expect(started.code, started.stderr).toBe(0);
      const status = JSON.parse((await runCli(['status', '--json'], other.home)).stdout) as StatusResult;
      expect(status.systemdUnit).toBeUndefined();
    } finally {
      other.cleanup();
    }
  });
});
