import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeHome, runCli, runJson, spawnCli, waitFor, type Home } from './helpers.js';

const record = (i: number, level = 30): string =>
  JSON.stringify({ level, time: Date.UTC(2030, 0, 1, 0, 0, i), pid: 1, msg: `message ${i}`, uri: `net.tcp://h/${i}` });

describe('portshare logs', () => {
  let h: Home;
  beforeEach(() => {
    h = makeHome();
    mkdirSync(h.paths.logDir, { recursive: true });
  });
  afterEach(() => h.cleanup());

  it('shows the last N lines, formatted, at and below the file length', async () => {
    writeFileSync(h.paths.logFile, [1, 2, 3, 4].map((i) => record(i)).join('\n') + '\nnot json\n');
    const all = await runCli(['logs', '--lines', '5'], h.home);
    expect(all.code).toBe(0);
    expect(all.stdout.trimEnd().split('\n')).toEqual([
      '2030-01-01T00:00:01.000Z INFO  message 1 uri=net.tcp://h/1',
      '2030-01-01T00:00:02.000Z INFO  message 2 uri=net.tcp://h/2',
      '2030-01-01T00:00:03.000Z INFO  message 3 uri=net.tcp://h/3',
      '2030-01-01T00:00:04.000Z INFO  message 4 uri=net.tcp://h/4',
      'not json',
    ]);
    expect((await runCli(['logs', '--lines', '6'], h.home)).stdout).toBe(all.stdout);
    const four = await runCli(['logs', '-n', '4'], h.home);
    expect(four.stdout.trimEnd().split('\n')).toEqual(all.stdout.trimEnd().split('\n').slice(1));
    expect((await runCli(['logs', '--lines', '0'], h.home)).stdout).toBe('');
  });

  it('--json gives the records as data', async () => {
    writeFileSync(h.paths.logFile, `${record(1, 40)}\nplain text\n`);
    const r = await runJson<{ file: string; lines: Record<string, unknown>[] }>(['logs'], h.home);
    expect(r.code).toBe(0);
    expect(r.json.file).toBe(h.paths.logFile);
    expect(r.json.lines).toEqual([JSON.parse(record(1, 40)), { text: 'plain text' }]);
  });

  it('reads the file named by log.file, and refuses log.file "-" (stderr) with CLI_ERR_LOG_NOT_IN_FILE', async () => {
    const custom = join(h.home, 'custom.log');
    writeFileSync(custom, `${record(7)}\n`);
    writeFileSync(h.paths.configFile, JSON.stringify({ log: { file: custom } }));
    const r = await runJson<{ file: string; lines: unknown[] }>(['logs'], h.home);
    expect(r.json.file).toBe(custom);
    expect(r.json.lines).toHaveLength(1);

    writeFileSync(h.paths.configFile, JSON.stringify({ log: { file: '-' } }));
    const e = await runCli(['logs'], h.home);
    expect(e.code).toBe(1);
    expect(e.stderr).toContain('CLI_ERR_LOG_NOT_IN_FILE');
    expect(e.stderr).toContain('log.file');
  });

  it('says so when there is no log yet', async () => {
    const r = await runCli(['logs'], h.home);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`No log yet at ${h.paths.logFile}`);
    const j = await runJson<{ lines: unknown[] }>(['logs'], h.home);
    expect(j.json.lines).toEqual([]);
  });

  it('--follow prints lines as they are appended, starts over after truncation, and ends on SIGINT', async () => {
    writeFileSync(h.paths.logFile, `${record(1)}\n`);
    const child = spawnCli(['logs', '--follow', '--lines', '1'], h.home);
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await waitFor(() => out.includes('message 1'), 'the existing line');
    appendFileSync(h.paths.logFile, `${record(2)}\n${record(3).slice(0, 20)}`);
    await waitFor(() => out.includes('message 2'), 'an appended line');
    // A partial line is held back until its newline arrives.
    expect(out).not.toContain('message 3');
    appendFileSync(h.paths.logFile, `${record(3).slice(20)}\n`);
    await waitFor(() => out.includes('message 3'), 'a line completed later');
    // Rotation by truncation: the new content is read from its start.
    writeFileSync(h.paths.logFile, `${record(4)}\n`);
    await waitFor(() => out.includes('message 4'), 'a line after truncation');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('--follow --json prints one JSON object per line', async () => {
    writeFileSync(h.paths.logFile, `${record(1)}\n`);
    const child = spawnCli(['logs', '--follow', '--json'], h.home);
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await waitFor(() => out.includes('message 1'), 'the existing line');
    appendFileSync(h.paths.logFile, 'raw\n');
    await waitFor(() => out.includes('raw'), 'an appended line');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([JSON.parse(record(1)), { text: 'raw' }]);
  });
});
