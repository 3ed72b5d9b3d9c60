// The daemon restarted (--takeover), reloaded by SIGHUP and by --reload, under a closed loop of
// short sessions and with long sessions in the worker's hands: nothing refused, reset or lost.
import { describe, expect, it } from 'vitest';
import { restartCriteria, runRestart, type RestartReport } from '../src/scenarios/restart.js';
import { expectCriterion } from './criteria.js';

const WAYS = ['takeover', 'sighup', 'reload'] as const;

describe('a seamless restart under load', () => {
  let report: RestartReport | undefined;
  const run = async (): Promise<RestartReport> => {
    report ??= await runRestart({ concurrency: 16, settleMs: 500, longSessions: 50 });
    return report;
  };

  it('replaced the daemon each round', async () => {
    const r = await run();
    expect(r.rounds.map((x) => x.way)).toEqual([...WAYS]);
    for (const x of r.rounds) expect(x.newPid).not.toBe(x.previousPid);
  });

  for (const way of WAYS) {
    it(`${way}: no client refused, reset or lost`, async () => expectCriterion(restartCriteria(await run()), `${way}: no client refused, reset or lost`));
    // The rate (at least MIN_SESSIONS_PER_SECOND) is a criterion of the long run (`pnpm stress`),
    // not of this test, which shares the machine with the other scenarios: here the load only has
    // to have been there through the restart.
    it(`${way}: clients kept calling through the restart`, async () => {
      const round = (await run()).rounds.find((x) => x.way === way)!;
      expect(round.load.ok).toBeGreaterThan(100);
    });
    it(`${way}: every handed-off session finished, and the worker kept its registration`, async () =>
      expectCriterion(restartCriteria(await run()), `${way}: every handed-off session finished, and the worker kept its registration`));
  }
});
