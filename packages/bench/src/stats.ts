/**
 * Order statistics over measured samples. Percentiles are nearest-rank (the smallest sample with at
 * least p % of the samples at or below it), so every figure reported is a value that was measured.
 */

/** Sorts a copy, ascending. */
export function sorted(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** The p-th percentile (0 < p ≤ 100) of ascending samples; NaN when there are none. */
export function percentile(ascending: ArrayLike<number>, p: number): number {
  const n = ascending.length;
  if (n === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * n);
  return ascending[Math.min(n, Math.max(1, rank)) - 1]!;
}

/** The median: the mean of the two middle values for an even count; NaN for none. */
export function median(values: ArrayLike<number>): number {
  const s = sorted(values);
  const n = s.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A growable store of latency samples in microseconds, kept as float64 without boxing. */
export class SampleBuffer {
  #data = new Float64Array(1024);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(value: number): void {
    if (this.#length === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#length++] = value;
  }

  /** p50 and p99 of the samples so far. */
  summary(): { p50: number; p99: number } {
    const s = this.#data.subarray(0, this.#length).slice().sort();
    return { p50: percentile(s, 50), p99: percentile(s, 99) };
  }
}
