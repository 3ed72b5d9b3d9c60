// Issue #13: `portshare config validate` refuses what the daemon refuses at start, with the key
// and the reason (exit 78), so a mistake is caught before the service is restarted with it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, makeHome, runCli, runJson, type Home } from './helpers.js';

describe('portshare config validate refuses, naming the key', () => {
  let h: Home;
  let elsewhere: string;
  beforeEach(() => {
    h = makeHome();
    elsewhere = mkdtempSync(join(tmpdir(), 'psc-cfg-'));
  });
  afterEach(() => {
    h.cleanup();
    rmSync(elsewhere, { recursive: true, force: true });
  });

  const write = (text: string): string => {
    const file = join(h.home, 'candidate.json');
    writeFileSync(file, text);
    return file;
  };

  it.each([
    ['a TimeSpan with 99 seconds', '{ "receiveTimeoutMs": "00:00:99" }', 'receiveTimeoutMs', /seconds must be 0-59/],
    ['an unknown account', '{ "allowAccounts": { "users": ["nobody", "psx-no-such-user"] } }', 'allowAccounts.users[1]', /the system does not know/],
    ['null', 'null', '(root)', /must be a JSON object/],
    ['a duplicated key', '{ "log": { "level": "info", "level": "silent" } }', 'log.level', /appears more than once/],
    ['a reservation with an http URI', '{ "reservations": [ { "uri": "http://+:80/a/" } ] }', 'reservations[0].uri', /net.tcp scheme/],
  ])('%s', async (_what, text, key, reason) => {
    const r = await runCli(['config', 'validate', write(text)], h.home);
    expect(r.code, r.stderr).toBe(78);
    expect(r.stderr).toContain(`'${key}'`);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr).toContain('SERVICE_ERR_BAD_CONFIG');
  });

  it('a log file that cannot be written', async () => {
    writeFileSync(join(elsewhere, 'a-file'), '');
    const r = await runCli(['config', 'validate', write(JSON.stringify({ log: { file: join(elsewhere, 'a-file', 'x.log') } }))], h.home);
    expect(r.code, r.stderr).toBe(78);
    expect(r.stderr).toContain("'log.file'");
    expect(r.stderr).toContain('ENOTDIR');
    const j = await runJson<{ error: { code: string; message: string } }>(['config', 'validate', write(JSON.stringify({ log: { file: elsewhere } }))], h.home);
    expect(j.code).toBe(78);
    expect(j.json.error.code).toBe('SERVICE_ERR_BAD_CONFIG');
    expect(j.json.error.message).toMatch(/'log.file' .*EISDIR/);
  });

  it('a metrics host that does not resolve', async () => {
    const port = await freePort();
    const r = await runCli(['config', 'validate', write(JSON.stringify({ metrics: { port, host: 'no-such-host.invalid' } }))], h.home);
    expect(r.code, r.stderr).toBe(78);
    expect(r.stderr).toContain("'metrics.host'");
    expect(r.stderr).toContain('getaddrinfo ENOTFOUND');
  });

  it('and accepts the new keys with good values', async () => {
    const file = write(
      JSON.stringify({
        reservations: [{ uri: 'net.tcp://+:808/app/', users: ['nobody'], groups: ['nogroup'] }],
        registrationHoldMs: '00:00:05',
        maxControlConnectionsPerUser: 32,
        reservedControlConnections: 16,
        controlIdleTimeoutMs: 30000,
        log: { maxLineFieldBytes: 256, perConnectionLinesPerSecond: 20, file: join(elsewhere, 'logs', 'portshare.log') },
        metrics: { port: await freePort(), host: '127.0.0.1' },
      }),
    );
    const r = await runCli(['config', 'validate', file], h.home);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('is valid (10 settings from the file');
  });
});
