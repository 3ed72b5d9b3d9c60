import { describe, expect, it } from 'vitest';
import { median, percentile, SampleBuffer, sorted } from '../src/stats.js';
import { summarizePaired } from '../src/paired.js';

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

describe('summarizePaired', () => {
  it('gives the geometric mean and an interval that holds it, the same for the same seed', () => {
    const ratios = [0.95, 1.02, 0.99, 1.04, 0.97, 1.01, 1.0, 0.98, 1.03, 0.96];
    const a = summarizePaired('x', ratios, true);
    expect(a.geometricMean).toBeCloseTo(Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length), 12);
    expect(a.ci95[0]).toBeLessThan(a.geometricMean);
    expect(a.ci95[1]).toBeGreaterThan(a.geometricMean);
    expect(a.ci95[0]).toBeGreaterThan(0.97);
    expect(a.ci95[1]).toBeLessThan(1.02);
    expect(summarizePaired('x', ratios, true)).toEqual(a);
    expect(a.handoffBetter).toBe(4);
    expect(summarizePaired('x', ratios, false).handoffBetter).toBe(5);
  });

  it('an interval that leaves 1 out when every pair goes one way', () => {
    const r = summarizePaired('x', [0.9, 0.92, 0.91, 0.93, 0.9, 0.92], true);
    expect(r.ci95[1]).toBeLessThan(1);
    expect(r.median).toBeCloseTo(0.915, 12);
  });
});
