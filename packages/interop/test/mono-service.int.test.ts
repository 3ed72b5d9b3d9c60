// Issue 5, direction 2: the TypeScript client (createClient over connectSession) calls a stock
// Mono WCF ServiceHost (csharp/TestService.cs, NetTcpBinding with SecurityMode.None, listening on
// its own port: Mono has no sharing service). The Mono service prints each call it receives; every
// value is compared three ways: sent, received by Mono, returned to TypeScript.
import { createClient, FaultException, type ClientProxy } from '@portshare/soap';
import { connectSession, type ClientSession } from '@portshare/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BAD_INPUT,
  type ChildProgram,
  canon,
  canonString,
  compileCSharp,
  ECHO_CASES,
  type EchoCase,
  EchoOperations,
  freePort,
  ITest,
  LARGE_MESSAGE_CHARS,
  LARGE_MESSAGE_QUOTA,
  largeText,
  sha256,
  skipWithout,
  startMono,
  TYPED_FAULT_REASON,
} from '../src/index.js';

type Proxy = ClientProxy<typeof ITest>;

/**
 * Two runs: the client's default session-string budget, and a small one, so the client's writer
 * runs out of session strings after a few requests and writes the rest of the names inline
 * ([MC-NBFSE] 2.1), which Mono must read as well.
 */
const RUNS = [{ writerSessionSize: undefined }, { writerSessionSize: 256 }] as const;

const TITLE = 'the TypeScript client calls a stock Mono WCF service (writerSessionSize $writerSessionSize)';

