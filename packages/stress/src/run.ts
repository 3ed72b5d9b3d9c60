#!/usr/bin/env node
/**
 * `pnpm stress`: every reliability and security scenario at full length, one after another, with
 * its figures printed and written to results/latest.json (with the machine they came from). Exits
 * 1 when a criterion fails.
 *
 *   node dist/run.js [--only fuzz,stalled,slow,edge,burst,churn,worker-kill,daemon-kill,restart,abuse,privileges]
 *                    [--fuzz-inputs N] [--out path]
 *
 * @module
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { failures, machineFacts, type Criterion } from './report.js';
import { burstCriteria, runBurst } from './scenarios/burst.js';
import { churnCriteria, runChurn } from './scenarios/churn.js';
import { daemonKillCriteria, runDaemonKill } from './scenarios/daemon-kill.js';
import { restartCriteria, runRestart } from './scenarios/restart.js';
import { fuzzCriteria, runFuzz } from './scenarios/fuzz.js';
import { privilegesCriteria, runPrivileges } from './scenarios/privileges.js';
import {
  controlVectorsCriteria,
  floodCriteria,
  manyRegistrationsCriteria,
  runControlVectors,
  runManyRegistrations,
  runRegistrationFlood,
  runUnlistedUser,
  unlistedUserCriteria,
} from './scenarios/registration-abuse.js';
import { pendingEdgeCriteria, runPendingEdge } from './scenarios/pending-edge.js';
import { runSlowClients, slowClientsCriteria } from './scenarios/slow-clients.js';
import { runStalledWorker, stalledWorkerCriteria } from './scenarios/stalled-worker.js';
import { runWorkerKill, workerKillCriteria } from './scenarios/worker-kill.js';
import { rootAvailable } from './util.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

const only = arg('--only')?.split(',');
const fuzzInputs = Number(arg('--fuzz-inputs') ?? 1_000_000);
const out = arg('--out') ?? fileURLToPath(new URL('../results/latest.json', import.meta.url));

interface Entry {
  options: unknown;
  durationMs: number;
  report: unknown;
  criteria: Criterion[];
}

const results: Record<string, Entry> = {};
const started = Date.now();

async function scenario<R>(key: string, title: string, options: unknown, run: () => Promise<R>, criteria: (r: R) => Criterion[]): Promise<void> {
  if (only !== undefined && !only.includes(key.split(':')[0] as string)) return;
  process.stdout.write(`\n== ${title}\n`);
  const t = performance.now();
  const report = await run();
  const durationMs = Math.round(performance.now() - t);
  const list = criteria(report);
  results[key] = { options, durationMs, report, criteria: list };
  for (const c of list) process.stdout.write(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}\n        ${c.detail}\n`);
  process.stdout.write(`  (${(durationMs / 1000).toFixed(1)} s)\n`);
  save();
}

function save(): void {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ machine: machineFacts(), durationMs: Date.now() - started, results }, null, 2)}\n`);
}

const fuzzOptions = { inputs: fuzzInputs, concurrency: 200 };
await scenario(
  'fuzz',
  `Fuzzing: ${fuzzInputs.toLocaleString('en')} inputs over real sockets`,
  fuzzOptions,
  () =>
    runFuzz({
      ...fuzzOptions,
      onProgress: (done, total) => {
        if (done % Math.max(1, Math.floor(total / 10)) === 0) process.stdout.write(`  ${done.toLocaleString('en')}/${total.toLocaleString('en')}\n`);
      },
    }),
  fuzzCriteria,
);
await scenario('stalled', 'A stalled worker, and clients that leave while their hand-off waits', {}, () => runStalledWorker(), stalledWorkerCriteria);
const slowLong = { attackers: 1000, trickleEveryMs: 2000, measureMs: 20_000 };
await scenario(
  'slow:default',
  'Slow clients: 1,000 against the defaults (receiveTimeout 30 s, maxPendingConnections 100, deferAcceptSeconds 1)',
  slowLong,
  () => runSlowClients(slowLong),
  slowClientsCriteria,
);
await scenario(
  'slow:nodefer',
  'Slow clients: 1,000 with deferAcceptSeconds 0 (every one reaches the pending table at once; probation alone)',
  { ...slowLong, deferAcceptSeconds: 0 },
  () => runSlowClients({ ...slowLong, deferAcceptSeconds: 0 }),
  slowClientsCriteria,
);
await scenario(
  'slow:raised',
  'Slow clients: 1,000 with maxPendingConnections 2000',
  { ...slowLong, maxPendingConnections: 2000 },
  () => runSlowClients({ ...slowLong, maxPendingConnections: 2000 }),
  slowClientsCriteria,
);
const edgeLong = { receiveTimeoutMs: 30_000, maxPendingConnections: 100, evictionMinAgeMs: 1000 };
await scenario(
  'edge',
  'maxPendingConnections, probation, receiveTimeout, pendingEvictionMinAgeMs and the hand-off cap at their edges (defaults: 100, 30 s, 1 s)',
  edgeLong,
  () => runPendingEdge(edgeLong),
  pendingEdgeCriteria,
);
const burstLong = { clients: 5000 };
await scenario('burst', 'A burst: 5,000 well-behaved clients at once, against the defaults', burstLong, () => runBurst(burstLong), burstCriteria);
const churnLong = { attackers: 300, minLifeMs: 20, maxLifeMs: 500, measureMs: 20_000 };
await scenario(
  'churn:default',
  'Churn: 300 silent connections, each closed after 20–500 ms and replaced at once, against the defaults (deferAcceptSeconds 1)',
  churnLong,
  () => runChurn(churnLong),
  churnCriteria,
);
await scenario(
  'churn:nodefer',
  'Churn: the same with deferAcceptSeconds 0 (the attack fills the pending table; probation alone)',
  { ...churnLong, daemonConfig: { deferAcceptSeconds: 0 } },
  () => runChurn({ ...churnLong, daemonConfig: { deferAcceptSeconds: 0 } }),
  churnCriteria,
);
const killOptions = { connections: 100_000 };
await scenario('worker-kill', 'A worker killed under load (100,000 connections)', killOptions, () => runWorkerKill(killOptions), workerKillCriteria);
const daemonKillOptions = { sessions: 1000, downtimesMs: [0, 1000, 3500, 10_000] };
await scenario('daemon-kill', 'The daemon killed under load, restarted after 0, 1, 3.5 and 10 s', daemonKillOptions, () => runDaemonKill(daemonKillOptions), daemonKillCriteria);
const restartOptions = { concurrency: 16, settleMs: 2000, longSessions: 200 };
await scenario('restart', 'Restart, SIGHUP and reload under load: a new daemon takes the sockets over', restartOptions, () => runRestart(restartOptions), restartCriteria);
await scenario('abuse:vectors', 'Registration abuse: malformed, oversized and ill-shaped control messages', {}, () => runControlVectors(), controlVectorsCriteria);
await scenario('abuse:many', 'Registration abuse: 10,000 registrations', { count: 10_000 }, () => runManyRegistrations({ count: 10_000 }), manyRegistrationsCriteria);
await scenario(
  'abuse:fd-limit',
  'Registration abuse: 2,000 registrations against a daemon limited to 1,024 open files',
  { count: 2000, openFilesLimit: 1024 },
  () => runManyRegistrations({ count: 2000, openFilesLimit: 1024 }),
  manyRegistrationsCriteria,
);
const floodOptions = { connections: 16, iterations: 5000 };
await scenario('abuse:flood', 'Registration abuse: register/unregister flood (16 × 5,000)', floodOptions, () => runRegistrationFlood(floodOptions), floodCriteria);
if (rootAvailable('unlisted user')) {
  const unlistedOptions = { floodRequests: 1_000_000 };
  await scenario('abuse:unlisted', 'Registration abuse: a user not on the allow list', unlistedOptions, () => runUnlistedUser(unlistedOptions), unlistedUserCriteria);
}
if (rootAvailable('privileges')) {
  await scenario('privileges', 'Privileges: root on port 808, running on as nobody', {}, () => runPrivileges(), (r) => privilegesCriteria(r));
}

save();
const failed = Object.entries(results).flatMap(([key, e]) => failures(e.criteria).map((f) => `${key}: ${f}`));
process.stdout.write(`\n${Object.keys(results).length} scenarios in ${((Date.now() - started) / 1000).toFixed(0)} s; figures in ${out}\n`);
if (failed.length > 0) {
  process.stdout.write(`${failed.length} criteria failed:\n${failed.map((f) => `  - ${f.slice(0, 300)}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write('every criterion held\n');
