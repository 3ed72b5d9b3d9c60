// Issue 5, direction 1: a stock Mono WCF client (csharp/TestClient.cs, NetTcpBinding with
// SecurityMode.None) calls the TypeScript ITest service, which is registered with a private
// portshare daemon (portSharingEnabled: true) and so reached through it. Every value is compared
// three ways: what the C# client sent (the case), what the TypeScript service received, and what
// the C# client got back.
import { INTERNAL_SERVICE_FAULT_REASON } from '@portshare/soap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BAD_INPUT,
  type ChildProgram,
  canon,
  compileCSharp,
  ECHO_CASES,
  EchoOperations,
  freePort,
  InteropNames,
  LARGE_MESSAGE_CHARS,
  LARGE_MESSAGE_QUOTA,
  largeText,
  type PrivateDaemon,
  sha256,
  skipWithout,
  startMono,
  startPrivateDaemon,
  startTestService,
  type TestService,
  TYPED_FAULT_REASON,
} from '../src/index.js';
import { ask, askMany, daemonStatus, hex } from './helpers.js';

const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const DISPATCHER = 'http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher';

/**
 * Two runs: the daemon passing the socket (falling back to proxying where it cannot) with the
 * default session-string budget, and the daemon proxying the bytes with a small budget, so the
 * service's writer runs out of session strings after a few replies and writes the rest of the
 * names inline ([MC-NBFSE] 2.1).
 */
const RUNS = [
  { handoff: 'auto', writerSessionSize: undefined, transports: ['fd', 'proxy'] },
  { handoff: 'proxy', writerSessionSize: 256, transports: ['proxy'] },
] as const;

const TITLE = 'a stock Mono WCF client calls the TypeScript service through the daemon (handoff $handoff, writerSessionSize $writerSessionSize)';

