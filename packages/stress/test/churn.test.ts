// Churn: 300 silent connections, each closed by the attacker (a process of its own) after 20–500
// ms and replaced at once, while good clients keep opening sessions: against the defaults, where
// TCP_DEFER_ACCEPT keeps every one of them in the kernel (the pending table never fills), and with
// deferAcceptSeconds 0, where they fill it and probation alone keeps the door open. The long run
// (`pnpm stress`) measures 20 s each way and judges the good clients' rate (≥ 80 % of the rate
// without the attack); here 3 s each way, and the rate is only reported.
import { describe, it } from 'vitest';
import { churnCriteria, runChurn, type ChurnReport } from '../src/scenarios/churn.js';
import { expectCriterion } from './criteria.js';

describe.each([
  { name: 'the defaults (deferAcceptSeconds 1)', daemonConfig: {} },
  { name: 'deferAcceptSeconds 0 (probation alone)', daemonConfig: { deferAcceptSeconds: 0 } },
])('churn: 300 silent connections reconnecting as fast as they can, against $name', ({ daemonConfig }) => {
  let report: ChurnReport | undefined;
  const run = async (): Promise<ChurnReport> => {
    report ??= await runChurn({ attackers: 300, minLifeMs: 20, maxLifeMs: 500, measureMs: 3000, warmupMs: 500, daemonConfig });
    return report;
  };

  for (const name of [
    '300 silent connections kept in flight',
    'maxPendingConnections holds',
    'good clients served during the attack',
    'no descriptor leaked in the daemon once the attack stopped',
    'no crash',
  ]) {
    it(name, async () => expectCriterion(churnCriteria(await run()), name));
  }
});
