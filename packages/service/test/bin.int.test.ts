// The portshare-service bin: run as a program, it starts the daemon with DAEMON_NODE_OPTIONS.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlClient } from '@portshare/control';
import { DAEMON_NODE_OPTIONS } from '../src/index.js';
import { makeHome, sleep } from './helpers.js';

const BIN = join(dirname(new URL(import.meta.url).pathname), '..', 'bin', 'portshare-service.js');

describe('the portshare-service bin', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it("passes the daemon's Node options on its #! line", () => {
    const first = readFileSync(BIN, 'utf8').split('\n')[0]!;
    expect(first).toBe(`#!/usr/bin/env -S node ${DAEMON_NODE_OPTIONS.join(' ')}`);
  });

  it('executed directly, runs the daemon with those options', async () => {
    const h = makeHome();
    cleanups.push(h.cleanup);
    // The bin finds `node` on PATH, as an administrator's shell would.
    const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
    const child = spawn(BIN, ['--home', h.home], { env, stdio: 'ignore' });
    cleanups.push(() => child.kill('SIGKILL'));
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const c = await ControlClient.connect(h.paths.controlSocket);
        await c.hello();
        c.destroy();
        break;
      } catch (err) {
        if (child.exitCode !== null || Date.now() > deadline) throw err;
        await sleep(20);
      }
    }
    const argv = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
    for (const o of DAEMON_NODE_OPTIONS) expect(argv).toContain(o);
    expect(argv.some((a) => a.endsWith('portshare-service.js'))).toBe(true);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
