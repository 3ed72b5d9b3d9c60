// WCF out and ref parameters against Mono's WCF, both ways: the TypeScript client calls the stock
// Mono ServiceHost (csharp/TestService.cs), and the stock Mono client (csharp/TestClient.cs)
// calls a TypeScript ServiceHost through the sharing daemon. The operations are ITest's Divide
// (out), Swap (two refs), Concat (out and ref) and Older (a ref data contract, an out array);
// every value is checked where it was sent, where it was received and where it came back.
import { ServiceHost } from '@portshare/host';
import {
  type ClientProxy,
  createClient,
  FaultException,
  type InstanceOf,
  implement,
  INTERNAL_SERVICE_FAULT_REASON,
  type ServiceImplementation,
} from '@portshare/soap';
import { connectSession, type ClientSession } from '@portshare/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChildProgram,
  canonDouble,
  canonList,
  canonPerson,
  canonString,
  compileCSharp,
  freePort,
  type Person,
  type PrivateDaemon,
  skipWithout,
  startMono,
  startPrivateDaemon,
} from '../src/index.js';
import { ask, hex } from './helpers.js';
import { ITestOutRef } from './out-ref-contract.js';

type PersonValue = InstanceOf<typeof Person>;

const ann: PersonValue = { Name: 'Ann ✓', Age: 60, Scores: [1.5, -0.1, Number.MAX_VALUE], Address: { Street: null, City: 'Oslo', Zip: 150 } };
const bob: PersonValue = { Name: null, Age: 10, Scores: null, Address: null };

const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const DISPATCHER = 'http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher';

