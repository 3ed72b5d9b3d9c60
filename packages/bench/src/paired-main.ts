#!/usr/bin/env node
// `pnpm --filter @portshare/bench paired [--pairs N] [--seconds S]`: direct against fd hand-off
// in many alternating short pairs, with a 95 % interval on each ratio (paired.ts).
import { parseArgs } from 'node:util';
import { runPaired } from './paired.js';

const { values } = parseArgs({ options: { pairs: { type: 'string' }, seconds: { type: 'string' }, concurrency: { type: 'string' } } });
const whole = (name: string, text: string | undefined, fallback: number, max: number): number => {
  const n = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name} must be a whole number from 1 to ${max} (got ${text})`);
  return n;
};
const pairs = whole('pairs', values.pairs, 20, 1000);
const seconds = whole('seconds', values.seconds, 2, 60);
const concurrency = whole('concurrency', values.concurrency, 32, 1024);
const t0 = Date.now();
const results = await runPaired({ pairs, durationMs: seconds * 1000, concurrency }, (line) =>
  process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`),
);
process.stdout.write(`| metric | pairs | median | geometric mean | 95 % interval | pairs the hand-off won |\n|---|---:|---:|---:|---:|---:|\n`);
for (const r of results) {
  process.stdout.write(
    `| ${r.metric} | ${r.ratios.length} | ${r.median.toFixed(3)} | ${r.geometricMean.toFixed(3)} | ${r.ci95[0].toFixed(3)}–${r.ci95[1].toFixed(3)} | ${r.handoffBetter} |\n`,
  );
}