describe.skipIf(skipWithout('mcs', 'mono')).each(RUNS)(TITLE, (run) => {
  let monoService: ChildProgram | undefined;
  let session: ClientSession | undefined;
  let proxy: Proxy;
  let uri = '';
  let port = 0;

  /** Opens a session and a client with the raised quotas. */
  async function open(): Promise<{ session: ClientSession; proxy: Proxy }> {
    const s = await connectSession(uri, { maxMessageSize: LARGE_MESSAGE_QUOTA });
    const p = createClient(ITest, s, {
      quotas: { maxReceivedMessageSize: LARGE_MESSAGE_QUOTA, maxStringContentLength: LARGE_MESSAGE_QUOTA, maxArrayLength: LARGE_MESSAGE_QUOTA },
      operationTimeout: 30_000,
      ...(run.writerSessionSize !== undefined ? { writerSessionSize: run.writerSessionSize } : {}),
    });
    return { session: s, proxy: p };
  }

  /** The next line the Mono service prints for a received call: [operation, session, ...args]. */
  async function nextReceived(): Promise<string[]> {
    return (await monoService!.nextLine(/^recv\t/)).split('\t').slice(1);
  }

  beforeAll(async () => {
    const programs = compileCSharp();
    port = await freePort();
    uri = `net.tcp://localhost:${port}/interop/test`;
    monoService = startMono(programs.testService, [uri, String(LARGE_MESSAGE_QUOTA)]);
    await monoService.nextLine(/^ready$/);
    ({ session, proxy } = await open());
  });

  afterAll(async () => {
    await session?.close().catch(() => session?.abort());
    if (monoService) {
      monoService.endInput();
      await monoService.waitForExit().catch(() => monoService?.stop());
    }
  });

  describe('echo: sent, received and returned values agree', () => {
    for (const c of ECHO_CASES) {
      it(c.label, async () => {
        const expected = canon(c.type, c.value);
        const result = await echo(proxy, c);
        expect(canon(c.type, result as never)).toBe(expected);
        expect(await nextReceived()).toEqual([EchoOperations[c.type], '1', expected]);
      });
    }
  });

  it('FaultException with a code and a reason is thrown as FaultException', async () => {
    const err = await proxy.Fail('bad input: ü').catch((e: unknown) => e);
    expect(await nextReceived()).toEqual(['Fail', '1', canonString('bad input: ü')]);
    expect(err).toBeInstanceOf(FaultException);
    const fault = err as FaultException;
    expect(fault.reason).toBe('bad input: ü');
    // Mono writes the top code as a bare "Sender" (no s: prefix, so no namespace), docs/protocol.md §12.
    expect(fault.faultCode.name).toBe('Sender');
    expect(fault.faultCode.subcode).toEqual(BAD_INPUT);
  });

  it('FaultException<MyFault> is thrown with its typed detail', async () => {
    const err = await proxy.FailTyped(42, 'bad').catch((e: unknown) => e);
    expect(await nextReceived()).toEqual(['FailTyped', '1', '42', canonString('bad')]);
    expect(err).toBeInstanceOf(FaultException);
    const fault = err as FaultException;
    expect(fault.reason).toBe(TYPED_FAULT_REASON);
    expect(fault.detail).toEqual({ Code: 42, Reason: 'bad' });
    expect(fault.faultCode.name).toBe('Sender');
  });

  it("an unhandled exception in the service is Mono's InternalServiceFault, and the session goes on", async () => {
    const err = await proxy.DivInt(1, 0).catch((e: unknown) => e);
    expect(await nextReceived()).toEqual(['DivInt', '1', '1', '0']);
    expect(err).toBeInstanceOf(FaultException);
    // Mono's fault of last resort: the code a:InternalServiceFault, its own reason text (docs/protocol.md §12).
    expect((err as FaultException).faultCode.name).toBe('InternalServiceFault');
    expect((err as FaultException).reason).toMatch(/^The server was unable to process the request due to an internal error\./);
    expect(await proxy.DivInt(7, 2)).toBe(3);
    expect(await nextReceived()).toEqual(['DivInt', '1', '7', '2']);
  });

  it('overlapping calls on one session, faults among them (Mono sends faults without RelatesTo)', async () => {
    const outcomes = await Promise.allSettled([
      proxy.EchoInt(1),
      proxy.Fail('first'),
      proxy.EchoInt(2),
      proxy.FailTyped(7, 'second'),
      proxy.EchoInt(3),
    ]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as FaultException).reason))).toEqual([
      1,
      'first',
      2,
      TYPED_FAULT_REASON,
      3,
    ]);
    expect((outcomes[3] as PromiseRejectedResult).reason).toMatchObject({ detail: { Code: 7, Reason: 'second' } });
    const seen = await Promise.all(Array.from({ length: 5 }, () => nextReceived()));
    expect(seen).toEqual([
      ['EchoInt', '1', '1'],
      ['Fail', '1', canonString('first')],
      ['EchoInt', '1', '2'],
      ['FailTyped', '1', '7', canonString('second')],
      ['EchoInt', '1', '3'],
    ]);
  });

  it('a one-way call, then a call on the same session', async () => {
    await proxy.Notify('ping ✓');
    expect(await proxy.LastNotified()).toBe('ping ✓');
    expect(await nextReceived()).toEqual(['Notify', '1', canonString('ping ✓')]);
    expect(await nextReceived()).toEqual(['LastNotified', '1', '']);
  });

  it(`a 1 MB message each way (${LARGE_MESSAGE_CHARS} characters, quotas raised on both sides)`, async () => {
    const text = largeText(LARGE_MESSAGE_CHARS);
    expect(Buffer.byteLength(text)).toBeGreaterThan(1_000_000);
    const result = await proxy.EchoString(text);
    expect(await nextReceived()).toEqual(['EchoString', '1', 'large', String(text.length), sha256(text)]);
    expect(result?.length).toBe(text.length);
    expect(result === text).toBe(true);
  });

  it('several sessions at once, several calls each', async () => {
    const sessions = 4;
    const callsEach = 5;
    const clients = await Promise.all(Array.from({ length: sessions }, () => open()));
    try {
      // All sessions are open together and their calls interleave, but one call at a time: Mono's
      // service must never write two replies at once. Its channels of one listener share one
      // BinaryMessageEncoder, and TcpBinaryFrameManager.WriteSizedMessage sets its
      // CurrentWriterSession under a per-channel lock only, so two replies written at once can be
      // encoded against each other's session strings (a reply then names a dictionary id its own
      // session never defined; docs/protocol.md §12). That is a Mono service bug, not the wire.
      const results: number[][] = clients.map(() => []);
      for (let i = 0; i < callsEach; i++) {
        for (const [t, { proxy: p }] of clients.entries()) results[t]!.push(await p.EchoInt(t * 1000 + i));
      }
      results.forEach((values, t) => expect(values).toEqual(Array.from({ length: callsEach }, (_, i) => t * 1000 + i)));
    } finally {
      await Promise.all(clients.map((c) => c.session.close()));
    }
    const received = await Promise.all(Array.from({ length: sessions * callsEach }, () => nextReceived()));
    // Mono made one service instance per session (sessions 2..5 after the main one).
    const bySession = new Map<string, string[]>();
    for (const [op, id, arg] of received) {
      expect(op).toBe('EchoInt');
      bySession.set(id!, [...(bySession.get(id!) ?? []), arg!]);
    }
    expect([...bySession.keys()].sort()).toEqual(['2', '3', '4', '5']);
    const perSession = [...bySession.values()].map((v) => v.join(',')).sort();
    const expected = Array.from({ length: sessions }, (_, t) => Array.from({ length: callsEach }, (_, i) => String(t * 1000 + i)).join(',')).sort();
    expect(perSession).toEqual(expected);
  });

  it('the main session is still usable after the others closed, and closes cleanly', async () => {
    expect(await proxy.EchoInt(99)).toBe(99);
    expect(await nextReceived()).toEqual(['EchoInt', '1', '99']);
    await session!.close();
    expect(session!.state).toBe('closed');
    session = undefined;
  });
});

/** Calls the echo operation of the case's type. */
function echo(proxy: Proxy, c: EchoCase): Promise<unknown> {
  const op = proxy[EchoOperations[c.type]] as (value: unknown) => Promise<unknown>;
  return op(c.value);
}