describe.skipIf(skipWithout('mcs', 'mono'))('out and ref parameters: the TypeScript client calls a stock Mono WCF service', () => {
  let monoService: ChildProgram | undefined;
  let session: ClientSession | undefined;
  let proxy: ClientProxy<typeof ITestOutRef>;

  /** The next call the Mono service prints: [operation, session, ...canonical arguments]. */
  async function nextReceived(): Promise<string[]> {
    return (await monoService!.nextLine(/^recv\t/)).split('\t').slice(1);
  }

  beforeAll(async () => {
    const programs = compileCSharp();
    const uri = `net.tcp://localhost:${await freePort()}/interop/test`;
    monoService = startMono(programs.testService, [uri]);
    await monoService.nextLine(/^ready$/);
    session = await connectSession(uri);
    proxy = createClient(ITestOutRef, session, { operationTimeout: 30_000 });
  });

  afterAll(async () => {
    await session?.close().catch(() => session?.abort());
    if (monoService) {
      monoService.endInput();
      await monoService.waitForExit().catch(() => monoService?.stop());
    }
  });

  it('int Divide(int a, int b, out int remainder): the result and the out value', async () => {
    expect(await proxy.Divide(7, 2)).toEqual({ result: 3, remainder: 1 });
    expect(await nextReceived()).toEqual(['Divide', '1', '7', '2']);
    // C#'s integer division truncates, and the remainder takes the dividend's sign.
    expect(await proxy.Divide(-7, 2)).toEqual({ result: -3, remainder: -1 });
    expect(await nextReceived()).toEqual(['Divide', '1', '-7', '2']);
    expect(await proxy.Divide(2147483647, 1000)).toEqual({ result: 2147483, remainder: 647 });
    expect(await nextReceived()).toEqual(['Divide', '1', '2147483647', '1000']);
  });

  it('void Swap(ref string x, ref string y): both ref values come back, null and non-ASCII among them', async () => {
    expect(await proxy.Swap('left', 'right')).toEqual({ x: 'right', y: 'left' });
    expect(await nextReceived()).toEqual(['Swap', '1', canonString('left'), canonString('right')]);
    expect(await proxy.Swap(null, 'ü ✓')).toEqual({ x: 'ü ✓', y: null });
    expect(await nextReceived()).toEqual(['Swap', '1', canonString(null), canonString('ü ✓')]);
    expect(await proxy.Swap('', null)).toEqual({ x: null, y: '' });
    expect(await nextReceived()).toEqual(['Swap', '1', canonString(''), canonString(null)]);
  });

  it('string Concat(string a, out int length, ref int counter): the result, the out value and the ref value', async () => {
    expect(await proxy.Concat('ab', 41)).toEqual({ result: 'ab#42', length: 5, counter: 42 });
    expect(await nextReceived()).toEqual(['Concat', '1', canonString('ab'), '41']);
    // C#'s null + "#" is "#".
    expect(await proxy.Concat(null, -1)).toEqual({ result: '#0', length: 2, counter: 0 });
    expect(await nextReceived()).toEqual(['Concat', '1', canonString(null), '-1']);
  });

  it('bool Older(ref Person person, int years, out double[] scores): a ref data contract and an out array', async () => {
    expect(await proxy.Older(ann, 7)).toEqual({ result: true, person: { ...ann, Age: 67 }, scores: ann.Scores });
    expect(await nextReceived()).toEqual(['Older', '1', canonPerson(ann), '7']);
    expect(await proxy.Older(bob, 1)).toEqual({ result: false, person: { ...bob, Age: 11 }, scores: null });
    expect(await nextReceived()).toEqual(['Older', '1', canonPerson(bob), '1']);
    expect(await proxy.Older(null, 1)).toEqual({ result: false, person: null, scores: null });
    expect(await nextReceived()).toEqual(['Older', '1', canonPerson(null), '1']);
  });

  it("an exception in an operation with out parameters is Mono's fault of last resort, and the session goes on", async () => {
    const err = await proxy.Divide(1, 0).catch((e: unknown) => e);
    expect(await nextReceived()).toEqual(['Divide', '1', '1', '0']);
    expect(err).toBeInstanceOf(FaultException);
    expect((err as FaultException).faultCode.name).toBe('InternalServiceFault');
    expect(await proxy.Divide(9, 4)).toEqual({ result: 2, remainder: 1 });
    expect(await nextReceived()).toEqual(['Divide', '1', '9', '4']);
  });

  it('overlapping calls with out and ref values on one session', async () => {
    const results = await Promise.all([proxy.Divide(10, 3), proxy.Swap('a', 'b'), proxy.Concat('x', 0), proxy.Divide(11, 5)]);
    expect(results).toEqual([{ result: 3, remainder: 1 }, { x: 'b', y: 'a' }, { result: 'x#1', length: 3, counter: 1 }, { result: 2, remainder: 1 }]);
    expect(await Promise.all(Array.from({ length: 4 }, () => nextReceived()))).toEqual([
      ['Divide', '1', '10', '3'],
      ['Swap', '1', canonString('a'), canonString('b')],
      ['Concat', '1', canonString('x'), '0'],
      ['Divide', '1', '11', '5'],
    ]);
  });
});

/** One call the TypeScript service received: the operation and its arguments' canonical texts. */
interface Received {
  readonly operation: string;
  readonly args: readonly string[];
}

/** The TypeScript twin of TestService.cs's out and ref operations, recording what it receives. */
function serviceOf(received: Received[]): ServiceImplementation<typeof ITestOutRef> {
  return {
    Divide: (a, b) => {
      received.push({ operation: 'Divide', args: [String(a), String(b)] });
      // As C#: DivideByZeroException, an unhandled error, so the client gets the fault of last resort.
      if (b === 0) throw new RangeError('Attempted to divide by zero.');
      return { result: Math.trunc(a / b), remainder: a % b };
    },
    Swap: (x, y) => {
      received.push({ operation: 'Swap', args: [canonString(x), canonString(y)] });
      return { x: y, y: x };
    },
    Concat: async (a, counter) => {
      received.push({ operation: 'Concat', args: [canonString(a), String(counter)] });
      const result = `${a ?? ''}#${counter + 1}`;
      return { result, length: result.length, counter: counter + 1 };
    },
    Older: (person, years) => {
      received.push({ operation: 'Older', args: [canonPerson(person), String(years)] });
      if (person === null) return { result: false, person: null, scores: null };
      const older = { ...person, Age: person.Age + years };
      return { result: older.Age >= 65, person: older, scores: person.Scores };
    },
  };
}

