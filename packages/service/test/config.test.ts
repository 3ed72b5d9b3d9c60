import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, loadConfig, validateConfig } from '../src/config.js';
import { ServiceErrorCodes } from '../src/errors.js';

describe('configuration', () => {
  it("uses SMSvcHost 4.x's defaults", () => {
    const c = defaultConfig();
    expect(c.listenBacklog).toBe(12 * availableParallelism());
    expect(c.maxPendingAccepts).toBe(4 * availableParallelism());
    expect(c.maxPendingConnections).toBe(100);
    expect(c.receiveTimeoutMs).toBe(30_000);
    expect(c.maxViaBytes).toBe(2048);
    expect(c.maxControlMessageBytes).toBe(10_000);
    expect(c.faultDrainBytes).toBe(65_536);
    expect(c.faultDrainTimeoutMs).toBe(60_000);
  });

  it('accepts WCF TimeSpan strings and milliseconds', () => {
    expect(validateConfig({ receiveTimeoutMs: '00:00:30' }).receiveTimeoutMs).toBe(30_000);
    expect(validateConfig({ receiveTimeoutMs: '01:02:03.5' }).receiveTimeoutMs).toBe(3_723_500);
    expect(validateConfig({ receiveTimeoutMs: 1500 }).receiveTimeoutMs).toBe(1500);
  });

  it.each([
    ['maxViaBytes', 2048, 2049],
    ['maxContentTypeBytes', 256, 257],
    ['maxPendingConnections', 1_000_000, 1_000_001],
    ['maxControlMessageBytes', 1 << 20, (1 << 20) + 1],
    ['listenBacklog', 65535, 65536],
    ['maxRegistrations', 1_000_000, 1_000_001],
  ])('%s: %d is accepted, %d is refused naming the key', (key, ok, over) => {
    expect((validateConfig({ [key]: ok }) as unknown as Record<string, number>)[key]).toBe(ok);
    expect(() => validateConfig({ [key]: over }, 'test.json')).toThrowError(
      expect.objectContaining({ code: ServiceErrorCodes.BadConfig, message: expect.stringContaining(`'${key}'`) }),
    );
  });

  it('refuses unknown keys, wrong types and nested typos with the key and the reason', () => {
    expect(() => validateConfig({ maxPendingConection: 5 })).toThrow(/'maxPendingConection' is not a known setting/);
    expect(() => validateConfig({ ipv6: 'yes' })).toThrow(/'ipv6' must be true or false/);
    expect(() => validateConfig({ allowAccounts: { user: ['x'] } })).toThrow(/'allowAccounts.user' is not a known setting/);
    expect(() => validateConfig({ handoff: 'magic' })).toThrow(/'handoff' must be one of auto, proxy/);
    expect(() => validateConfig({ reservedPorts: [808, 70000] })).toThrow(/'reservedPorts\[1\]'/);
    expect(() => validateConfig([])).toThrow(/must be a JSON object/);
  });

  it('reads a file: missing means defaults, bad JSON names the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pscfg-'));
    expect(loadConfig(join(dir, 'none.json'))).toEqual(defaultConfig());
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "maxViaBytes": ');
    expect(() => loadConfig(bad)).toThrow(new RegExp(`${bad} is not valid JSON`));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ maxPendingConnections: 7, log: { level: 'warn' } }));
    const c = loadConfig(good);
    expect(c.maxPendingConnections).toBe(7);
    expect(c.log.level).toBe('warn');
  });
});
