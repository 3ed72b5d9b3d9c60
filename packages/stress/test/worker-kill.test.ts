// A worker killed (SIGKILL) under load, over 10,000 connections.
import { describe, expect, it } from 'vitest';
import { runWorkerKill, workerKillCriteria, type WorkerKillReport } from '../src/scenarios/worker-kill.js';
import { expectCriterion } from './criteria.js';

describe('a worker killed under load', () => {
  let report: WorkerKillReport | undefined;
  const run = async (): Promise<WorkerKillReport> => {
    report ??= await runWorkerKill({ connections: 10_000 });
    return report;
  };

  it('runs 10,000 connections through two workers', async () => {
    const r = await run();
    expect(r.connections).toBeGreaterThanOrEqual(10_000);
    expect(r.workerA.ok + r.workerA.failed + r.workerB.ok + r.workerB.failed).toBe(10_000);
  });

  for (const name of [
    'its routes gone within 100 ms',
    'its queued connections aborted',
    'other workers unaffected',
    "the dead worker's URI answers EndpointNotFound until it is back",
    'no descriptor leaked in the daemon',
  ]) {
    it(name, async () => expectCriterion(workerKillCriteria(await run()), name));
  }
});
