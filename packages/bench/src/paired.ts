import { seededRandom } from '@portshare/framing/testing';
import { measureRtt } from './harness.js';
import { fullOptions } from './options.js';
import { BenchSetup } from './setup.js';
import { median } from './stats.js';

/*
 * Is a connection slower after an fd hand-off than a directly accepted one? After the hand-off the
 * daemon is not on the path, so any difference is noise or a property of the passed socket. One
 * 4 s sample varies by ±15 % on a shared 2-core machine, so a few rounds cannot tell; this runs
 * many short pairs, direct and hand-off back to back (which goes first alternates, so a slow drift
 * favours neither), and puts a confidence interval on the ratio.
 */

export interface PairedOptions {
  pairs: number;
  durationMs: number;
  /** Round trips at this many connections (the bench's msg/s ×N), and at one (RTT p50). */
  concurrency: number;
  /** Bootstrap resamples for the interval, and the seed of its generator (the report is repeatable). */
  resamples?: number;
  seed?: number;
}

export interface PairedMetric {
  metric: string;
  /** hand-off / direct per pair, in the order run. */
  ratios: number[];
  median: number;
  /** exp(mean of ln ratio): the ratio's geometric mean. */
  geometricMean: number;
  /** 95 % percentile-bootstrap interval of that geometric mean. */
  ci95: [number, number];
  /** Pairs in which the hand-off did better. */
  handoffBetter: number;
}

/**
 * The geometric mean of `ratios` and its 95 % percentile-bootstrap interval (Efron & Tibshirani,
 * "An Introduction to the Bootstrap", ch. 13): resample the pairs with replacement, take each
 * resample's mean log ratio, read the 2.5th and 97.5th percentiles. No distribution is assumed.
 * `higherIsBetter` says which way "the hand-off did better" counts.
 */
export function summarizePaired(metric: string, ratios: readonly number[], higherIsBetter: boolean, resamples = 10_000, seed = 1): PairedMetric {
  const logs = ratios.map((r) => Math.log(r));
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  // Seeded, so the same ratios always give the same interval.
  const random = seededRandom(seed);
  const means = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) {
    let sum = 0;
    for (let j = 0; j < logs.length; j++) sum += logs[Math.floor(random() * logs.length)]!;
    means[i] = sum / logs.length;
  }
  means.sort();
  const at = (q: number): number => Math.exp(means[Math.min(resamples - 1, Math.floor(q * resamples))]!);
  return {
    metric,
    ratios: [...ratios],
    median: median(ratios),
    geometricMean: Math.exp(mean(logs)),
    ci95: [at(0.025), at(0.975)],
    handoffBetter: ratios.filter((r) => (higherIsBetter ? r > 1 : r < 1)).length,
  };
}

/** Runs the pairs on a direct listener and a hand-off daemon of one worker process. */
export async function runPaired(options: PairedOptions, log: (line: string) => void): Promise<PairedMetric[]> {
  const o = { ...fullOptions(), rttDurationMs: options.durationMs };
  const setup = await BenchSetup.start({ configurations: ['direct', 'handoff'], fdLimit: o.fdLimit, readyTimeoutMs: o.readyTimeoutMs });
  const msgs: number[] = [];
  const p50s: number[] = [];
  try {
    const direct = setup.endpoint('direct');
    const handoff = setup.endpoint('handoff');
    for (let i = 0; i < options.pairs; i++) {
      const order = i % 2 === 0 ? [direct, handoff] : [handoff, direct];
      const many = new Map<string, number>();
      const one = new Map<string, number>();
      for (const e of order) many.set(e.name, (await measureRtt(e, options.concurrency, o)).msgPerSec);
      for (const e of order.reverse()) one.set(e.name, (await measureRtt(e, 1, o)).p50Us);
      msgs.push(many.get(handoff.name)! / many.get(direct.name)!);
      p50s.push(one.get(handoff.name)! / one.get(direct.name)!);
      log(`pair ${i + 1}/${options.pairs}: msg/s ×${options.concurrency} ${msgs.at(-1)!.toFixed(3)}, RTT p50 ${p50s.at(-1)!.toFixed(3)}`);
    }
  } finally {
    await setup.stop();
  }
  const { resamples, seed } = options;
  return [
    summarizePaired(`round trips/s ×${options.concurrency}, hand-off / direct`, msgs, true, resamples, seed),
    summarizePaired('RTT p50 at one connection, hand-off / direct (lower is better)', p50s, false, resamples, seed),
  ];
}