describe.skipIf(skipWithout('mcs', 'mono'))('out and ref parameters: a stock Mono WCF client calls the TypeScript service through the daemon', () => {
  let daemon: PrivateDaemon | undefined;
  let host: ServiceHost | undefined;
  let client: ChildProgram | undefined;
  const received: Received[] = [];
  const errors: unknown[] = [];

  beforeAll(async () => {
    const programs = compileCSharp();
    daemon = await startPrivateDaemon();
    const uri = `net.tcp://localhost:${await freePort()}/interop/test`;
    host = await ServiceHost.open({ address: uri, portSharingEnabled: true, home: daemon.home, services: [implement(ITestOutRef, serviceOf(received))] });
    host.on('operationError', (error) => errors.push(error));
    client = startMono(programs.testClient, [uri]);
  });

  afterAll(async () => {
    if (client) {
      client.endInput();
      await client.waitForExit().catch(() => client?.stop());
    }
    await host?.close();
    await daemon?.stop();
  });

  /** What the Mono client printed for one command, and the calls the service received meanwhile. */
  async function call(label: string, ...command: string[]): Promise<{ result: string[]; calls: Received[] }> {
    const before = received.length;
    const result = await ask(client!, label, ...command);
    return { result, calls: received.slice(before) };
  }

  it('Divide: Mono reads the result and the out value', async () => {
    expect(await call('divide', 'divide', '7', '2')).toEqual({ result: ['ok', '3', '1'], calls: [{ operation: 'Divide', args: ['7', '2'] }] });
    expect(await call('divide negative', 'divide', '-7', '2')).toEqual({ result: ['ok', '-3', '-1'], calls: [{ operation: 'Divide', args: ['-7', '2'] }] });
  });

  it('Swap: Mono reads both ref values, null and non-ASCII among them', async () => {
    expect(await call('swap', 'swap', hex('left'), hex('right'))).toEqual({
      result: ['ok', hex('right'), hex('left')],
      calls: [{ operation: 'Swap', args: [hex('left'), hex('right')] }],
    });
    expect(await call('swap null', 'swap', '~', hex('ü ✓'))).toEqual({
      result: ['ok', hex('ü ✓'), '~'],
      calls: [{ operation: 'Swap', args: ['~', hex('ü ✓')] }],
    });
  });

  it('Concat: Mono reads the result, the out value and the ref value', async () => {
    expect(await call('concat', 'concat', hex('ab'), '41')).toEqual({
      result: ['ok', hex('ab#42'), '5', '42'],
      calls: [{ operation: 'Concat', args: [hex('ab'), '41'] }],
    });
  });

  it('Older: Mono reads the result, the ref data contract and the out array', async () => {
    expect(await call('older', 'older', canonPerson(ann), '7')).toEqual({
      result: ['ok', 'true', canonPerson({ ...ann, Age: 67 }), canonList(ann.Scores, canonDouble)],
      calls: [{ operation: 'Older', args: [canonPerson(ann), '7'] }],
    });
    expect(await call('older bob', 'older', canonPerson(bob), '1')).toEqual({
      result: ['ok', 'false', canonPerson({ ...bob, Age: 11 }), '~'],
      calls: [{ operation: 'Older', args: [canonPerson(bob), '1'] }],
    });
    expect(await call('older null', 'older', '~', '1')).toEqual({
      result: ['ok', 'false', '~', '~'],
      calls: [{ operation: 'Older', args: ['~', '1'] }],
    });
  });

  it('an exception in an operation with an out parameter reaches Mono as the fault of last resort, and the session goes on', async () => {
    const { result, calls } = await call('divide by zero', 'divide', '1', '0');
    expect(calls).toEqual([{ operation: 'Divide', args: ['1', '0'] }]);
    expect(result).toEqual(['fault', hex('Receiver'), hex(SOAP12), hex('InternalServiceFault'), hex(DISPATCHER), hex(INTERNAL_SERVICE_FAULT_REASON)]);
    expect(errors).toEqual([expect.any(RangeError)]);
    expect((await call('divide after fault', 'divide', '9', '4')).result).toEqual(['ok', '2', '1']);
  });

  it('the client closes its session cleanly', async () => {
    client!.endInput();
    await client!.nextLine(/^closed$/);
    expect(await client!.waitForExit()).toEqual({ code: 0, signal: null });
    expect(errors).toHaveLength(1);
  });
});
