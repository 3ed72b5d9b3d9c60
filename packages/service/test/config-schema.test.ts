// portshare.json's definition is a JSON Schema (src/config-schema.ts) that validateConfig compiles
// with Ajv; the published portshare.schema.json is that definition with the defaults. The shipped
// file must equal what the code generates, and an independent validator (another Ajv, draft
// 2020-12, reading the published file) must agree with validateConfig on what a schema can judge.
// Regenerate the file after a change (from packages/service, once built):
//   node -e "import('./dist/config.js').then((m) => process.stdout.write(JSON.stringify(m.configJsonSchema(), null, 2) + '\n'))" > portshare.schema.json
import { existsSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, defaultConfig, validateConfig } from '../src/config.js';
import { TIMESPAN_PATTERN } from '../src/config-schema.js';
import { parseTimeSpan } from '../src/timespan.js';

const shipped = JSON.parse(readFileSync(new URL('../portshare.schema.json', import.meta.url), 'utf8')) as unknown;
const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(configJsonSchema());

/** Accepted by both. */
const GOOD: unknown[] = [
  {},
  { $schema: './node_modules/@portshare/service/portshare.schema.json', '//': 'a comment' },
  { maxPendingConnections: 1, listenBacklog: 65535, receiveTimeoutMs: '00:00:30', registrationHoldMs: 0 },
  { handoff: 'proxy', ipv6: false, reservedPorts: [808, 8080], takeoverTimeoutMs: 600_000 },
  { allowAccounts: { users: ['root', '1000'], groups: ['root'] }, user: 'root', group: 'root' },
  { reservations: [{ uri: 'net.tcp://+:808/app/', users: ['root'] }] },
  { log: { level: 'debug', file: '-', maxLineFieldBytes: 16 }, metrics: { port: 9100, host: '127.0.0.1' } },
  { metrics: { port: null }, log: { file: null } },
  { routes: [{ uri: 'net.tcp://+:808/legacy/', to: '127.0.0.1:9000' }, { uri: 'net.tcp://+:808/v6', to: '[::1]:9001', hostNameComparisonMode: 'Exact' }] },
  { receiveTimeoutMs: '1.00:00:00', faultDrainTimeoutMs: '01:00:00' },
  { receiveTimeoutMs: ' 00:00:30 ', workerStallTimeoutMs: '0:00:00:02', controlIdleTimeoutMs: '00:00:059' },
  { reservations: [{ uri: 'NET.TCP://+:808/app/' }], routes: [{ uri: 'net.tcp://+:808/b/', to: ['127.0.0.1:9000', 'h:9001'] }] },
  { $schema: 5, '//': ['anything'] },
];

/** Refused by both: the schema can see these. */
const BAD: unknown[] = [
  null,
  [],
  { noSuchKey: 1 },
  { maxPendingConnections: 0 },
  { maxPendingConnections: 1_000_001 },
  { listenBacklog: 1.5 },
  { ipv6: 'yes' },
  { handoff: 'fd' },
  { receiveTimeoutMs: 'soon' },
  { reservedPorts: [0] },
  { reservedPorts: 808 },
  { allowAccounts: { users: [''] } },
  { allowAccounts: { admins: [] } },
  { reservations: [{ users: ['root'] }] },
  { reservations: [{ uri: 'http://x/' }] },
  { log: { level: 'loud' } },
  { log: { file: '' } },
  { metrics: { port: 70000 } },
  { routes: [{ uri: 'net.tcp://+:808/a' }] },
  { routes: [{ uri: 'net.tcp://+:808/a', to: '127.0.0.1' }] },
  { routes: [{ uri: 'net.tcp://+:808/a', to: 'h:1', hostNameComparisonMode: 'Loose' }] },
  { routes: [{ uri: 'net.tcp://+:808/a', to: 'h:1', via: 'x' }] },
  { routes: [{ uri: 'net.tcp://+:808/a', to: [] }] },
  { receiveTimeoutMs: '-00:00:01' },
  { receiveTimeoutMs: 1.5 },
  { log: { file: 'a\u0000b' } },
];

describe('portshare.schema.json', () => {
  it('is exactly what configJsonSchema() generates (regenerate it when a check changes)', () => {
    expect(shipped).toEqual(configJsonSchema());
  });

  it('names every setting validateConfig knows, with its default where that is the same on every machine', () => {
    const properties = (configJsonSchema() as { properties: Record<string, { default?: unknown }> }).properties;
    const keys = Object.keys(defaultConfig());
    expect(Object.keys(properties).filter((k) => k !== '$schema' && k !== '//').sort()).toEqual(keys.sort());
    expect(properties['maxPendingConnections']!.default).toBe(100);
    expect(properties['maxPendingAccepts']!.default).toBeUndefined();
  });

  it('takes every TimeSpan string parseTimeSpan reads (its pattern leaves the ranges to it)', () => {
    const pattern = new RegExp(TIMESPAN_PATTERN, 'u');
    const timeSpanish = fc.stringMatching(/^[ \t-]?[0-9]{0,3}([.:][0-9]{0,9}){0,4}[ \t]?$/);
    fc.assert(
      fc.property(fc.oneof(timeSpanish, fc.string()), (text) => {
        if (parseTimeSpan(text).ok) expect(text).toMatch(pattern);
      }),
      { numRuns: 5000 },
    );
  });

  it.each(GOOD.map((c) => [JSON.stringify(c), c]))('accepts %s, as validateConfig does', (_, config) => {
    expect(() => validateConfig(config)).not.toThrow();
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each(BAD.map((c) => [JSON.stringify(c), c]))('refuses %s, as validateConfig does', (_, config) => {
    expect(() => validateConfig(config)).toThrow(/Invalid configuration/);
    expect(validate(config)).toBe(false);
  });
});

describe('the precompiled validator the built package ships (dist/config-validator.cjs)', () => {
  // The daemon runs from dist, where validateConfig uses Ajv's standalone code instead of compiling;
  // it must judge and word every file as the compiled definition here does.
  it('is there, and the built validateConfig accepts and refuses exactly as the sources do, with the same messages', async () => {
    expect(existsSync(new URL('../dist/config-validator.cjs', import.meta.url))).toBe(true);
    const built = (await import(new URL('../dist/config.js', import.meta.url).href)) as { validateConfig: typeof validateConfig };
    const outcome = (validate: typeof validateConfig, config: unknown): unknown => {
      try {
        return validate(config, 'f.json');
      } catch (err) {
        return { code: (err as { code?: string }).code, message: (err as Error).message };
      }
    };
    const more: unknown[] = [{ routes: [{ url: 'net.tcp://+:808/a', to: 'h:1' }] }, { log: { level: 7 } }, { reservations: [{ uri: 'net.tcp://+:808/a', users: [''] }] }, { receiveTimeoutMs: '00:00:99' }];
    for (const config of [...GOOD, ...BAD, ...more]) expect(outcome(built.validateConfig, config)).toEqual(outcome(validateConfig, config));
  });
});
