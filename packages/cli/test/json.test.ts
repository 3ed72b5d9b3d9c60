// --json on every command prints exactly one JSON document, results and errors alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { COMMANDS } from '../src/index.js';
import { makeHome, runJson, type Home } from './helpers.js';

describe('--json on every command (stopped, disabled instance)', () => {
  let h: Home;
  beforeAll(() => {
    h = makeHome();
  });
  afterAll(() => h.cleanup());

  // What each command exits with on a fresh instance: disabled, not running, no files.
  const expected: Record<keyof typeof COMMANDS, number> = {
    enable: 0,
    disable: 0,
    start: 4,
    stop: 0,
    restart: 4,
    status: 3,
    pause: 3,
    resume: 3,
    routes: 3,
    // Without the URI and --to they need: usage errors.
    'routes:add': 2,
    'routes:remove': 2,
    logs: 0,
    doctor: 0,
    config: 0,
    'config:validate': 0,
    'config:path': 0,
    // The units run the system instance: refused with PORTSHARE_HOME set (CLI_ERR_SERVICE_UNIT).
    'install-service': 1,
    'uninstall-service': 1,
  };

  it.each(Object.entries(expected))('%s', async (id, code) => {
    // `enable` runs last among the state changers; run `disable` to keep the instance disabled.
    const r = await runJson(id.split(':'), h.home);
    expect(r.code, r.stdout + r.stderr).toBe(code);
    expect(typeof r.json).toBe('object');
    if (code !== 0 && code !== 3) expect(r.json).toHaveProperty('error.exitCode', code);
    if (id === 'enable') await runJson(['disable'], h.home);
  });
});
