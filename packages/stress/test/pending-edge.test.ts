// The daemon's admission limits at their edges, with a 2 s receiveTimeout (the long run, `pnpm
// stress`, uses the default 30 s): maxPendingConnections slots, probation when they are all taken,
// pendingEvictionMinAgeMs, receiveTimeout, and the cap on hand-offs waiting for a worker.
import { describe, expect, it } from 'vitest';
import { AT_ONCE_MS, EDGE_SLACK_MS, pendingEdgeCriteria, PROBATION_MS, runPendingEdge, type PendingEdgeReport } from '../src/scenarios/pending-edge.js';
import { expectCriterion } from './criteria.js';

describe('maxPendingConnections, probation, receiveTimeout, pendingEvictionMinAgeMs and the hand-off cap at their edges', () => {
  let report: PendingEdgeReport | undefined;
  const run = async (): Promise<PendingEdgeReport> => {
    report ??= await runPendingEdge({ maxPendingConnections: 100, receiveTimeoutMs: 2000, edgeMarginMs: 400, waitMs: 500, evictionMinAgeMs: 1000 });
    return report;
  };

  it('holds exactly maxPendingConnections silent connections (deferAcceptSeconds 0)', async () => {
    const r = await run();
    expect(r.pendingAtLimit).toBe(100);
    expectCriterion(pendingEdgeCriteria(r), 'exactly maxPendingConnections held');
  });

  it('when full, hands off a newcomer whose first write is its whole preamble at once, without a slot', async () => {
    const r = await run();
    // On probation: its first read holds its routing point, so it is routed without taking a slot.
    expect(r.whileFull.whole.acknowledged).toBe(true);
    expect(r.whileFull.whole.answeredMs).toBeLessThan(AT_ONCE_MS);
    expect(r.whileFull.pendingAfter).toBe(100);
    expectCriterion(pendingEdgeCriteria(r), 'when full, a newcomer with its whole preamble');
  });

  it('when full of younger connections, closes one with part of its preamble at once and a silent one after its probation, without a byte, counted', async () => {
    const r = await run();
    const w = r.whileFull;
    expect(w.partial).toMatchObject({ acknowledged: false, bytes: 0, closed: true });
    expect(w.partial.answeredMs).toBeLessThan(AT_ONCE_MS);
    expect(w.silent).toMatchObject({ acknowledged: false, bytes: 0, closed: true });
    expect(w.silent.answeredMs).toBeGreaterThanOrEqual(PROBATION_MS - EDGE_SLACK_MS);
    // Both counted as dispatch failures (SMSvcHost's abort when full); no held one disturbed.
    expect(w.dispatchFailures).toBe(2);
    expect(w.protocolFailures).toBe(0);
    expect(w.heldClosed).toBe(0);
    expectCriterion(pendingEdgeCriteria(r), 'when full of younger connections');
  });

  it('cuts the held ones at receiveTimeout; a routing point 400 ms before it is handed off, 400 ms after it is not', async () => {
    const r = await run();
    // Held ones are cut by the one receiveTimeout timer (docs/protocol.md §2 step 5), not before and not long after.
    expect(r.heldCutMs[0]).toBeGreaterThanOrEqual(2000 - EDGE_SLACK_MS);
    expect(r.heldCutMs[1]).toBeLessThanOrEqual(2000 + 1000);
    // A routing point reached 400 ms before the timeout is handed off (the worker acknowledges);
    // one 400 ms after it is not: the connection was already closed.
    expect(r.beforeTimeoutAcknowledged).toBe(true);
    expect(r.afterTimeout.bytes).toBe(0);
    expect(r.afterTimeout.closedMs).toBeLessThan(2000 + 400);
  });

  it('a newcomer without its routing point evicts the oldest silent connection once it is pendingEvictionMinAgeMs old, not before', async () => {
    const r = await run();
    const e = r.eviction;
    // Before: the held ones are younger than 1 s, so the newcomer is closed and nobody is evicted.
    expect(e.earlyAgeMs).toBeLessThan(1000 - EDGE_SLACK_MS);
    expect(e.early).toMatchObject({ bytes: 0, closed: true });
    expect(e.evictedByEarly).toBe(0);
    // After: exactly one held connection gives up its slot, at once, and the newcomer is served.
    expect(e.evicted).toBe(1);
    expect(e.evictedBytes).toBe(0);
    expect(e.evictedAtMs[0]).toBeGreaterThanOrEqual(1000 - EDGE_SLACK_MS);
    expect(e.acknowledged).toBe(true);
    expectCriterion(pendingEdgeCriteria(r), 'a newcomer without its routing point evicts');
  });

  it('stops accepting once maxPendingConnections hand-offs wait for a stopped worker; the next clients wait in the listen backlog and are served when it resumes', async () => {
    const r = await run();
    const h = r.handOffs;
    expect(h.waitingInDaemon).toBeGreaterThanOrEqual(100);
    // Not accepted, not answered, not closed, not counted: the kernel holds them, as SMSvcHost's.
    expect(h.acceptedWhileFull).toBe(0);
    expect(h.failuresCounted).toBe(0);
    for (const f of h.pastLimit) expect(f).toMatchObject({ bytes: 0, closed: false });
    expect(h.acknowledgedAfterResume).toBe(h.clients);
    expectCriterion(pendingEdgeCriteria(r), 'hand-offs waiting for a stopped worker reach');
    expectCriterion(pendingEdgeCriteria(r), 'and every one is served');
  });

  it('keeps the hand-offs waiting for the worker under the per-worker queue limit', async () => {
    const r = await run();
    // Clients arrive 25 at a time, so some are still being read when accepting stops at 100: they
    // may join the waiting hand-offs, never past the queue limit (1,200), where clients are aborted.
    expect(r.handOffs.waitingInDaemon).toBeLessThanOrEqual(1200);
    expect(r.handOffs.waitingInDaemonAfter).toBeLessThanOrEqual(1200);
    expectCriterion(pendingEdgeCriteria(r), 'hand-offs waiting for the worker stay under');
  });
});
