// Every bound the CLI puts on a flag, at the edge and just past it, and the stop wait running out
// against a daemon that answers 'stop' but never goes away (a real Unix socket speaking the
// control protocol).
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LineDecoder, encodeLine, type WireRequest } from '@portshare/control';
import { CliLimits } from '../src/index.js';
import { makeHome, runCli, runJson, type Home } from './helpers.js';

/** Answers every request, 'stop' included, and keeps running: the stop that never completes. */
function stubbornDaemon(path: string): Promise<Server> {
  const server = createServer((socket) => {
    const decoder = new LineDecoder(10_000);
    socket.on('data', (chunk: Buffer) =>
      decoder.push(chunk, (msg) => {
        const req = msg as WireRequest;
        const result = req.op === 'hello' ? { pid: process.pid, version: 1, daemonVersion: 'stub', handoff: 'proxy' } : {};
        socket.write(encodeLine({ id: req.id, ok: true, result }));
      }),
    );
    socket.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

describe('CLI limits', () => {
  let h: Home;
  beforeEach(() => {
    h = makeHome();
  });
  afterEach(() => h.cleanup());

  it('--timeout accepts minTimeoutMs..maxTimeoutMs and refuses one past either end (exit 2)', async () => {
    const { minTimeoutMs: min, maxTimeoutMs: max } = CliLimits;
    // Nothing runs, so an accepted value means a quick, successful stop.
    expect((await runCli(['stop', '--timeout', String(min)], h.home)).code).toBe(0);
    expect((await runCli(['stop', '--timeout', String(max)], h.home)).code).toBe(0);
    const low = await runCli(['stop', '--timeout', String(min - 1)], h.home);
    expect(low.code).toBe(2);
    expect(low.stderr).toContain(`Expected a duration from ${min} ms to ${max / 60_000} min but received ${min - 1}`);
    const high = await runCli(['stop', '--timeout', String(max + 1)], h.home);
    expect(high.code).toBe(2);
    expect(high.stderr).toContain(`received ${max + 1}`);
    // Durations with units, at and past the edges.
    expect((await runCli(['stop', '--timeout', '10m'], h.home)).code).toBe(0);
    expect((await runCli(['stop', '--timeout', '100ms'], h.home)).code).toBe(0);
    expect((await runCli(['stop', '--timeout', '30s'], h.home)).code).toBe(0);
    expect((await runCli(['stop', '--timeout', '11m'], h.home)).code).toBe(2);
    const bad = await runCli(['stop', '--timeout', '30 seconds'], h.home);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'30 seconds' is not a duration");
    expect((await runCli(['start', '--detach', '--timeout', String(max + 1)], h.home)).code).toBe(2);
    expect((await runCli(['restart', '--timeout', String(min - 1)], h.home)).code).toBe(2);
  });

  it('--lines accepts 0..maxLogLines and refuses one past either end (exit 2)', async () => {
    expect((await runCli(['logs', '--lines', '0'], h.home)).code).toBe(0);
    expect((await runCli(['logs', '--lines', String(CliLimits.maxLogLines)], h.home)).code).toBe(0);
    const high = await runCli(['logs', '--lines', String(CliLimits.maxLogLines + 1)], h.home);
    expect(high.code).toBe(2);
    expect(high.stderr).toContain(`less than or equal to ${CliLimits.maxLogLines}`);
    expect((await runCli(['logs', '--lines', '-1'], h.home)).code).toBe(2);
  });

  it('stop gives up after --timeout when the daemon keeps answering (exit 1, CLI_ERR_STOP_TIMEOUT)', async () => {
    mkdirSync(h.paths.runDir, { recursive: true });
    const server = await stubbornDaemon(h.paths.controlSocket);
    try {
      const r = await runJson<{ error: { code: string; exitCode: number; message: string } }>(
        ['stop', '--timeout', String(CliLimits.minTimeoutMs)],
        h.home,
      );
      expect(r.code).toBe(1);
      expect(r.json.error.code).toBe('CLI_ERR_STOP_TIMEOUT');
      expect(r.json.error.message).toContain(`kill ${process.pid}`);
      const human = await runCli(['stop', '--timeout', '300'], h.home);
      expect(human.code).toBe(1);
      expect(human.stderr).toContain('--timeout');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
