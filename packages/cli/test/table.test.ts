import { describe, expect, it } from 'vitest';
import { formatUptime, renderTable } from '../src/index.js';

describe('renderTable', () => {
  it('aligns columns under an upper-case header, right-aligns numbers and shows missing cells as -', () => {
    const rows = [
      { name: 'alpha', n: 1, note: 'x' },
      { name: 'b', n: 1234, note: undefined },
    ];
    const text = renderTable(
      [
        { header: 'name', value: (r: (typeof rows)[number]) => r.name },
        { header: 'n', value: (r) => r.n, right: true },
        { header: 'note', value: (r) => r.note },
      ],
      rows,
    );
    expect(text.split('\n')).toEqual(['NAME      N  NOTE', 'alpha     1  x', 'b      1234  -']);
  });
});

describe('formatUptime', () => {
  it.each([
    [0, '0s'],
    [59, '59s'],
    [60, '1m 00s'],
    [3599, '59m 59s'],
    [3600, '1h 00m'],
    [86_399, '23h 59m'],
    [86_400, '1d 0h'],
    [90_061, '1d 1h'],
  ])('%i s is %s', (s, text) => {
    expect(formatUptime(s)).toBe(text);
  });
});
