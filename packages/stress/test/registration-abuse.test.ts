// Registration abuse: malformed, oversized and ill-shaped control messages, URIs over the limit,
// 10,000 registrations, a register/unregister flood, and a user not on the allow list.
import { describe, expect, it } from 'vitest';
import {
  controlVectors,
  controlVectorsCriteria,
  floodCriteria,
  manyRegistrationsCriteria,
  runControlVectors,
  runManyRegistrations,
  runRegistrationFlood,
  runUnlistedUser,
  unlistedUserCriteria,
  type ControlVectorsReport,
  type UnlistedUserReport,
} from '../src/scenarios/registration-abuse.js';
import { rootAvailable } from '../src/util.js';
import { expectCriterion } from './criteria.js';

const vectorNames = controlVectors({
  port: 1,
  receiverPath: '/r',
  otherWorkerSocket: '/o',
  otherRegistrationId: 1,
  regularFile: '/f',
  maxControlMessageBytes: 10_000,
}).map((v) => v.name);

describe('malformed, oversized and ill-shaped control messages', () => {
  let report: ControlVectorsReport | undefined;
  const run = async (): Promise<ControlVectorsReport> => {
    report ??= await runControlVectors();
    return report;
  };

  it.each(vectorNames)('%s: answered as the protocol says', async (name) => {
    const v = (await run()).results.find((x) => x.name === name);
    expect(v, name).toBeDefined();
    expect(v?.observed).toMatchObject({ code: v?.expected.code, closed: v?.expected.closes });
    if (v?.expected.message !== undefined) expect(v.observed.message).toBe(v.expected.message);
    if (v?.expected.messageIncludes !== undefined) expect(v.observed.message).toContain(v.expected.messageIncludes);
  });

  it('the daemon keeps routing after them', async () => expectCriterion(controlVectorsCriteria(await run()), 'the daemon keeps routing'));
});

describe('10,000 registrations', () => {
  it('are served, the next is refused with the quota text, routing stays right, and all are released with their connection', async () => {
    const criteria = manyRegistrationsCriteria(await runManyRegistrations({ count: 10_000 }));
    expectCriterion(criteria, '10000 registrations served');
    expectCriterion(criteria, "the registration past maxRegistrations refused with WCF's quota text");
    expectCriterion(criteria, 'routing right with every registration in place');
    expectCriterion(criteria, 'every registration released with its connection');
  });

  it('with the daemon limited to 1024 open files: 2,000 registrations of one worker cost one descriptor, routing goes on', async () => {
    const criteria = manyRegistrationsCriteria(await runManyRegistrations({ count: 2000, openFilesLimit: 1024 }));
    expectCriterion(criteria, 'registrations under an open-files limit of 1024 served, or refused with a clear error');
    expectCriterion(criteria, 'every registration released with its connection');
    expectCriterion(criteria, 'the daemon keeps routing with its descriptors taken by registrations');
  });
});

describe('a flood of register/unregister from 8 connections', () => {
  it('serves or refuses each clearly, keeps routing, and balances its books', async () => {
    const criteria = floodCriteria(await runRegistrationFlood({ connections: 8, iterations: 500 }));
    expectCriterion(criteria, 'each register/unregister served or refused with a clear error');
    expectCriterion(criteria, 'the daemon keeps routing during the flood');
    expectCriterion(criteria, 'the books balance after the flood');
  });
});

describe.skipIf(!rootAvailable('unlisted user'))('a user not on the allow list', () => {
  let report: UnlistedUserReport | undefined;
  const run = async (): Promise<UnlistedUserReport> => {
    report ??= await runUnlistedUser();
    return report;
  };

  for (const name of [
    "a user not on the allow list is refused with WCF's text",
    'requests whose answers are never read do not grow the daemon without bound',
    'the daemon keeps routing during the reply flood',
    'a user not on the allow list cannot take every control connection from workers',
    'the daemon keeps routing while the control connections are held',
  ]) {
    it(name, async () => expectCriterion(unlistedUserCriteria(await run()), name));
  }
});
