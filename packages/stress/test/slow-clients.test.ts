// Slow clients: 1,000 connections that send nothing or one byte at a time, against the daemon's
// receiveTimeout and maxPendingConnections, while good clients keep connecting: at the defaults
// (TCP_DEFER_ACCEPT holds a silent connection in the kernel for a second), with deferAcceptSeconds
// 0 (every slow connection reaches the pending table at once), and with more slots than attackers.
// The long run (`pnpm stress`) uses the default 30 s receiveTimeout and also judges the good
// clients' rate. The limits at their edges are in pending-edge.test.ts.
import { describe, it } from 'vitest';
import { runSlowClients, slowClientsCriteria, type SlowClientsReport } from '../src/scenarios/slow-clients.js';
import { expectCriterion } from './criteria.js';

// Short in CI: a 3 s receiveTimeout, a byte every 500 ms, 3 s of measuring each way.
const short = { receiveTimeoutMs: 3000, trickleEveryMs: 500, measureMs: 3000 };

describe.each([
  { name: 'the defaults (maxPendingConnections 100, deferAcceptSeconds 1)', maxPendingConnections: undefined, deferAcceptSeconds: undefined },
  { name: 'deferAcceptSeconds 0 (probation alone)', maxPendingConnections: undefined, deferAcceptSeconds: 0 },
  { name: 'maxPendingConnections (2000) above the attack', maxPendingConnections: 2000, deferAcceptSeconds: undefined },
])('1,000 slow connections with $name', ({ maxPendingConnections, deferAcceptSeconds }) => {
  let report: SlowClientsReport | undefined;
  const run = async (): Promise<SlowClientsReport> => {
    report ??= await runSlowClients({ ...short, attackers: 1000, maxPendingConnections, deferAcceptSeconds });
    return report;
  };

  for (const name of ['receiveTimeout holds', 'maxPendingConnections holds', 'good clients served during the attack', 'no crash']) {
    it(name, async () => expectCriterion(slowClientsCriteria(await run()), name));
  }
});
