// The portshare-service bin, executed as a program (as an administrator or a unit file runs it).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForDaemon } from '@portshare/control';
import { makeHome } from './helpers.js';

const BIN = join(dirname(new URL(import.meta.url).pathname), '..', 'bin', 'portshare-service.js');

describe('the portshare-service bin', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('executed directly, runs the daemon until SIGTERM, then exits 0', async () => {
    const h = makeHome();
    cleanups.push(h.cleanup);
    // The bin finds `node` on PATH, as an administrator's shell would.
    const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
    const child = spawn(BIN, ['--home', h.home], { env, stdio: 'ignore' });
    cleanups.push(() => child.kill('SIGKILL'));
    const hello = await waitForDaemon(h.paths, 10_000, () => {
      if (child.exitCode !== null) throw new Error(`the bin exited with code ${child.exitCode}`);
    });
    expect(hello?.pid).toBe(child.pid);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
