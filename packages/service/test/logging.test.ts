// The log's building blocks against real files: the sink that never throws (on /dev/full every
// write fails with ENOSPC, as on a full disk), the sanitiser, and the per-connection rate limit.
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, validateConfig } from '../src/config.js';
import { ConnectionLog, connectionLogFor, logConnectionEvent } from '../src/connection-log.js';
import { createCounters, prometheusText } from '../src/counters.js';
import { ServiceErrorCodes } from '../src/errors.js';
import { LogSink } from '../src/log-sink.js';
import { sanitizeText, sanitizeValue } from '../src/log-sanitize.js';
import { bindServiceLog, createLogger, logSinkOf } from '../src/logger.js';

const dir = mkdtempSync(join(tmpdir(), 'pslog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const lines = (file: string): Record<string, unknown>[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('LogSink', () => {
  it.runIf(existsSync('/dev/full'))('counts lines it cannot write (ENOSPC) and never throws', () => {
    const fd = openSync('/dev/full', 'w');
    const sink = new LogSink(fd, { owned: true });
    const counters = createCounters();
    sink.useCounters(counters);
    const log = pino({ base: null }, sink);
    for (let i = 0; i < 1000; i++) expect(() => log.info({ i }, 'line')).not.toThrow();
    expect(counters.logWriteFailures).toBe(1000);
    expect(prometheusText(counters)).toMatch(/^portshare_log_write_failures_total 1000$/m);
    sink.close();
  });

  it.runIf(existsSync('/dev/full'))('carries failures counted before it was bound to the service counters', () => {
    const fd = openSync('/dev/full', 'w');
    const sink = new LogSink(fd, { owned: true });
    sink.write('x\n');
    sink.write('y\n');
    const counters = createCounters();
    sink.useCounters(counters);
    sink.write('z\n');
    expect(counters.logWriteFailures).toBe(3);
    sink.close();
  });

  it('writes whole lines to a file, synchronously', () => {
    const file = join(dir, 'whole.log');
    const log = createLogger({ ...defaultConfig(), log: { ...defaultConfig().log, file } }, join(dir, 'unused.log'));
    log.info({ a: 1 }, 'first');
    log.warn('second');
    expect(lines(file).map((r) => r['msg'])).toEqual(['first', 'second']); // no flush needed
    expect(logSinkOf(log)?.writeFailures).toBe(0);
  });

  it('refuses a log file that cannot be opened, naming log.file', () => {
    const c = validateConfig({ log: { file: join('/proc/version', 'x.log') } });
    expect(() => createLogger(c, '/unused')).toThrowError(expect.objectContaining({ code: ServiceErrorCodes.BadConfig, message: expect.stringContaining("'log.file'") }));
  });
});

describe('sanitizeText', () => {
  it('leaves a short clean string alone', () => {
    expect(sanitizeText('net.tcp://localhost:9000/calculator/4381', 256)).toBe('net.tcp://localhost:9000/calculator/4381');
    expect(sanitizeText('héllo wörld', 256)).toBe('héllo wörld');
  });

  it('escapes what a reader must not see raw, and doubles backslashes', () => {
    const raw = 'a\u2028b\u2029c\u202ed\u2066e\u009bf\u001bg\u007fh\\i\ufeffj\ud800k';
    expect(sanitizeText(raw, 256)).toBe('a\\u2028b\\u2029c\\u202ed\\u2066e\\x9bf\\x1bg\\x7fh\\\\i\\ufeffj\\ud800k');
  });

  it('cuts to maxBytes on a character boundary and says how long the original was', () => {
    const out = sanitizeText('x'.repeat(2048), 256);
    expect(out).toBe(`${'x'.repeat(256)}…[cut, 2048 bytes in all]`);
    // Two-byte characters are never split.
    const wide = sanitizeText('é'.repeat(200), 255);
    expect(wide.startsWith('é'.repeat(127) + '…')).toBe(true);
    // Escapes count at their written size and are never split either.
    const escaped = sanitizeText('\u2028'.repeat(100), 20);
    expect(escaped).toBe(`${'\\u2028'.repeat(3)}…[cut, 300 bytes in all]`);
  });

  it('turns bytes that are not UTF-8 into U+FFFD, and errors into their type, code and message', () => {
    expect(sanitizeValue(Buffer.from([0x61, 0xff, 0xfe, 0x62]), 64)).toBe('a\ufffd\ufffdb');
    expect(sanitizeValue(Buffer.alloc(3000, 0x41), 16)).toBe(`${'A'.repeat(16)}…[cut, 3000 bytes in all]`);
    const err = Object.assign(new Error(`bad via ${'v'.repeat(500)}\u2028`), { code: 'NMF_ERR_VIA_NOT_URI' });
    const shown = sanitizeValue(err, 32) as Record<string, string>;
    expect(shown).toEqual({ type: 'Error', code: 'NMF_ERR_VIA_NOT_URI', message: `bad via ${'v'.repeat(24)}…[cut, 511 bytes in all]` });
    expect(sanitizeValue({ nested: 'x'.repeat(100) }, 16)).toBe('{"nested":"xxxxx…[cut, 113 bytes in all]');
    expect(sanitizeValue(42, 16)).toBe(42);
    expect(sanitizeValue(null, 16)).toBe(null);
  });
});

