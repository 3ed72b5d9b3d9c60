// An administrator who may not talk to the service is told which setting admits them. As root the
// CLI runs as 'nobody' (refused by the allow list, or by the socket's file mode without the addon);
// as another user the control socket is made unreachable by its mode, the same EACCES a stranger gets.
import { chmodSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { letOthersRun } from '@portshare/test-utils';
import { makeHome, runCli, type Home } from './helpers.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
// The CLI runs as nobody here: it must be able to reach this checkout.
letOthersRun();

describe('access denied', () => {
  let h: Home;
  beforeAll(async () => {
    h = makeHome();
    expect((await runCli(['enable'], h.home)).code).toBe(0);
    const started = await runCli(['start', '--detach'], h.home);
    expect(started.code, started.stderr).toBe(0);
    if (!asRoot) chmodSync(h.paths.controlSocket, 0o000);
  });
  afterAll(async () => {
    if (!asRoot) chmodSync(h.paths.controlSocket, 0o600);
    await runCli(['stop'], h.home);
    h.cleanup();
  });

  const asStranger = (args: string[]) => runCli(args, h.home, asRoot ? { uid: NOBODY, gid: NOBODY } : {});

  it('status exits 5 and names allowAccounts in the configuration file', async () => {
    const r = await asStranger(['status']);
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.stderr).toContain('CONTROL_ERR_ACCESS_DENIED');
    expect(r.stderr).toMatch(/allowAccounts\.users/);
    expect(r.stderr.replace(/\s+/g, ' ')).toContain(h.paths.configFile);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('pause exits 5 too, and --json carries the code', async () => {
    const r = await asStranger(['pause', '--json']);
    expect(r.code).toBe(5);
    const { error } = JSON.parse(r.stdout) as { error: { code: string; exitCode: number } };
    expect(['CONTROL_ERR_ACCESS_DENIED', 'CONTROL_ERR_NOT_ADMINISTRATOR']).toContain(error.code);
    expect(error.exitCode).toBe(5);
  });
});
