// A burst: 1,000 well-behaved clients connect at the same moment against the daemon's defaults
// (the long run, `pnpm stress`, sends 5,000 from five processes). The daemon reads at most
// maxPendingConnections at once, routes the others at once on probation (each sends its whole
// preamble with its first write), lets at most as many wait for the worker and leaves the rest in
// the listen backlog; none may be aborted.
import { describe, expect, it } from 'vitest';
import { burstCriteria, runBurst, type BurstReport } from '../src/scenarios/burst.js';
import { expectCriterion } from './criteria.js';

describe('a burst of 1,000 clients against the defaults', () => {
  let report: BurstReport | undefined;
  const run = async (): Promise<BurstReport> => {
    report ??= await runBurst({ clients: 1000, deadlineMs: 30_000 });
    return report;
  };

  it('opens every connection at once, more than the pending table holds', async () => {
    const r = await run();
    // connect() called for all 1,000 within a second, against 100 pending slots.
    expect(r.issuedMs).toBeLessThan(1000);
    expect(r.daemon.maxPendingConnections).toBe(100);
    expect(r.daemon.accepted).toBeGreaterThan(r.daemon.maxPendingConnections);
  });

  for (const name of [
    'all 1,000 clients acknowledged within 30 s',
    'none closed without a byte',
    'maxPendingConnections holds',
    'hand-offs waiting for the worker stay under the per-worker queue limit',
    'no crash',
  ]) {
    it(name, async () => expectCriterion(burstCriteria(await run()), name));
  }
});
