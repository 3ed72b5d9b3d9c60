// The daemon killed (SIGKILL) under load, restarted at once and after 3.5 s.
import { describe, expect, it } from 'vitest';
import { daemonKillCriteria, runDaemonKill, type DaemonKillReport } from '../src/scenarios/daemon-kill.js';
import { expectCriterion } from './criteria.js';

describe('the daemon killed under load', () => {
  let report: DaemonKillReport | undefined;
  const run = async (): Promise<DaemonKillReport> => {
    report ??= await runDaemonKill({ sessions: 200, messagesPerSession: 20, gapMs: 50, downtimesMs: [0, 3500] });
    return report;
  };

  it('had sessions in the workers\' hands when the daemon died, each round', async () => {
    const r = await run();
    expect(r.rounds.map((x) => x.downtimeMs)).toEqual([0, 3500]);
    for (const x of r.rounds) expect(x.handedOff).toBe(200);
  });

  for (const downtime of [0, 3500]) {
    it(`loses no handed-off connection (restart after ${downtime} ms)`, async () =>
      expectCriterion(daemonKillCriteria(await run()), `no handed-off connection lost (restart after ${downtime} ms)`));
    it(`has every worker registered again within 2 s of the restart (restart after ${downtime} ms)`, async () =>
      expectCriterion(daemonKillCriteria(await run()), `every worker registered again within 2000 ms of the restart (restart after ${downtime} ms)`));
  }
});
