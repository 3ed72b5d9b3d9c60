// Fuzzing over real sockets: generated preambles and records against the daemon's sniffer and a
// NetTcpServer worker's decoders (the long run sends 1,000,000: `pnpm stress`).
import { describe, expect, it } from 'vitest';
import { fuzzCriteria, runFuzz, type FuzzReport } from '../src/scenarios/fuzz.js';
import { runStalledWorker, stalledWorkerCriteria } from '../src/scenarios/stalled-worker.js';
import { expectCriterion } from './criteria.js';

describe('fuzzing the daemon and a worker over real sockets', () => {
  let report: FuzzReport | undefined;
  const run = async (): Promise<FuzzReport> => {
    // 100 at a time: the long run's 200 also fills the worker's hand-off queue, which the stalled
    // worker test below covers on its own, deterministically.
    report ??= await runFuzz({ inputs: 20_000, concurrency: 100 });
    return report;
  };

  it('sends 20,000 inputs of every family', async () => {
    const r = await run();
    expect(Object.values(r.families).reduce((a, b) => a + b, 0)).toBe(20_000);
    expect(Object.keys(r.families).sort()).toEqual(['corpus', 'preamble-mutation', 'random', 'record-mutation']);
    // Every kind of answer occurs: drops, the daemon's and the worker's faults, sessions.
    for (const kind of ['drop', 'ack', 'fault:EndpointNotFound', 'fault:ContentTypeInvalid', 'fault:UpgradeInvalid']) expect(r.outcomes[kind], kind).toBeGreaterThan(0);
  });

  for (const name of [
    'every input dropped or faulted as the rules say',
    'no hang',
    'no crash',
    'memory bounded',
    'no descriptor leaked in the daemon',
    'the daemon served good clients throughout',
    "the daemon's counters agree with the model",
  ]) {
    it(name, async () => expectCriterion(fuzzCriteria(await run()), name));
  }
});

describe('a stalled worker, and clients that leave while their hand-off waits', () => {
  it('keeps the worker registered and delivers every waiting connection', async () => {
    const r = await runStalledWorker();
    const criteria = stalledWorkerCriteria(r);
    expectCriterion(criteria, 'clients that leave while their hand-off waits do not cost the worker its registration');
    expectCriterion(criteria, 'every waiting connection reaches the worker when it resumes');
  });
});
