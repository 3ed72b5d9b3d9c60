// Slow clients: 1,000 connections that send nothing or one byte at a time, against the daemon's
// receiveTimeout and maxPendingConnections, while good clients keep connecting. The long run
// (`pnpm stress`) uses the default 30 s receiveTimeout and also reports the good clients' rate.
import { describe, expect, it } from 'vitest';
import { runPendingEdge, runSlowClients, slowClientsCriteria, type SlowClientsReport } from '../src/scenarios/slow-clients.js';
import { expectCriterion } from './criteria.js';

// Short in CI: a 3 s receiveTimeout, a byte every 500 ms, 3 s of measuring each way.
const short = { receiveTimeoutMs: 3000, trickleEveryMs: 500, measureMs: 3000 };

describe('maxPendingConnections and receiveTimeout at their edges', () => {
  it('holds exactly maxPendingConnections, aborts the next at once, cuts the held ones at receiveTimeout', async () => {
    const r = await runPendingEdge({ maxPendingConnections: 100, receiveTimeoutMs: 2000, edgeMarginMs: 400 });
    expect(r.pendingAtLimit).toBe(100);
    // One past the limit: accepted and closed without a byte, counted as a dispatch failure (§2.3 step 1).
    expect(r.pastLimitClosedMs).toBeLessThan(500);
    expect(r.dispatchFailuresCounted).toBe(1);
    // Held ones are cut by the one receiveTimeout timer (§2.3 step 5), not before and not long after.
    expect(r.heldCutMs[0]).toBeGreaterThanOrEqual(2000 - 50);
    expect(r.heldCutMs[1]).toBeLessThanOrEqual(2000 + 1000);
    // A routing point reached 400 ms before the timeout is handed off (the worker acknowledges);
    // one 400 ms after it is not: the connection was already closed.
    expect(r.beforeTimeoutAcknowledged).toBe(true);
    expect(r.afterTimeout.bytes).toBe(0);
    expect(r.afterTimeout.closedMs).toBeLessThan(2000 + 400);
  });
});

describe.each([
  { name: 'the default maxPendingConnections (100)', maxPendingConnections: undefined },
  { name: 'maxPendingConnections (2000) above the attack', maxPendingConnections: 2000 },
])('1,000 slow connections with $name', ({ maxPendingConnections }) => {
  let report: SlowClientsReport | undefined;
  const run = async (): Promise<SlowClientsReport> => {
    report ??= await runSlowClients({ ...short, attackers: 1000, maxPendingConnections });
    return report;
  };

  for (const name of ['receiveTimeout holds', 'maxPendingConnections holds', 'good clients served during the attack', 'no crash']) {
    it(name, async () => expectCriterion(slowClientsCriteria(await run()), name));
  }
});
