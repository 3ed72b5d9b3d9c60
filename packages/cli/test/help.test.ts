import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/index.js';
import { makeHome, runCli } from './helpers.js';

const ids = Object.keys(COMMANDS) as (keyof typeof COMMANDS)[];

describe('help', () => {
  it.each(ids)('%s has a summary, a description and at least one example', (id) => {
    const cmd = COMMANDS[id];
    expect(cmd.summary?.length ?? 0).toBeGreaterThan(10);
    expect(cmd.description?.length ?? 0).toBeGreaterThan(10);
    expect(cmd.examples.length).toBeGreaterThanOrEqual(1);
    for (const ex of cmd.examples) {
      const command = typeof ex === 'string' ? ex : ex.command;
      expect(command).toContain('<%= config.bin %>');
      if (typeof ex !== 'string') expect(ex.description.length).toBeGreaterThan(5);
    }
  });

  it('--help of every command prints its examples and the global flags', async () => {
    const h = makeHome();
    try {
      const runs = await Promise.all(ids.map((id) => runCli([...id.split(':'), '--help'], h.home)));
      runs.forEach((r, i) => {
        expect(r.code, ids[i]).toBe(0);
        expect(r.stdout, ids[i]).toContain('EXAMPLES');
        expect(r.stdout, ids[i]).toContain(`$ portshare ${ids[i]!.replace(':', ' ')}`);
        expect(r.stdout, ids[i]).toContain('--home');
        expect(r.stdout, ids[i]).toContain('--json');
      });
      const top = await runCli(['--help'], h.home);
      expect(top.code).toBe(0);
      for (const id of ids) expect(top.stdout).toContain(id.split(':')[0]);
    } finally {
      h.cleanup();
    }
  });

  it('an unknown command or flag is a usage error (exit 2)', async () => {
    const h = makeHome();
    try {
      expect((await runCli(['status', '--no-such-flag'], h.home)).code).toBe(2);
      const unknown = await runCli(['frobnicate'], h.home);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('CLI_ERR_UNKNOWN_COMMAND');
      expect(unknown.stderr).not.toContain('Did you mean');
      // A typo names the nearest command; never a prompt (stdin is not a terminal here, nor in units).
      const typo = await runCli(['statsu'], h.home);
      expect(typo.code).toBe(2);
      expect(typo.stderr.replace(/\s+›?\s*/g, ' ')).toContain("'statsu' is not a portshare command. Did you mean 'portshare status'?");
      const nested = await runCli(['config', 'validat'], h.home);
      expect(nested.stderr.replace(/\s+›?\s*/g, ' ')).toContain("Did you mean 'portshare config validate'?");
    } finally {
      h.cleanup();
    }
  });

  it('help, -h, version and -v work as the conventions have them', async () => {
    const h = makeHome();
    cleanupLater(h.cleanup);
    const help = await runCli(['help'], h.home);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('USAGE');
    expect(help.stdout).toContain('restart');
    expect((await runCli(['-h'], h.home)).stdout).toBe(help.stdout);
    const statusHelp = await runCli(['status', '-h'], h.home);
    expect(statusHelp.code).toBe(0);
    expect(statusHelp.stdout).toContain('USAGE');
    const version = await runCli(['version'], h.home);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^@portshare\/cli\/\d+\.\d+\.\d+ linux-\w+ node-v\d+/);
    expect((await runCli(['-v'], h.home)).stdout.trim()).toBe(version.stdout.trim());
    const completion = await runCli(['autocomplete', 'bash'], h.home);
    expect(completion.code).toBe(0);
    expect(completion.stdout).toContain('portshare autocomplete');
  });
});

const later: (() => void)[] = [];
function cleanupLater(c: () => void): void {
  later.push(c);
}
afterAll(() => {
  for (const c of later.splice(0)) c();
});
