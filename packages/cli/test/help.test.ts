import { describe, expect, it } from 'vitest';
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
      expect((await runCli(['frobnicate'], h.home)).code).toBe(2);
    } finally {
      h.cleanup();
    }
  });
});
