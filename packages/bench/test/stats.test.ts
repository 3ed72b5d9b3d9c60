import { describe, expect, it } from 'vitest';
import { median, percentile, SampleBuffer, sorted } from '../src/stats.js';

describe('percentile (nearest rank)', () => {
  const s = sorted([5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);

  it('returns a measured value: the smallest with at least p % at or below it', () => {
    expect(percentile(s, 50)).toBe(5);
    expect(percentile(s, 99)).toBe(10);
    expect(percentile(s, 10)).toBe(1);
    expect(percentile(s, 11)).toBe(2);
    expect(percentile(s, 100)).toBe(10);
  });

  it('handles one sample and none', () => {
    expect(percentile(sorted([42]), 1)).toBe(42);
    expect(percentile(sorted([42]), 99)).toBe(42);
    expect(percentile(sorted([]), 50)).toBeNaN();
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });
});

describe('SampleBuffer', () => {
  it('grows past its first allocation and summarizes every sample', () => {
    const b = new SampleBuffer();
    for (let i = 1; i <= 5000; i++) b.push(5001 - i);
    expect(b.length).toBe(5000);
    expect(b.summary()).toEqual({ p50: 2500, p99: 4950 });
  });
});
