import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatLogLine, readLastLines } from '../src/index.js';

const dir = mkdtempSync('/tmp/psl-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readLastLines', () => {
  // Lines whose ends fall on both sides of the 64 KiB chunk boundaries, with multi-byte characters.
  const lines = Array.from({ length: 300 }, (_, i) => `${i} ${'é€'.repeat((i * 37) % 700)} end`);
  const file = join(dir, 'big.log');
  writeFileSync(file, lines.join('\n') + '\n');

  it.each([0, 1, 2, 50, 299, 300, 301, 1000])('returns the last %i lines exactly', (n) => {
    const { lines: got, end } = readLastLines(file, n);
    expect(got).toEqual(n === 0 ? [] : lines.slice(-n));
    expect(end).toBe(Buffer.byteLength(lines.join('\n') + '\n'));
  });

  it('keeps a last line that has no newline yet', () => {
    const f = join(dir, 'partial.log');
    writeFileSync(f, 'a\nb\nc');
    expect(readLastLines(f, 2).lines).toEqual(['b', 'c']);
    expect(readLastLines(f, 5).lines).toEqual(['a', 'b', 'c']);
  });

  it('returns nothing for an empty file', () => {
    const f = join(dir, 'empty.log');
    writeFileSync(f, '');
    expect(readLastLines(f, 10)).toEqual({ lines: [], end: 0 });
  });
});

describe('formatLogLine', () => {
  it('shows a structured record as time, level, message and fields', () => {
    const line = JSON.stringify({ level: 50, time: 0, pid: 9, hostname: 'h', msg: 'failed to listen', uri: 'net.tcp://a:1/x', err: { code: 'EADDRINUSE' } });
    expect(formatLogLine(line)).toBe('1970-01-01T00:00:00.000Z ERROR failed to listen uri=net.tcp://a:1/x err={"code":"EADDRINUSE"}');
  });

  it('quotes values with spaces and leaves other text alone', () => {
    expect(formatLogLine(JSON.stringify({ level: 30, time: 0, msg: 'm', why: 'two words' }))).toBe('1970-01-01T00:00:00.000Z INFO  m why="two words"');
    expect(formatLogLine('plain text')).toBe('plain text');
    expect(formatLogLine('[1,2]')).toBe('[1,2]');
  });
});