describe('ConnectionLog', () => {
  function fileLogger(name: string, level = 'info') {
    const file = join(dir, name);
    const config = { ...defaultConfig(), log: { ...defaultConfig().log, level: level as 'info', file } };
    return { file, log: createLogger(config, '/unused') };
  }

  it('writes linesPerSecond lines a second, then one summary per message saying how many it left out', async () => {
    const { file, log } = fileLogger('flood.log');
    const counters = createCounters();
    const clog = new ConnectionLog(log, { maxFieldBytes: 64, linesPerSecond: 5, counters });
    for (let i = 0; i < 1000; i++) clog.event('info', { connectionId: i, via: `net.tcp://x/${'a'.repeat(300)}` }, 'no registration for via');
    for (let i = 0; i < 10; i++) clog.event('warn', { connectionId: i }, 'other');
    expect(lines(file)).toHaveLength(5);
    await new Promise((r) => setTimeout(r, 1100));
    const all = lines(file);
    expect(all).toHaveLength(7);
    expect(all.slice(5)).toEqual([
      expect.objectContaining({ level: 30, suppressed: 995, msg: 'no registration for via (995 more lines like this suppressed in the last second)' }),
      expect.objectContaining({ level: 40, suppressed: 10, msg: 'other (10 more lines like this suppressed in the last second)' }),
    ]);
    expect(counters.logLinesSuppressed).toBe(1005);
    // Fields were cut.
    expect(String(all[0]!['via'])).toMatch(/^net\.tcp:\/\/x\/a+…\[cut, 312 bytes in all\]$/);
    expect(Buffer.byteLength(String(all[0]!['via']).split('…')[0]!)).toBe(64);
    // A new second: lines are written again.
    expect(clog.event('info', { connectionId: 1 }, 'again')).toBe(true);
  });

  it('caps the distinct summaries a second', () => {
    const { file, log } = fileLogger('distinct.log');
    const clog = new ConnectionLog(log, { linesPerSecond: 0 });
    for (let i = 0; i < 100; i++) clog.event('info', {}, `message ${i}`);
    clog.flush();
    const all = lines(file);
    expect(all).toHaveLength(32);
    expect(all[31]).toMatchObject({ suppressed: 69, msg: 'other per-connection lines (69 more lines like this suppressed in the last second)' });
  });

  it('skips lines below the level without spending the allowance', () => {
    const { file, log } = fileLogger('level.log', 'info');
    const clog = new ConnectionLog(log, { linesPerSecond: 1 });
    for (let i = 0; i < 50; i++) expect(clog.event('debug', { i }, 'quiet')).toBe(false);
    expect(clog.event('info', {}, 'loud')).toBe(true);
    expect(lines(file).map((r) => r['msg'])).toEqual(['loud']);
  });

  it('logConnectionEvent shares one allowance between a logger and its children, with the service limits', () => {
    const { file, log } = fileLogger('children.log');
    const counters = createCounters();
    bindServiceLog(log, { ...defaultConfig().log, perConnectionLinesPerSecond: 3, maxLineFieldBytes: 16 }, counters);
    const child = log.child({ listener: '0.0.0.0:9000' });
    expect(connectionLogFor(child)).toBe(connectionLogFor(log));
    for (let i = 0; i < 4; i++) logConnectionEvent(child, 'info', { via: 'v'.repeat(40) }, 'no route');
    for (let i = 0; i < 4; i++) logConnectionEvent(log, 'info', { via: 'w' }, 'no route');
    const all = lines(file);
    expect(all).toHaveLength(3);
    expect(all[0]).toMatchObject({ listener: '0.0.0.0:9000', via: `${'v'.repeat(16)}…[cut, 40 bytes in all]` });
    expect(counters.logLinesSuppressed).toBe(5);
    connectionLogFor(log).flush();
    expect(lines(file)[3]).toMatchObject({ suppressed: 5 });
  });
});
