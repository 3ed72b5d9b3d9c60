/**
 * The good clients' side of an attack scenario: what a batch of well-behaved sessions got, and the
 * issue's floor on their rate under attack.
 *
 * @module
 */

import type { SessionOutcome } from './clients.js';
import type { CpuFigures } from './proc.js';
import { percentile, round } from './util.js';

/** The issue's floor on the good clients' rate under attack, relative to the rate without. */
export const MIN_RATE_RATIO = 0.8;

/** The worker SDK's code for a connection the server closed before answering the preamble. */
const CLOSED_UNANSWERED = 'SESSION_ERR_CONNECTION_CLOSED';

export interface GoodClientFigures {
  sessions: number;
  ok: number;
  failed: number;
  /** Sessions whose connection was closed before any answer (no PreambleAck, no fault). */
  closedWithoutAByte: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: Record<string, number>;
}

export function goodFigures(results: readonly SessionOutcome[], ms: number): GoodClientFigures {
  const ok = results.filter((r) => r.ok);
  const errors: Record<string, number> = {};
  for (const r of results) if (!r.ok) errors[r.error ?? '?'] = (errors[r.error ?? '?'] ?? 0) + 1;
  return {
    sessions: results.length,
    ok: ok.length,
    failed: results.length - ok.length,
    closedWithoutAByte: results.filter((r) => !r.ok && !r.acknowledged && r.error === CLOSED_UNANSWERED).length,
    perSecond: round(ok.length / (ms / 1000), 1),
    p50Ms: round(percentile(ok.map((r) => r.ms), 50), 2),
    p99Ms: round(percentile(ok.map((r) => r.ms), 99), 2),
    errors,
  };
}

/** The good clients' rate under attack relative to the rate without (0 when there was none without). */
export function rateRatio(baseline: GoodClientFigures, underAttack: GoodClientFigures): number {
  return round(baseline.perSecond > 0 ? underAttack.perSecond / baseline.perSecond : 0, 3);
}

/** "machine 1.9, daemon 0.4, …, others 0.1" (cores), for a criterion's detail. */
export function cpuSummary(cpu: CpuFigures): string {
  return `machine ${cpu.machine}, daemon ${cpu.ours['daemon'] ?? 0}, worker ${cpu.ours['worker'] ?? 0}, this process ${cpu.ours['scenario'] ?? 0}, interrupts ${cpu.interrupts}, others ${cpu.others}`;
}
