// `portshare start` without --detach: the daemon runs in the CLI's own process until a signal or
// `portshare stop`.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StatusResult } from '../src/index.js';
import { isAlive, makeHome, runCli, runJson, spawnCli, waitFor, type Home } from './helpers.js';

describe('portshare start (foreground)', () => {
  let h: Home;
  beforeEach(async () => {
    h = makeHome();
    expect((await runCli(['enable'], h.home)).code).toBe(0);
  });
  afterEach(() => h.cleanup());

  const startForeground = (args: string[] = []) => {
    const child = spawnCli(['start', ...args], h.home);
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    return { child, exited, out: () => out };
  };

  it.each(['SIGINT', 'SIGTERM'] as const)('runs in this process and stops cleanly on %s', async (signal) => {
    const fg = startForeground();
    await waitFor(() => fg.out().includes('running in the foreground'), 'the foreground start');
    expect(fg.out()).toContain(`(pid ${fg.child.pid})`);
    const status = await runJson<StatusResult>(['status'], h.home);
    expect(status.json).toMatchObject({ state: 'running', pid: fg.child.pid });
    fg.child.kill(signal);
    expect(await fg.exited).toBe(0);
    expect(fg.out()).toContain('portshare service stopped.');
    expect((await runCli(['status'], h.home)).code).toBe(3);
  });

  it("stops when 'portshare stop' asks, and --json prints the running state as one document", async () => {
    const fg = startForeground(['--json']);
    await waitFor(() => fg.out().trimEnd().endsWith('}'), 'the JSON start line');
    expect(JSON.parse(fg.out())).toEqual({ state: 'running', pid: fg.child.pid, controlSocket: h.paths.controlSocket, log: h.paths.logFile });
    const stop = await runJson<{ pid: number }>(['stop'], h.home);
    expect(stop.json.pid).toBe(fg.child.pid);
    expect(await fg.exited).toBe(0);
    expect(isAlive(fg.child.pid!)).toBe(false);
  });
});