describe.skipIf(skipWithout('mcs', 'mono')).each(RUNS)(TITLE, (run) => {
  let daemon: PrivateDaemon | undefined;
  let service: TestService | undefined;
  let client: ChildProgram | undefined;
  let uri = '';

  beforeAll(async () => {
    const programs = compileCSharp();
    daemon = await startPrivateDaemon({ config: { handoff: run.handoff } });
    const port = await freePort();
    uri = `net.tcp://localhost:${port}/interop/test`;
    service = await startTestService({
      uri,
      portSharingEnabled: true,
      home: daemon.home,
      maxMessageSize: LARGE_MESSAGE_QUOTA,
      ...(run.writerSessionSize !== undefined ? { writerSessionSize: run.writerSessionSize } : {}),
    });
    client = startMono(programs.testClient, [uri, String(LARGE_MESSAGE_QUOTA)]);
  });

  afterAll(async () => {
    if (client) {
      client.endInput();
      await client.waitForExit().catch(() => client?.stop());
    }
    await service?.close();
    await daemon?.stop();
  });

  /** The calls the service received while `action` ran. */
  async function received<T>(action: () => Promise<T>): Promise<{ result: T; calls: TestService['calls'] }> {
    const before = service!.calls.length;
    const result = await action();
    return { result, calls: service!.calls.slice(before) };
  }

  it('the session reached the service through the daemon', async () => {
    const { result } = await received(() => ask(client!, 'warm-up', 'echo', 'int', '7'));
    expect(result).toEqual(['ok', '7']);
    expect(service!.sessions[0]).toMatchObject({ id: 1, via: uri });
    expect(run.transports).toContain(service!.sessions[0]!.transport);
    const status = await daemonStatus(daemon!.paths);
    expect(status.registrations.map((r) => r.uri)).toContain(uri);
    expect(status.counters.connectionsDispatched).toBeGreaterThanOrEqual(1);
  });

  describe('echo: sent, received and returned values agree', () => {
    for (const c of ECHO_CASES) {
      it(c.label, async () => {
        const expected = canon(c.type, c.value);
        const { result, calls } = await received(() => ask(client!, c.label, 'echo', c.type, expected));
        expect(calls).toEqual([{ session: 1, operation: EchoOperations[c.type], args: [expected] }]);
        expect(result).toEqual(['ok', expected]);
      });
    }
  });

  it('FaultException with a code and a reason reaches the client as FaultException', async () => {
    const { result, calls } = await received(() => ask(client!, 'fault', 'fail', hex('bad input: ü')));
    expect(calls).toEqual([{ session: 1, operation: 'Fail', args: [hex('bad input: ü')] }]);
    expect(result).toEqual(['fault', hex('Sender'), hex(SOAP12), hex(BAD_INPUT.name), hex(BAD_INPUT.namespace), hex('bad input: ü')]);
  });

  it('FaultException<MyFault> reaches the client with its typed detail', async () => {
    const { result, calls } = await received(() => ask(client!, 'typed fault', 'failTyped', '42', hex('bad')));
    expect(calls).toEqual([{ session: 1, operation: 'FailTyped', args: ['42', hex('bad')] }]);
    expect(result).toEqual(['fault-typed', '42', hex('bad'), hex(TYPED_FAULT_REASON), hex('Sender')]);
  });

  it('an unhandled exception becomes the fault of last resort and the session survives', async () => {
    const { result, calls } = await received(() => ask(client!, 'div by zero', 'divInt', '1', '0'));
    expect(calls).toEqual([{ session: 1, operation: 'DivInt', args: ['1', '0'] }]);
    expect(result).toEqual(['fault', hex('Receiver'), hex(SOAP12), hex('InternalServiceFault'), hex(DISPATCHER), hex(INTERNAL_SERVICE_FAULT_REASON)]);
    expect(service!.reportedErrors.at(-1)).toMatchObject({ operation: 'DivInt', error: expect.any(RangeError) });
    // The next call goes over the same session.
    const after = await received(() => ask(client!, 'div after fault', 'divInt', '7', '2'));
    expect(after.result).toEqual(['ok', '3']);
    expect(after.calls).toEqual([{ session: 1, operation: 'DivInt', args: ['7', '2'] }]);
    expect(service!.sessionsStarted).toBe(1);
  });

  it('an Action the service does not have: ActionNotSupported with WCF\'s text, and the session goes on', async () => {
    const action = `${InteropNames.service}/ITest/NotImplementedHere`;
    const { result, calls } = await received(() => ask(client!, 'unknown action', 'unknownAction'));
    expect(calls).toEqual([]);
    expect(result.slice(0, 2)).toEqual(['error', 'System.ServiceModel.ActionNotSupportedException']);
    // WCF's text for an Action no operation handles (the dispatcher's ActionNotSupported fault).
    expect(Buffer.from(result[2]!, 'hex').toString('utf8')).toContain(
      `The message with Action '${action}' cannot be processed at the receiver, due to a ContractFilter mismatch at the EndpointDispatcher.`,
    );
    const after = await received(() => ask(client!, 'after unknown action', 'echo', 'int', '8'));
    expect(after.result).toEqual(['ok', '8']);
    expect(after.calls).toEqual([{ session: 1, operation: 'EchoInt', args: ['8'] }]);
  });

  it("a header marked mustUnderstand the service does not process: MustUnderstand with WCF's text, and the session goes on", async () => {
    const { result, calls } = await received(() => ask(client!, 'must understand', 'mustUnderstand'));
    expect(calls).toEqual([]);
    // A FaultException with code s:MustUnderstand (no subcode) and WCF's reason.
    expect(result.slice(0, 5)).toEqual(['fault', hex('MustUnderstand'), hex('http://www.w3.org/2003/05/soap-envelope'), '~', '~']);
    expect(Buffer.from(result[5]!, 'hex').toString('utf8')).toMatch(
      /^The header 'Custom' from the namespace 'http:\/\/example.org\/h' was not understood by the recipient of this message, causing the message to not be processed\./,
    );
    const after = await received(() => ask(client!, 'after must understand', 'echo', 'int', '9'));
    expect(after.result).toEqual(['ok', '9']);
  });

  it('overlapping calls on one channel (8 C# threads on the same proxy)', async () => {
    const { result, calls } = await received(() => ask(client!, 'concurrent', 'concurrent', '8'));
    expect(result[0]).toBe('ok');
    // Every thread got a reply, but not necessarily its own: Mono 6.8's client hands replies on a
    // session to whichever call waits first, ignoring RelatesTo (it does the same against Mono's
    // own service, which also answers in order). So only the set of replies is checked.
    const replies = result[1]!.slice(1, -1).split(',').map(Number);
    expect(replies.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(calls.map((c) => c.session)).toEqual(Array(8).fill(1));
    expect(calls.map((c) => Number(c.args[0])).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('a one-way call, then a call on the same session', async () => {
    const { result, calls } = await received(async () => [
      await ask(client!, 'notify', 'notify', hex('ping ✓')),
      await ask(client!, 'last notified', 'lastNotified'),
    ]);
    expect(result).toEqual([['sent'], ['ok', hex('ping ✓')]]);
    expect(calls).toEqual([
      { session: 1, operation: 'Notify', args: [hex('ping ✓')] },
      { session: 1, operation: 'LastNotified', args: [] },
    ]);
  });

  it(`a 1 MB message each way (${LARGE_MESSAGE_CHARS} characters, quotas raised on both sides)`, async () => {
    const text = largeText(LARGE_MESSAGE_CHARS);
    expect(Buffer.byteLength(text)).toBeGreaterThan(1_000_000);
    const { result, calls } = await received(() => ask(client!, 'large', 'large', String(LARGE_MESSAGE_CHARS)));
    expect(calls).toEqual([{ session: 1, operation: 'EchoString', args: ['large', String(text.length), sha256(text)] }]);
    expect(result).toEqual(['ok', String(text.length), sha256(text), 'same']);
  });

  it('several sessions at once (parallel C# threads), several calls each', async () => {
    const sessions = 4;
    const callsEach = 5;
    const before = service!.sessionsStarted;
    const { result, calls } = await received(() => askMany(client!, 'parallel', 'done', 'parallel', String(sessions), String(callsEach)));
    const lines = result.filter((r) => r[0] === 'session');
    expect(lines).toHaveLength(sessions);
    for (const [, t, values] of lines) {
      const id = Number(t);
      expect(values).toBe(`[${Array.from({ length: callsEach }, (_, i) => id * 1000 + i).join(',')}]`);
    }
    // Each thread had a session of its own, and all of them (plus the main one) were open at once.
    expect(service!.sessionsStarted - before).toBe(sessions);
    expect(service!.maxActiveSessions).toBeGreaterThanOrEqual(sessions + 1);
    const bySession = new Map<number, string[]>();
    for (const call of calls) bySession.set(call.session, [...(bySession.get(call.session) ?? []), call.args[0]!]);
    expect(bySession.size).toBe(sessions);
    const perSession = [...bySession.values()].map((v) => v.join(',')).sort();
    const expected = Array.from({ length: sessions }, (_, t) => Array.from({ length: callsEach }, (_, i) => String(t * 1000 + i)).join(',')).sort();
    expect(perSession).toEqual(expected);
  });

  it('the client closes its session cleanly (End both ways) and nothing failed on the service', async () => {
    client!.endInput();
    await client!.nextLine(/^closed$/);
    expect(await client!.waitForExit()).toEqual({ code: 0, signal: null });
    expect(service!.failedSessions).toEqual([]);
    // DivInt's unhandled exception, and the EchoInt refused for its mustUnderstand header.
    expect(service!.reportedErrors.map((e) => e.operation)).toEqual(['DivInt', 'EchoInt']);
    expect(service!.sessions.every((s) => (run.transports as readonly string[]).includes(s.transport))).toBe(true);
  });
});
