import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { defaultConfig, loadConfig, releaseConfigValidator, validateConfig } from '../src/config.js';
import { checkConfigOnHost } from '../src/config-host.js';
import { ServiceErrorCodes } from '../src/errors.js';
import { parseTimeSpan } from '../src/timespan.js';
import { refusedConfig } from './helpers.js';

/** Expects a BadConfig error whose message names `key` (quoted, as the messages do) and matches `reason`. */
function refuses(fn: () => unknown, key: string, reason: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected '${key}' to be refused`).toBeDefined();
  expect(err).toMatchObject({ code: ServiceErrorCodes.BadConfig });
  const message = (err as Error).message;
  expect(message).toContain(`'${key}'`);
  expect(message).toMatch(reason);
}

describe('configuration', () => {
  it("uses SMSvcHost 4.x's defaults", () => {
    const c = defaultConfig();
    expect(c.listenBacklog).toBe(4096); // not SMSvcHost's 12 × processors: clients wait there while the pending table is full
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
    ['deferAcceptSeconds', 600, 601],
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

  describe('durations: .NET TimeSpan.Parse rules', () => {
    it.each([
      ['00:00:30', 30_000],
      ['00:00:059', 59_000], // leading zeros are fine; the value is what is checked
      ['0:0:1', 1000],
      [' 00:00:30 ', 30_000], // TimeSpan.Parse skips surrounding white space
      ['01:02:03.5', 3_723_500],
      ['00:00:00.123', 123],
      ['00:00:00.1230000', 123], // seven fraction digits: ticks
      ['00:01', 60_000], // hh:mm
      ['1.00:00:00', 86_400_000], // d.hh:mm:ss
      ['1.02:03', 93_780_000], // d.hh:mm
      ['0:02:03:04', 7_384_000], // the general form d:hh:mm:ss
      ['1', 86_400_000], // a lone number is days, as in .NET
    ])('%j is %d ms', (text, ms) => {
      expect(parseTimeSpan(text)).toEqual({ ok: true, ms });
    });

    it.each([
      ['00:00:99', /seconds must be 0-59/],
      ['00:00:60', /seconds must be 0-59/],
      ['00:60:00', /minutes must be 0-59/],
      ['24:00:00', /hours must be 0-23 .*1\.00:00:00/],
      ['-00:00:01', /must not be negative/],
      ['Infinite', /Infinite/],
      ['00:00:00.12345678', /more than 7 fraction digits/],
      ['00:00:00.0001', /finer than a millisecond/],
      ['10675200', /at most 10675199/],
      ['00:00:30s', /is not a TimeSpan/],
      ['30 s', /is not a TimeSpan/],
      ['', /is not a TimeSpan/],
    ])('%j is refused: %s', (text, reason) => {
      const r = parseTimeSpan(text);
      expect(r.ok).toBe(false);
      expect(r.ok ? '' : r.reason).toMatch(reason);
    });

    it('"00:00:99" in a setting is refused with the key and the reason, not read as 99 s', () => {
      refuses(() => validateConfig({ receiveTimeoutMs: '00:00:99' }, 't.json'), 'receiveTimeoutMs', /"00:00:99" has 99 seconds; seconds must be 0-59/);
      refuses(() => validateConfig({ faultDrainTimeoutMs: '00:61:00' }), 'faultDrainTimeoutMs', /minutes must be 0-59/);
      refuses(() => validateConfig({ receiveTimeoutMs: 1.5 }), 'receiveTimeoutMs', /whole milliseconds/);
      refuses(() => validateConfig({ receiveTimeoutMs: '2' }), 'receiveTimeoutMs', /from 1 to 86400000 ms \(got "2", 172800000 ms\)/);
    });
  });

  describe('the file as a whole', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pscfg-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, text: string): string => {
      const f = join(dir, name);
      writeFileSync(f, text);
      return f;
    };

    it.each([['null'], ['[]'], ['"x"'], ['5'], ['true']])('a file holding %s is refused: (root) must be a JSON object', (text) => {
      refuses(() => loadConfig(file('root.json', text)), '(root)', /must be a JSON object/);
    });

    it('refuses a key given twice, naming it and the line, at any depth', () => {
      refuses(() => loadConfig(file('d1.json', '{\n "maxPendingConnections": 10,\n "maxPendingConnections": 100000\n}')), 'maxPendingConnections', /appears more than once \(again on line 3\)/);
      refuses(() => loadConfig(file('d2.json', '{ "log": { "level": "info", "file": "-", "level": "silent" } }')), 'log.level', /appears more than once/);
      refuses(
        () => loadConfig(file('d3.json', '{ "reservations": [ { "uri": "net.tcp://+:808/a/" }, { "uri": "net.tcp://+:808/b/", "users": [], "uri": "net.tcp://+:808/c/" } ] }')),
        'reservations[1].uri',
        /appears more than once/,
      );
      // Escapes name the same key: JSON.parse would keep the last.
      refuses(() => loadConfig(file('d4.json', '{ "ipv6": true, "\\u0069pv6": false }')), 'ipv6', /appears more than once/);
    });

    it('does not take equal keys in different objects for duplicates', () => {
      const c = loadConfig(file('ok.json', JSON.stringify({ reservations: [{ uri: 'net.tcp://+:808/a/' }, { uri: 'net.tcp://+:808/b/' }], log: { level: 'warn' } })));
      expect(c.reservations.map((r) => r.uri)).toEqual(['net.tcp://+:808/a/', 'net.tcp://+:808/b/']);
    });

    it('still refuses what is not strict JSON (comments, trailing commas)', () => {
      expect(() => loadConfig(file('c.json', '{ "ipv6": true, // no\n }'))).toThrow(/is not valid JSON/);
      expect(() => loadConfig(file('t.json', '{ "ipv6": true, }'))).toThrow(/is not valid JSON/);
    });
  });

  describe('accounts', () => {
    it('refuses an unknown user or group with its index, and takes names that exist and numeric ids as they are', () => {
      refuses(() => validateConfig({ allowAccounts: { users: ['nobody', 'no-such-user-x1'] } }), 'allowAccounts.users[1]', /user 'no-such-user-x1' that the system does not know \(getent passwd finds none\)/);
      refuses(() => validateConfig({ allowAccounts: { groups: ['no-such-group-x1'] } }), 'allowAccounts.groups[0]', /group 'no-such-group-x1' that the system does not know \(getent group finds none\)/);
      refuses(() => validateConfig({ allowAccounts: { users: [''] } }), 'allowAccounts.users[0]', /non-empty/);
      refuses(() => validateConfig({ allowAccounts: { users: [1000] } }), 'allowAccounts.users[0]', /non-empty user name or numeric id/);
      refuses(() => validateConfig({ allowAccounts: { users: '1000' } }), 'allowAccounts.users', /must be a list/);
      const c = validateConfig({ allowAccounts: { users: ['nobody', '4242', 'root'], groups: ['nogroup', '4242'] } });
      expect(c.allowAccounts).toEqual({ users: ['nobody', '4242', 'root'], groups: ['nogroup', '4242'] });
    });

    it('refuses an unknown user or group to switch to', () => {
      refuses(() => validateConfig({ user: 'no-such-user-x1' }), 'user', /the system does not know/);
      refuses(() => validateConfig({ user: 'nobody', group: 'no-such-group-x1' }), 'group', /the system does not know/);
      expect(validateConfig({ user: 'nobody', group: 'nogroup' })).toMatchObject({ user: 'nobody', group: 'nogroup' });
    });
  });

  describe('the keys added for the front door', () => {
    it('have their defaults', () => {
      const c = defaultConfig();
      expect(c.reservations).toEqual([]);
      expect(c.registrationHoldMs).toBe(5000);
      expect(c.maxControlConnectionsPerUser).toBe(32);
      expect(c.reservedControlConnections).toBe(16);
      expect(c.controlIdleTimeoutMs).toBe(30_000);
      expect(c.log.maxLineFieldBytes).toBe(256);
      expect(c.log.perConnectionLinesPerSecond).toBe(20);
      expect(c.takeoverTimeoutMs).toBe(5000);
      expect(c.routeConnectTimeoutMs).toBe(5000);
    });

    it.each([
      ['registrationHoldMs', 0, -1],
      ['registrationHoldMs', 3_600_000, 3_600_001],
      ['maxControlConnectionsPerUser', 1, 0],
      ['maxControlConnectionsPerUser', 65535, 65536],
      ['reservedControlConnections', 0, -1],
      ['controlIdleTimeoutMs', 1, 0],
      ['controlIdleTimeoutMs', 86_400_000, 86_400_001],
      ['takeoverTimeoutMs', 100, 99],
      ['takeoverTimeoutMs', 600_000, 600_001],
      ['routeConnectTimeoutMs', 1, 0],
      ['routeConnectTimeoutMs', 600_000, 600_001],
      ['retireTimeoutMs', 0, -1],
      ['retireTimeoutMs', 604_800_000, 604_800_001],
    ])('%s: %d is accepted, %d is refused naming the key', (key, ok, over) => {
      expect((validateConfig({ [key]: ok }) as unknown as Record<string, number>)[key]).toBe(ok);
      refuses(() => validateConfig({ [key]: over }), key, /from/);
    });

    it('durations take TimeSpans too', () => {
      expect(validateConfig({ registrationHoldMs: '01:00:00' }).registrationHoldMs).toBe(3_600_000);
      expect(validateConfig({ controlIdleTimeoutMs: '1.00:00:00' }).controlIdleTimeoutMs).toBe(86_400_000);
      refuses(() => validateConfig({ registrationHoldMs: '01:00:00.001' }), 'registrationHoldMs', /from 0 to 3600000 ms/);
    });

    it('reservedControlConnections must leave room under maxControlConnections', () => {
      expect(validateConfig({ maxControlConnections: 17, reservedControlConnections: 16 }).reservedControlConnections).toBe(16);
      refuses(() => validateConfig({ maxControlConnections: 16 }), 'reservedControlConnections', /\(16\) must be less than maxControlConnections \(16\)/);
      refuses(() => validateConfig({ maxControlConnections: 10, reservedControlConnections: 65535 }), 'reservedControlConnections', /less than maxControlConnections/);
      expect(validateConfig({ maxControlConnections: 1, reservedControlConnections: 0 }).maxControlConnections).toBe(1);
    });

    it.each([
      ['maxLineFieldBytes', 16, 15],
      ['maxLineFieldBytes', 65536, 65537],
      ['perConnectionLinesPerSecond', 0, -1],
      ['perConnectionLinesPerSecond', 1_000_000, 1_000_001],
    ])('log.%s: %d is accepted, %d is refused naming the key', (key, ok, over) => {
      expect((validateConfig({ log: { [key]: ok } }).log as unknown as Record<string, number>)[key]).toBe(ok);
      refuses(() => validateConfig({ log: { [key]: over } }), `log.${key}`, /must be an integer/);
    });

    it('reservations: net.tcp URIs with accounts checked like allowAccounts', () => {
      const c = validateConfig({
        reservations: [
          { uri: 'net.tcp://+:808/app/', users: ['nobody', '4242'], groups: ['nogroup'] },
          { uri: 'net.tcp://*:9000/other', users: [] },
          { uri: 'net.tcp://localhost/x' },
        ],
      });
      expect(c.reservations).toEqual([
        { uri: 'net.tcp://+:808/app/', users: ['nobody', '4242'], groups: ['nogroup'] },
        { uri: 'net.tcp://*:9000/other', users: [], groups: [] },
        { uri: 'net.tcp://localhost/x', users: [], groups: [] },
      ]);
      refuses(() => validateConfig({ reservations: {} }), 'reservations', /must be a list/);
      refuses(() => validateConfig({ reservations: ['net.tcp://+:808/app/'] }), 'reservations[0]', /must be an object/);
      refuses(() => validateConfig({ reservations: [{ users: ['nobody'] }] }), 'reservations[0].uri', /is required/);
      refuses(() => validateConfig({ reservations: [{ uri: 'http://+:80/app/' }] }), 'reservations[0].uri', /net.tcp scheme/);
      refuses(() => validateConfig({ reservations: [{ uri: '/app/' }] }), 'reservations[0].uri', /not an absolute URI/);
      refuses(() => validateConfig({ reservations: [{ uri: ' net.tcp://+:808/app/' }] }), 'reservations[0].uri', /not an absolute URI/);
      refuses(() => validateConfig({ reservations: [{ uri: `net.tcp://+:808/${'a'.repeat(2048)}` }] }), 'reservations[0].uri', /longer than 2048 bytes/);
      refuses(() => validateConfig({ reservations: [{ uri: 'net.tcp://+:808/a/', user: ['nobody'] }] }), 'reservations[0].user', /is not a known setting/);
      refuses(
        () => validateConfig({ reservations: [{ uri: 'net.tcp://+:808/a/' }, { uri: 'net.tcp://+:808/b/', users: ['nobody', 'no-such-user-x1'] }] }),
        'reservations[1].users[1]',
        /the system does not know/,
      );
      refuses(() => validateConfig({ reservations: [{ uri: 'net.tcp://+:808/a/', groups: ['no-such-group-x1'] }] }), 'reservations[0].groups[0]', /the system does not know/);
    });

    it('unknown keys stay refused, old and new sections alike', () => {
      refuses(() => validateConfig({ registrationHold: 5 }), 'registrationHold', /is not a known setting/);
      refuses(() => validateConfig({ log: { maxLineFieldByte: 5 } }), 'log.maxLineFieldByte', /is not a known setting/);
      refuses(() => validateConfig(JSON.parse('{"__proto__": {"ipv6": false}}')), '__proto__', /is not a known setting/);
      refuses(() => validateConfig({ log: { toString: 'x' } }), 'log.toString', /is not a known setting/);
    });

    it('metrics.host must be an address or a host name', () => {
      refuses(() => validateConfig({ metrics: { host: 'bad host!' } }), 'metrics.host', /IP address or a host name/);
      expect(validateConfig({ metrics: { host: '::1', port: 9100 } }).metrics).toEqual({ host: '::1', port: 9100 });
      expect(validateConfig({ metrics: { host: 'localhost' } }).metrics.host).toBe('localhost');
    });
  });

  describe('every refusal, at and past its edge', () => {
    const everyKey =
      'listenBacklog, maxPendingAccepts, deferAcceptSeconds, maxPendingConnections, pendingEvictionMinAgeMs, receiveTimeoutMs, ' +
      'workerStallTimeoutMs, ipv6, allowAccounts, handoff, maxViaBytes, maxContentTypeBytes, maxControlMessageBytes, maxRegistrations, ' +
      'maxRegistrationsPerConnection, maxControlConnections, maxUnlistedControlConnections, maxControlRequestsInFlight, ' +
      'maxControlConnectionsPerUser, reservedControlConnections, controlIdleTimeoutMs, registrationHoldMs, takeoverTimeoutMs, retireTimeoutMs, ' +
      'routeConnectTimeoutMs, reservations, routes, faultDrainBytes, faultDrainTimeoutMs, reservedPorts, user, group, log, metrics';

    it('the whole message: source, key, reason, and what to do', () => {
      expect(() => validateConfig({ listenBacklog: 1.5 }, 'f.json')).toThrow(
        "Invalid configuration in f.json: 'listenBacklog' must be an integer from 1 to 65535 (got 1.5). Fix the value or remove the key to use the default.",
      );
      expect(() => validateConfig({ nope: 1 }, 'f.json')).toThrow(`'nope' is not a known setting (known: ${everyKey}). Fix the value`);
    });

    it.each([
      ['maxPendingAccepts', 1, 0],
      ['maxPendingAccepts', 65535, 65536],
      ['deferAcceptSeconds', 0, -1],
      ['maxViaBytes', 16, 15],
      ['maxContentTypeBytes', 16, 15],
      ['maxControlMessageBytes', 256, 255],
      ['maxRegistrationsPerConnection', 1_000_000, 1_000_001],
      ['maxControlConnections', 65535, 65536],
      ['maxUnlistedControlConnections', 0, -1],
      ['maxControlRequestsInFlight', 1, 0],
      ['faultDrainBytes', 1 << 24, (1 << 24) + 1],
    ])('%s: %d is accepted, %d is refused with the range', (key, ok, over) => {
      expect((validateConfig({ [key]: ok }) as unknown as Record<string, number>)[key]).toBe(ok);
      refuses(() => validateConfig({ [key]: over }), key, new RegExp(`must be an integer from \\d+ to \\d+ \\(got ${over}\\)\\.`));
    });

    it('an integer given as a string, null or a fraction is refused with what was given', () => {
      refuses(() => validateConfig({ listenBacklog: '100' }), 'listenBacklog', /must be an integer from 1 to 65535 \(got "100"\)/);
      refuses(() => validateConfig({ maxPendingConnections: null }), 'maxPendingConnections', /\(got null\)/);
      refuses(() => validateConfig({ faultDrainBytes: 0.5 }), 'faultDrainBytes', /from 0 to 16777216 \(got 0\.5\)/);
    });

    it('reservedPorts: a list of ports 1 to 65535', () => {
      expect(validateConfig({ reservedPorts: [1, 65535] }).reservedPorts).toEqual([1, 65535]);
      refuses(() => validateConfig({ reservedPorts: 808 }), 'reservedPorts', /must be a list of ports/);
      refuses(() => validateConfig({ reservedPorts: [808, 0] }), 'reservedPorts[1]', /must be an integer from 1 to 65535 \(got 0\)/);
      refuses(() => validateConfig({ reservedPorts: ['808'] }), 'reservedPorts[0]', /\(got "808"\)/);
    });

    it('metrics.port: 0 to 65535, or null for none', () => {
      expect(validateConfig({ metrics: { port: 0 } }).metrics.port).toBe(0);
      expect(validateConfig({ metrics: { port: 65535 } }).metrics.port).toBe(65535);
      expect(validateConfig({ metrics: { port: null } }).metrics).toEqual({ port: undefined, host: '127.0.0.1' });
      refuses(() => validateConfig({ metrics: { port: 65536 } }), 'metrics.port', /must be an integer from 0 to 65535 \(got 65536\)/);
      refuses(() => validateConfig({ metrics: { port: -1 } }), 'metrics.port', /\(got -1\)/);
      refuses(() => validateConfig({ metrics: 9100 }), 'metrics', /must be an object/);
    });

    it('choices name every value', () => {
      refuses(() => validateConfig({ log: { level: 'loud' } }), 'log.level', /must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)/);
      refuses(() => validateConfig({ handoff: 1 }), 'handoff', /must be one of auto, proxy \(got 1\)/);
      expect(validateConfig({ log: { level: 'silent' } }).log.level).toBe('silent');
    });

    it('strings that may be unset: log.file, user, group, metrics.host', () => {
      expect(validateConfig({ log: { file: null } }).log.file).toBeUndefined();
      expect(validateConfig({ user: null, group: null })).toMatchObject({ user: undefined, group: undefined });
      expect(validateConfig({ metrics: { host: null } }).metrics.host).toBe('127.0.0.1');
      refuses(() => validateConfig({ log: { file: '' } }), 'log.file', /must be a non-empty string \(got ""\)/);
      refuses(() => validateConfig({ log: { file: 5 } }), 'log.file', /must be a non-empty string \(got 5\)/);
      refuses(() => validateConfig({ log: { file: '/tmp/a\0b' } }), 'log.file', /must not contain a NUL character/);
      refuses(() => validateConfig({ user: 0 }), 'user', /must be a non-empty string \(got 0\)/);
      refuses(() => validateConfig({ group: 'root\0' }), 'group', /must not contain a NUL character/);
      refuses(() => validateConfig({ metrics: { host: ['127.0.0.1'] } }), 'metrics.host', /must be a non-empty string/);
    });

    it('metrics.host: host-name labels of 63 characters, not 64', () => {
      expect(validateConfig({ metrics: { host: `${'a'.repeat(63)}.example` } }).metrics.host).toBe(`${'a'.repeat(63)}.example`);
      refuses(() => validateConfig({ metrics: { host: `${'a'.repeat(64)}.example` } }), 'metrics.host', /must be an IP address or a host name/);
      refuses(() => validateConfig({ metrics: { host: '[::1]' } }), 'metrics.host', /must be an IP address or a host name/);
    });

    it('durations: whole milliseconds or a TimeSpan, each refusal with its reason', () => {
      expect(validateConfig({ pendingEvictionMinAgeMs: 0 }).pendingEvictionMinAgeMs).toBe(0);
      refuses(() => validateConfig({ pendingEvictionMinAgeMs: -1 }), 'pendingEvictionMinAgeMs', /must be from 0 to 86400000 ms \(got -1, -1 ms\)/);
      expect(validateConfig({ receiveTimeoutMs: '1' }).receiveTimeoutMs).toBe(86_400_000); // one day: the maximum
      refuses(() => validateConfig({ receiveTimeoutMs: '1.00:00:00.001' }), 'receiveTimeoutMs', /from 1 to 86400000 ms \(got "1\.00:00:00\.001", 86400001 ms\)/);
      refuses(() => validateConfig({ receiveTimeoutMs: true }), 'receiveTimeoutMs', /must be milliseconds or a TimeSpan "hh:mm:ss", from 1 to 86400000 ms \(got true\)/);
      refuses(() => validateConfig({ workerStallTimeoutMs: null }), 'workerStallTimeoutMs', /must be milliseconds or a TimeSpan .*\(got null\)/);
      refuses(() => validateConfig({ receiveTimeoutMs: 'soon' }), 'receiveTimeoutMs', /"soon" is not a TimeSpan \(\[d\.\]hh:mm:ss\[\.fffffff\], e\.g\. "00:00:30"\)/);
      refuses(() => validateConfig({ receiveTimeoutMs: 'Infinite' }), 'receiveTimeoutMs', /"Infinite" is not accepted: every limit here is finite/);
      refuses(() => validateConfig({ receiveTimeoutMs: '-00:00:01' }), 'receiveTimeoutMs', /"-00:00:01" must not be negative/);
      refuses(() => validateConfig({ receiveTimeoutMs: '00:00:00.12345678' }), 'receiveTimeoutMs', /more than 7 fraction digits/);
      refuses(() => validateConfig({ receiveTimeoutMs: '24:00:00' }), 'receiveTimeoutMs', /hours must be 0-23/);
    });

    it('durations: every form TimeSpan.Parse reads is taken, white space around included', () => {
      expect(validateConfig({ receiveTimeoutMs: ' 00:00:30 ' }).receiveTimeoutMs).toBe(30_000);
      expect(validateConfig({ receiveTimeoutMs: '\t00:00:30\n' }).receiveTimeoutMs).toBe(30_000);
      expect(validateConfig({ receiveTimeoutMs: '00:00:059' }).receiveTimeoutMs).toBe(59_000);
      expect(validateConfig({ receiveTimeoutMs: '0:02:03:04' }).receiveTimeoutMs).toBe(7_384_000);
      expect(validateConfig({ receiveTimeoutMs: '00:00:00.1230000' }).receiveTimeoutMs).toBe(123);
    });

    it('account ids: 0 to 4294967294', () => {
      expect(validateConfig({ allowAccounts: { users: ['0', '4294967294'], groups: ['4294967294'] } }).allowAccounts.users).toEqual(['0', '4294967294']);
      refuses(() => validateConfig({ allowAccounts: { users: ['4294967295'] } }), 'allowAccounts.users[0]', /is not a valid uid \(0 to 4294967294\)/);
      refuses(() => validateConfig({ allowAccounts: { groups: ['4294967295'] } }), 'allowAccounts.groups[0]', /is not a valid gid \(0 to 4294967294\)/);
      refuses(() => validateConfig({ allowAccounts: { groups: 'nogroup' } }), 'allowAccounts.groups', /must be a list of group names or numeric ids/);
      refuses(() => validateConfig({ allowAccounts: { groups: [null] } }), 'allowAccounts.groups[0]', /must be a non-empty group name or numeric id \(got null\)/);
      refuses(() => validateConfig({ allowAccounts: [] }), 'allowAccounts', /must be an object/);
    });

    it('net.tcp URIs: up to 2048 bytes, any case of the scheme', () => {
      const at = (n: number): string => `net.tcp://+:808/${'a'.repeat(n - 'net.tcp://+:808/'.length)}`;
      expect(validateConfig({ reservations: [{ uri: at(2048) }] }).reservations[0]!.uri).toBe(at(2048));
      refuses(() => validateConfig({ reservations: [{ uri: at(2049) }] }), 'reservations[0].uri', /is longer than 2048 bytes/);
      // 1,100 characters, 2,200 bytes: counted in bytes, as a via is.
      refuses(() => validateConfig({ reservations: [{ uri: `net.tcp://+:808/${'é'.repeat(1100)}` }] }), 'reservations[0].uri', /is longer than 2048 bytes/);
      expect(validateConfig({ reservations: [{ uri: 'NET.TCP://+:808/a/' }] }).reservations[0]!.uri).toBe('NET.TCP://+:808/a/');
      refuses(() => validateConfig({ reservations: [{ uri: 5 }] }), 'reservations[0].uri', /must be a net\.tcp URI such as "net\.tcp:\/\/\+:808\/app\/" \(got 5\)/);
      refuses(() => validateConfig({ reservations: [{ uri: '' }] }), 'reservations[0].uri', /must be a net\.tcp URI such as .*\(got ""\)/);
      refuses(() => validateConfig({ reservations: [{ uri: 'net.tcp://+:808/a\tb' }] }), 'reservations[0].uri', /is not an absolute URI/);
    });

    it('a key missing beside an unknown one: the unknown one is named (it is often the same, misspelt)', () => {
      refuses(() => validateConfig({ reservations: [{ url: 'net.tcp://+:808/a/' }] }), 'reservations[0].url', /is not a known setting \(known: uri, users, groups\)/);
      refuses(() => validateConfig({ routes: [{ uri: 'net.tcp://+:808/a/', too: 'h:1' }] }), 'routes[0].too', /is not a known setting \(known: uri, to, hostNameComparisonMode, rewriteVia\)/);
    });

    describe('routes', () => {
      const route = (r: Record<string, unknown>) => validateConfig({ routes: [{ uri: 'net.tcp://+:808/a/', to: '127.0.0.1:9000', ...r }] });

      it('take their defaults, and keep what they are given', () => {
        expect(route({}).routes).toEqual([{ uri: 'net.tcp://+:808/a/', to: '127.0.0.1:9000', hostNameComparisonMode: 'StrongWildcard' }]);
        expect(route({ to: ['h:1', '[::1]:65535'], hostNameComparisonMode: 'Exact', rewriteVia: 'net.tcp://h:1/a/' }).routes[0]).toEqual({
          uri: 'net.tcp://+:808/a/',
          to: ['h:1', '[::1]:65535'],
          hostNameComparisonMode: 'Exact',
          rewriteVia: 'net.tcp://h:1/a/',
        });
      });

      it('are a list of objects with uri and to', () => {
        refuses(() => validateConfig({ routes: {} }), 'routes', /must be a list of \{ "uri": \.\.\., "to": "host:port" \}/);
        refuses(() => validateConfig({ routes: ['net.tcp://+:808/a/'] }), 'routes[0]', /must be an object/);
        refuses(() => validateConfig({ routes: [{ to: 'h:1' }] }), 'routes[0].uri', /is required/);
        refuses(() => validateConfig({ routes: [{ uri: 'net.tcp://+:808/a/' }] }), 'routes[0].to', /is required/);
        refuses(() => route({ via: 'x' }), 'routes[0].via', /is not a known setting \(known: uri, to, hostNameComparisonMode, rewriteVia\)/);
        refuses(() => route({ uri: 'http://+:80/a/' }), 'routes[0].uri', /must use the net\.tcp scheme/);
        refuses(() => route({ rewriteVia: '/a/' }), 'routes[0].rewriteVia', /is not an absolute URI/);
        refuses(() => route({ hostNameComparisonMode: 'Loose' }), 'routes[0].hostNameComparisonMode', /must be one of StrongWildcard, Exact, WeakWildcard \(got "Loose"\)/);
      });

      it('to: host:port with a port from 1 to 65535, or a non-empty list of them', () => {
        expect(route({ to: 'h:1' }).routes[0]!.to).toBe('h:1');
        expect(route({ to: 'h:65535' }).routes[0]!.to).toBe('h:65535');
        refuses(() => route({ to: 'h:0' }), 'routes[0].to', /must be host:port, such as "127\.0\.0\.1:9000" or "\[::1\]:9000" \(got "h:0"\)/);
        refuses(() => route({ to: 'h:65536' }), 'routes[0].to', /must be host:port.*\(got "h:65536"\)/);
        refuses(() => route({ to: '[1.2.3.4]:80' }), 'routes[0].to', /must be host:port/);
        refuses(() => route({ to: 'h' }), 'routes[0].to', /must be host:port/);
        refuses(() => route({ to: [] }), 'routes[0].to', /must be host:port, or a non-empty list of them/);
        refuses(() => route({ to: 9000 }), 'routes[0].to', /must be host:port, or a non-empty list of them/);
        refuses(() => route({ to: ['h:1', 'h:0'] }), 'routes[0].to[1]', /must be host:port.*\(got "h:0"\)/);
        refuses(() => route({ to: ['h:1', 5] }), 'routes[0].to[1]', /must be host:port.*\(got 5\)/);
      });

      it('a URI routed twice in one mode is refused (case aside); in another mode it is a second route', () => {
        refuses(
          () => validateConfig({ routes: [{ uri: 'net.tcp://+:808/a/', to: 'h:1' }, { uri: 'NET.TCP://+:808/A/', to: 'h:2' }] }),
          'routes[1].uri',
          /routes "NET\.TCP:\/\/\+:808\/A\/" a second time/,
        );
        expect(validateConfig({ routes: [{ uri: 'net.tcp://+:808/a/', to: 'h:1' }, { uri: 'net.tcp://+:808/a/', to: 'h:2', hostNameComparisonMode: 'Exact' }] }).routes).toHaveLength(2);
      });
    });

    it('$schema and // may hold anything: the daemon skips them', () => {
      expect(validateConfig({ $schema: 5, '//': ['a', { b: 1 }] })).toEqual(defaultConfig());
    });
  });

  describe('checkConfigOnHost: what the file alone cannot tell', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pscfg-host-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const check = (config: Record<string, unknown>) =>
      checkConfigOnHost(validateConfig(config), { source: 'test.json', defaultLogFile: join(dir, 'logs', 'portshare.log') });
    const rejects = refusedConfig;

    it('a log file that cannot be written is refused with log.file', async () => {
      writeFileSync(join(dir, 'a-file'), '');
      mkdirSync(join(dir, 'a-folder'), { recursive: true });
      await rejects(check({ log: { file: join(dir, 'a-file', 'portshare.log') } }), 'log.file', /ENOTDIR/);
      await rejects(check({ log: { file: join(dir, 'a-folder') } }), 'log.file', /EISDIR/);
      // The default file is checked too, and named as the default.
      await rejects(
        checkConfigOnHost(validateConfig({}), { source: 'test.json', defaultLogFile: join(dir, 'a-file', 'x.log') }),
        'log.file',
        /unset: the instance's log file/,
      );
      await expect(check({ log: { file: join(dir, 'new', 'deeper', 'portshare.log') } })).resolves.toBeUndefined();
      await expect(check({ log: { file: '-' } })).resolves.toBeUndefined();
      await expect(check({})).resolves.toBeUndefined();
    });

    it('a metrics host that does not resolve, or is not ours, is refused with metrics.host', async () => {
      await rejects(check({ metrics: { port: 9100, host: 'no-such-host.invalid' } }), 'metrics.host', /does not resolve .*getaddrinfo ENOTFOUND/);
      // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine. bind() only, no packet.
      await rejects(check({ metrics: { port: 9100, host: '192.0.2.1' } }), 'metrics.host', /not an address of this machine \(EADDRNOTAVAIL\)/);
      await expect(check({ metrics: { port: 9100, host: '127.0.0.1' } })).resolves.toBeUndefined();
      // Without a port there is no endpoint, so nothing to check.
      await expect(check({ metrics: { host: 'no-such-host.invalid' } })).resolves.toBeUndefined();
    });
  });
});


describe('releaseConfigValidator', () => {
  it("lets Ajv's modules go after a validation, and validating again loads them again", () => {
    const require = createRequire(import.meta.url);
    const ajvRoot = dirname(require.resolve('ajv/package.json'));
    const loaded = (): number => Object.keys(require.cache).filter((id) => id.startsWith(ajvRoot)).length;
    validateConfig({ maxPendingConnections: 5 });
    expect(loaded()).toBeGreaterThan(0);
    releaseConfigValidator();
    expect(loaded()).toBe(0);
    expect(validateConfig({ maxPendingConnections: 7 }).maxPendingConnections).toBe(7);
    expect(() => validateConfig({ maxPendingConnections: 0 })).toThrow(/'maxPendingConnections' must be an integer from 1 to 1000000/);
    expect(loaded()).toBeGreaterThan(0);
  });
});
