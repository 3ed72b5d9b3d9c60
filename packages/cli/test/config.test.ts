import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigResult } from '../src/index.js';
import { makeHome, runCli, runJson, type Home } from './helpers.js';

describe('portshare config', () => {
  let h: Home;
  beforeEach(() => {
    h = makeHome();
  });
  afterEach(() => h.cleanup());

  const write = (name: string, content: string): string => {
    const file = join(h.home, name);
    writeFileSync(file, content);
    return file;
  };

  it('validate exits 78 and names the key and the reason for an out-of-range value', async () => {
    const file = write('bad.json', JSON.stringify({ maxPendingConnections: 0 }));
    const r = await runCli(['config', 'validate', file], h.home);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain("'maxPendingConnections'");
    expect(r.stderr).toContain('must be an integer from 1');
    expect(r.stderr).toContain('SERVICE_ERR_BAD_CONFIG');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const j = await runJson<{ error: { code: string; exitCode: number; message: string } }>(['config', 'validate', file], h.home);
    expect(j.code).toBe(78);
    expect(j.json.error).toMatchObject({ code: 'SERVICE_ERR_BAD_CONFIG', exitCode: 78 });
    expect(j.json.error.message).toContain("'maxPendingConnections'");
  });

  it('validate refuses an unknown (misspelt) key and a nested one', async () => {
    const r = await runCli(['config', 'validate', write('typo.json', JSON.stringify({ listenBacklg: 5 }))], h.home);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain("'listenBacklg' is not a known setting");
    const n = await runCli(['config', 'validate', write('nested.json', JSON.stringify({ log: { levle: 'info' } }))], h.home);
    expect(n.code).toBe(78);
    expect(n.stderr).toContain("'log.levle'");
  });

  it('validate reports a file that is not JSON (exit 78)', async () => {
    const r = await runCli(['config', 'validate', write('broken.json', '{ "listenBacklog": ')], h.home);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('not valid JSON');
  });

  it('validate exits 78 for a named file that does not exist, and 0 for the instance file when absent', async () => {
    const missing = await runJson<{ error: { code: string; exitCode: number } }>(['config', 'validate', join(h.home, 'nope.json')], h.home);
    expect(missing.code).toBe(78);
    expect(missing.json.error).toMatchObject({ code: 'CLI_ERR_CONFIG_NOT_FOUND', exitCode: 78 });
    const absent = await runJson<{ valid: boolean; fileExists: boolean; file: string }>(['config', 'validate'], h.home);
    expect(absent.code).toBe(0);
    expect(absent.json).toEqual({ file: h.paths.configFile, valid: true, fileExists: false, settingsFromFile: 0 });
  });

  it('validate accepts a good file (the instance file by default)', async () => {
    writeFileSync(h.paths.configFile, JSON.stringify({ listenBacklog: 77, receiveTimeoutMs: '00:00:10', log: { level: 'debug' } }));
    const r = await runCli(['config', 'validate'], h.home);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${h.paths.configFile} is valid (3 settings from the file`);
  });

  it('config shows the effective settings and which came from the file', async () => {
    writeFileSync(h.paths.configFile, JSON.stringify({ listenBacklog: 77, receiveTimeoutMs: '00:00:10', log: { level: 'debug' } }));
    const r = await runJson<ConfigResult>(['config'], h.home);
    expect(r.code).toBe(0);
    expect(r.json.file).toBe(h.paths.configFile);
    expect(r.json.fileExists).toBe(true);
    const byKey = new Map(r.json.settings.map((s) => [s.key, s]));
    expect(byKey.get('listenBacklog')).toEqual({ key: 'listenBacklog', value: 77, source: 'file' });
    expect(byKey.get('receiveTimeoutMs')).toEqual({ key: 'receiveTimeoutMs', value: 10_000, source: 'file' });
    expect(byKey.get('log.level')).toEqual({ key: 'log.level', value: 'debug', source: 'file' });
    expect(byKey.get('log.file')).toEqual({ key: 'log.file', value: null, source: 'default' });
    expect(byKey.get('maxPendingConnections')).toEqual({ key: 'maxPendingConnections', value: 100, source: 'default' });
    expect(byKey.get('allowAccounts.users')).toEqual({ key: 'allowAccounts.users', value: [], source: 'default' });

    const human = await runCli(['config'], h.home);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^SETTING\s+VALUE\s+SOURCE$/m);
    expect(human.stdout).toMatch(/^listenBacklog\s+77\s+file$/m);
    expect(human.stdout).toMatch(/^maxPendingConnections\s+100\s+default$/m);
    expect(human.stdout).toMatch(/^log\.file\s+\(unset\)\s+default$/m);
  });

  it('config on an invalid instance file exits 78', async () => {
    writeFileSync(h.paths.configFile, JSON.stringify({ handoff: 'carrier-pigeon' }));
    const r = await runCli(['config'], h.home);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain("'handoff' must be one of auto, proxy");
  });

  it('config path prints the file, and --json every path of the instance', async () => {
    const r = await runCli(['config', 'path'], h.home);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${h.paths.configFile}\n`);
    const j = await runJson<Record<string, unknown>>(['config', 'path'], h.home);
    expect(j.json).toMatchObject({
      home: h.home,
      configFile: h.paths.configFile,
      controlSocket: h.paths.controlSocket,
      stateFile: h.paths.stateFile,
      logFile: h.paths.logFile,
    });
    const other = await runCli(['config', 'path', '--home', join(h.home, 'other')], h.home);
    expect(other.stdout).toBe(`${join(h.home, 'other', 'portshare.json')}\n`);
  });

  it('start --detach with an invalid configuration exits 78 and starts nothing', async () => {
    expect((await runCli(['enable'], h.home)).code).toBe(0);
    writeFileSync(h.paths.configFile, JSON.stringify({ maxViaBytes: 4096 }));
    const r = await runCli(['start', '--detach'], h.home);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain("'maxViaBytes'");
    expect((await runCli(['status'], h.home)).code).toBe(3);
  });
});
