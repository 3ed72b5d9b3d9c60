import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../src/client.js';
import { defineContract } from '../src/contract.js';
import { DateTimeKind, NetDateTime } from '../src/date-time.js';
import { ServiceDispatcher, implement } from '../src/dispatcher.js';
import { OperationContext } from '../src/operation-context.js';
import { type SoapError, SoapErrorCodes } from '../src/errors.js';
import { buildEnvelope, parseEnvelope } from '../src/envelope.js';
import { FaultException, INTERNAL_SERVICE_FAULT_REASON, parseFault } from '../src/fault.js';
import { BinarySessionEncoder } from '../src/message-encoder.js';
import { buildRequestBody } from '../src/operation-formatter.js';
import type { XmlElement } from '../src/xml-node.js';
import { Addressing, Ns } from '../src/namespaces.js';
import { TimeSpan } from '../src/time-span.js';
import { DOTNET_CALCULATOR, MONO_STREAMS } from './fixtures/notes-envelopes.js';
import { ICalculator, ITest, MyFault, NS } from './support/contracts.js';
import { hex } from './support/fixtures.js';
import { type MemoryChannel, createChannelPair } from './support/memory-channel.js';

const calculator = implement(ICalculator, {
  Add: (a, b) => a + b,
  Subtract: (a, b) => a - b,
  Multiply: (a, b) => a * b,
  Divide: (a, b) => a / b,
});

const notified: (string | null)[] = [];
const errors: unknown[] = [];
const testService = implement(ITest, {
  Echo: (s) => s,
  EchoInt: (x) => x,
  EchoLong: (x) => x,
  EchoBool: (b) => b,
  EchoFloat: (f) => f,
  EchoDouble: (d) => d,
  EchoDecimal: (d) => d,
  EchoDate: (d) => d,
  EchoGuid: (g) => g,
  EchoSpan: (t) => t,
  EchoBytes: (b) => b,
  EchoInts: (a) => a,
  EchoStrings: (a) => a,
  EchoPerson: async (p) => (p ? { ...p, Age: p.Age + 1 } : null),
  Add: (a, b) => a + b,
  Fail: (msg) => {
    throw new FaultException(msg ?? '');
  },
  FailTyped: (msg) => {
    throw new FaultException('typed failure', { detail: { Reason: msg, Code: 42 } });
  },
  DivInt: (a, b) => {
    if (b === 0) throw new RangeError('Attempted to divide by zero.');
    return Math.trunc(a / b);
  },
  Notify: (msg) => {
    notified.push(msg);
  },
});

interface Session {
  client: MemoryChannel;
  server: MemoryChannel;
  serving: Promise<void>;
}

const open: Session[] = [];

function start(dispatcher = new ServiceDispatcher([calculator, testService], { onError: (e) => errors.push(e) })): Session {
  const [client, server] = createChannelPair('net.tcp://localhost:9000/calculator/4381');
  // As the session layer would: serve until the peer's End, then answer with our own End.
  const serving = dispatcher.serve(server).then(() => server.close());
  const s = { client, server, serving };
  open.push(s);
  return s;
}

afterEach(async () => {
  for (const s of open.splice(0)) {
    await s.client.close();
    await s.serving.catch(() => undefined);
  }
  notified.length = 0;
  errors.length = 0;
});

describe('ServiceDispatcher + createClient over an in-memory session', () => {
  it('the calculator, with .NET-identical bytes both ways when the MessageIDs are fixed', async () => {
    const s = start();
    const ids = ['urn:uuid:6cfa4773-a265-4275-87ea-4ae505d01e3e', 'urn:uuid:4ebd29ad-96d6-c29a-409d-1155647782fe'];
    const calc = createClient(ICalculator, s.client, { messageId: () => ids.shift() as string });
    expect(await calc.Add(100, 15.99)).toBe(115.99);
    expect(await calc.Divide(22, 7)).toBe(22 / 7);
    expect(s.client.sent.map((b) => b.toString('hex'))).toEqual([DOTNET_CALCULATOR.addRequest, DOTNET_CALCULATOR.divideRequest].map((h) => hex(h).toString('hex')));
    expect(s.server.sent.map((b) => b.toString('hex'))).toEqual([DOTNET_CALCULATOR.addReply, DOTNET_CALCULATOR.divideReply].map((h) => hex(h).toString('hex')));
    expect(await calc.Subtract(1, 3)).toBe(-2);
    expect(await calc.Multiply(6, 7)).toBe(42);
  });

  it('every supported type travels both ways', async () => {
    const s = start();
    const t = createClient(ITest, s.client);
    expect(await t.Echo('héllo 中文')).toBe('héllo 中文');
    expect(await t.Echo('')).toBe('');
    expect(await t.Echo(null)).toBeNull();
    expect(await t.EchoInt(-2147483648)).toBe(-2147483648);
    expect(await t.EchoLong(2n ** 63n - 1n)).toBe(2n ** 63n - 1n);
    expect(await t.EchoBool(false)).toBe(false);
    expect(await t.EchoFloat(0.1)).toBe(Math.fround(0.1));
    expect(await t.EchoDouble(NaN)).toBeNaN();
    expect(await t.EchoDouble(-Infinity)).toBe(-Infinity);
    expect(await t.EchoDecimal('-123.450')).toBe('-123.450');
    const dt = new NetDateTime(638397650450000000n, DateTimeKind.Utc);
    expect(await t.EchoDate(dt)).toEqual(dt);
    expect(await t.EchoGuid('00112233-4455-6677-8899-AABBCCDDEEFF')).toBe('00112233-4455-6677-8899-aabbccddeeff');
    expect(await t.EchoSpan(new TimeSpan(-900_000_000n))).toEqual(new TimeSpan(-900_000_000n));
    expect(await t.EchoBytes(new Uint8Array([1, 2, 3, 250]))).toEqual(new Uint8Array([1, 2, 3, 250]));
    expect(await t.EchoInts([1, 2, 300])).toEqual([1, 2, 300]);
    expect(await t.EchoInts(null)).toBeNull();
    expect(await t.EchoStrings(['a', null, 'bc'])).toEqual(['a', null, 'bc']);
    expect(await t.EchoPerson({ Name: 'Ann', Age: 33, Scores: [1.5, 2.25] })).toEqual({ Name: 'Ann', Age: 34, Scores: [1.5, 2.25] });
    expect(await t.EchoPerson(null)).toBeNull();
  });

  it('FaultException: code Sender, the reason, the SOAP fault action', async () => {
    const s = start();
    const t = createClient(ITest, s.client);
    const err = await t.Fail('boom').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FaultException);
    expect(err).toMatchObject({ code: SoapErrorCodes.FAULT, reason: 'boom', message: 'boom', faultCode: { name: 'Sender', namespace: Ns.soap12 }, action: Addressing.soapFaultAction, lang: 'en-US' });
    expect(await t.Add(1, 2)).toBe(3);
  });

  it('typed faults: the detail is a data contract, the action names the fault contract', async () => {
    const s = start();
    const t = createClient(ITest, s.client);
    const err = (await t.FailTyped('bad').catch((e: unknown) => e)) as FaultException;
    expect(err).toBeInstanceOf(FaultException);
    expect(err.detail).toEqual({ Reason: 'bad', Code: 42 });
    expect(err.detailType).toBe(MyFault);
    expect(err.action).toBe(`${NS}/ITest/FailTypedMyFaultFault`);
    expect(err.reason).toBe('typed failure');
  });

  it('an unhandled exception becomes InternalServiceFault and the session survives', async () => {
    const s = start();
    const t = createClient(ITest, s.client);
    const err = (await t.DivInt(1, 0).catch((e: unknown) => e)) as FaultException;
    expect(err).toBeInstanceOf(FaultException);
    expect(err.faultCode).toEqual({ name: 'Receiver', namespace: Ns.soap12, subcode: { name: 'InternalServiceFault', namespace: Ns.dispatcher } });
    expect(err.reason).toBe(INTERNAL_SERVICE_FAULT_REASON);
    expect(err.action).toBe(Addressing.dispatcherFaultAction);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RangeError);
    expect(await t.DivInt(7, 2)).toBe(3);
  });

  it('one-way then a call: no reply for the one-way operation', async () => {
    const s = start();
    const t = createClient(ITest, s.client);
    await t.Notify('ping');
    expect(await t.Add(1, 2)).toBe(3);
    expect(notified).toEqual(['ping']);
    expect(s.server.sent).toHaveLength(1);
    // .NET's one-way request has only Action and To (no MessageID, no ReplyTo).
    expect(s.client.sent[0]!.includes(Buffer.from([0x44, 0x1a]))).toBe(false);
  });

  it('many calls on one session, sequential and concurrent, correlated by RelatesTo', async () => {
    const s = start();
    const calc = createClient(ICalculator, s.client);
    for (let i = 0; i < 50; i++) expect(await calc.Add(i, 0.5)).toBe(i + 0.5);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => calc.Multiply(i, 2)));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
  });

  it('a 1 MB message within raised quotas', async () => {
    const quotas = { maxReceivedMessageSize: 2 << 20, maxArrayLength: 2 << 20, maxStringContentLength: 2 << 20 };
    const s = start(new ServiceDispatcher([testService], { quotas }));
    const t = createClient(ITest, s.client, { quotas });
    const big = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 0xff);
    const back = await t.EchoBytes(big);
    expect(back).toBeInstanceOf(Uint8Array);
    // Compare as buffers: element-wise deep equality on a megabyte is needlessly slow.
    expect(Buffer.compare(Buffer.from(back!), Buffer.from(big))).toBe(0);
    expect(s.client.sent[0]!.length).toBeGreaterThan(1 << 20);
    const text = 'z'.repeat(1 << 20);
    expect((await t.Echo(text)) === text).toBe(true);
  });

  it('an action no operation handles gets the WCF ActionNotSupported fault; the session survives', async () => {
    const s = start();
    const Other = defineContract({ name: 'IOther', namespace: NS, operations: { Nope: { returns: 'int' } } });
    const other = createClient(Other, s.client);
    const err = (await other.Nope().catch((e: unknown) => e)) as FaultException;
    expect(err).toBeInstanceOf(FaultException);
    expect(err.faultCode).toEqual({ name: 'Sender', namespace: Ns.soap12, subcode: { name: 'ActionNotSupported', namespace: Ns.addressing } });
    expect(err.reason).toBe(
      `The message with Action '${NS}/IOther/Nope' cannot be processed at the receiver, due to a ContractFilter mismatch at the EndpointDispatcher. ` +
        'This may be because of either a contract mismatch (mismatched Actions between sender and receiver) or a binding/security mismatch between the sender and the receiver.  ' +
        'Check that sender and receiver have the same contract and the same binding (including security requirements, e.g. Message, Transport, None).',
    );
    expect(err.action).toBe(Addressing.addressingFaultAction);
  });

  it('a body that does not match the contract gets a DeserializationFailed fault', async () => {
    const s = start();
    const Wrong = defineContract({ name: 'ITest', namespace: NS, operations: { EchoInt: { params: [['x', 'string']], returns: 'string' } } });
    const err = (await createClient(Wrong, s.client).EchoInt('abc').catch((e: unknown) => e)) as FaultException;
    expect(err.faultCode.subcode).toEqual({ name: 'DeserializationFailed', namespace: Ns.dispatcher });
    expect(err.reason).toMatch(/^The formatter threw an exception while trying to deserialize the message: /);
  });

  it('a result the contract cannot carry becomes InternalServiceFault', async () => {
    const Bad = defineContract({ name: 'IBad', namespace: NS, operations: { Get: { returns: 'int' } } });
    const s = start(new ServiceDispatcher([implement(Bad, { Get: () => 2 ** 40 })], { onError: (e) => errors.push(e) }));
    const err = (await createClient(Bad, s.client).Get().catch((e: unknown) => e)) as FaultException;
    expect(err.faultCode.subcode?.name).toBe('InternalServiceFault');
    expect((errors[0] as SoapError).code).toBe(SoapErrorCodes.INVALID_VALUE);
  });

  it('a reader quota exceeded fails that message only, as in WCF: a DeserializationFailed fault, a one-way request dropped, a reply failing its call; the session goes on', async () => {
    const s = start();
    const t = createClient(ITest, s.client, { quotas: { maxStringContentLength: 20_000 } });
    // A request: the service's 8192-character default refuses 9000 characters with a fault.
    const err = (await t.Echo('x'.repeat(9000)).catch((e: unknown) => e)) as FaultException;
    expect(err).toBeInstanceOf(FaultException);
    expect(err.faultCode).toEqual({ name: 'Sender', namespace: Ns.soap12, subcode: { name: 'DeserializationFailed', namespace: Ns.dispatcher } });
    expect(err.reason).toMatch(/^The formatter threw an exception while trying to deserialize the message: A string of 9000 characters at offset \d+ exceeds maxStringContentLength \(8192\)/);
    // At the edge it passes, and the session is still there.
    expect(await t.Echo('y'.repeat(8192))).toBe('y'.repeat(8192));
    // A one-way request over the quota is reported and dropped; the next call is answered.
    await t.Notify('z'.repeat(9000));
    expect(await t.Add(2, 3)).toBe(5);
    expect(notified).toEqual([]);
    expect(errors.map((e) => (e as SoapError).code)).toEqual([SoapErrorCodes.STRING_CONTENT_TOO_LONG, SoapErrorCodes.STRING_CONTENT_TOO_LONG]);
    // A reply over the client's quota fails that call only.
    const strict = createClient(ITest, start(new ServiceDispatcher([testService], { quotas: { maxStringContentLength: 20_000 } })).client);
    await expect(strict.Echo('w'.repeat(9000))).rejects.toMatchObject({ code: SoapErrorCodes.STRING_CONTENT_TOO_LONG });
    expect(await strict.Add(1, 1)).toBe(2);
  });

  it('a header marked mustUnderstand that is not processed gets the MustUnderstand fault with a NotUnderstood header; the session goes on', async () => {
    const [client, server] = createChannelPair();
    const serving = new ServiceDispatcher([calculator], { onError: (e) => errors.push(e) }).serve(server).then(() => server.close());
    const out = new BinarySessionEncoder();
    const back = new BinarySessionEncoder();
    const custom = (mustUnderstand: string | undefined, role?: string): XmlElement => ({
      kind: 'element',
      prefix: 'h',
      localName: 'Custom',
      namespaceUri: 'http://example.org/h',
      attributes: [
        ...(mustUnderstand === undefined ? [] : [{ prefix: 's', localName: 'mustUnderstand', namespaceUri: Ns.soap12, value: { type: 'string' as const, value: mustUnderstand } }]),
        ...(role === undefined ? [] : [{ prefix: 's', localName: 'role', namespaceUri: Ns.soap12, value: { type: 'string' as const, value: role } }]),
      ],
      namespaces: [{ prefix: 'h', uri: 'http://example.org/h' }],
      children: [{ kind: 'text', value: { type: 'string', value: 'v' } }],
    });
    const add = ICalculator.operations.get('Add')!;
    const call = async (header: XmlElement): Promise<ReturnType<typeof parseEnvelope>> => {
      const before = server.sent.length;
      await client.send(out.encode(buildEnvelope({ action: add.action, messageId: `urn:uuid:${randomUUID()}`, replyTo: Addressing.anonymous, to: client.via, headers: [header], body: [buildRequestBody(add, [1, 2])] })));
      await expect.poll(() => server.sent.length).toBe(before + 1);
      return parseEnvelope(back.decode(server.sent[before]!));
    };
    const refused = await call(custom('1'));
    expect(refused.action).toBe(Addressing.soapFaultAction);
    const fault = parseFault(refused.body[0] as XmlElement, [refused.root, refused.bodyElement]);
    expect(fault.code).toEqual({ name: 'MustUnderstand', namespace: Ns.soap12 });
    expect(fault.reason).toBe(
      "The header 'Custom' from the namespace 'http://example.org/h' was not understood by the recipient of this message, causing the message to not be processed.  " +
        'This error typically indicates that the sender of this message has enabled a communication protocol that the receiver cannot process.  ' +
        "Please ensure that the configuration of the client's binding is consistent with the service's binding.",
    );
    const notUnderstood = refused.headers.find((h) => h.localName === 'NotUnderstood' && h.namespaceUri === Ns.soap12);
    expect(notUnderstood?.attributes.find((x) => x.localName === 'qname')).toBeDefined();
    // Not marked, marked false, or for another role: processed as usual.
    for (const header of [custom(undefined), custom('0'), custom('1', 'http://www.w3.org/2003/05/soap-envelope/role/none')]) {
      const ok = await call(header);
      expect(ok.action).toBe(add.replyAction);
    }
    // A header in no namespace is named without a prefix in NotUnderstood.
    const bare = await call({ ...custom('1'), prefix: '', namespaceUri: '', namespaces: [] });
    const named = bare.headers.find((h) => h.localName === 'NotUnderstood');
    expect(named?.namespaces).toEqual([]);
    expect(named?.attributes.find((x) => x.localName === 'qname')?.value).toEqual({ type: 'string', value: 'Custom' });
    expect(errors).toHaveLength(2);
    await client.close();
    await serving;
  });

  it('a malformed message ends the session: serve() rejects with the SoapError', async () => {
    const [client, server] = createChannelPair();
    const serving = new ServiceDispatcher([calculator], { onError: (e) => errors.push(e) }).serve(server);
    await client.send(Buffer.from([0x00, 0x40, 0x01, 0x78]));
    await expect(serving).rejects.toMatchObject({ code: SoapErrorCodes.MALFORMED });
    expect(errors).toHaveLength(1);
  });

  it('a message over maxReceivedMessageSize ends the session; the waiting call fails when the channel ends', async () => {
    const [client, server] = createChannelPair();
    // The session layer would abort the connection; here the server end just sends End.
    const serving = new ServiceDispatcher([testService]).serve(server).catch((e: unknown) => {
      void server.close();
      throw e;
    });
    const t = createClient(ITest, client);
    const call = t.EchoBytes(new Uint8Array(70_000)).catch((e: unknown) => e);
    await expect(serving).rejects.toMatchObject({ code: SoapErrorCodes.MESSAGE_TOO_LARGE });
    expect(await call).toMatchObject({ code: SoapErrorCodes.CHANNEL_CLOSED });
    await expect(t.Add(1, 2)).rejects.toMatchObject({ code: SoapErrorCodes.CHANNEL_CLOSED });
    await client.close();
  });

  it('operationTimeout: a reply in time resolves, a late one rejects with SOAP_ERR_TIMEOUT and is dropped', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const Slow = defineContract({ name: 'ISlow', namespace: NS, operations: { Wait: { returns: 'int' }, Now: { returns: 'int' } } });
    const s = start(new ServiceDispatcher([implement(Slow, { Wait: async () => (await gate, 1), Now: () => 2 })]));
    const dropped: SoapError[] = [];
    const slow = createClient(Slow, s.client, { operationTimeout: 300, onError: (e) => dropped.push(e) });
    expect(await slow.Now()).toBe(2);
    await expect(slow.Wait()).rejects.toMatchObject({ code: SoapErrorCodes.TIMEOUT });
    release();
    expect(await slow.Now()).toBe(2);
    expect(dropped.map((e) => e.code)).toEqual([SoapErrorCodes.UNEXPECTED_MESSAGE]);
  });

  it('replies without RelatesTo (Mono faults) are matched in order, typed detail included', async () => {
    const [client, server] = createChannelPair();
    // A Mono server, replayed: one captured reply per request, in order.
    const replies = MONO_STREAMS.faults.s2c.map(hex);
    const replay = (async () => {
      for await (const _ of server) await server.send(replies.shift() as Buffer);
      await server.close();
    })();
    const t = createClient(ITest, client);
    const results = await Promise.allSettled([t.Fail('boom'), t.FailTyped('bad'), t.DivInt(1, 0)]);
    const [fail, typed, div] = results.map((r) => (r as PromiseRejectedResult).reason as FaultException);
    expect(fail!.faultCode.name).toBe('InternalServiceFault');
    expect(typed!.detail).toEqual({ Reason: 'bad', Code: 42 });
    expect(typed!.faultCode).toEqual({ name: 'Sender', namespace: Ns.soap12 });
    expect(div!.reason).toMatch(/^The server was unable to process the request due to an internal error\./);
    await client.close();
    await replay;
  });

  it('replies from a Mono server match by RelatesTo (mono-calculator capture)', async () => {
    const [client, server] = createChannelPair('net.tcp://localhost:9000/calculator/4381');
    const replies = MONO_STREAMS.calculator.s2c.map(hex);
    const replay = (async () => {
      for await (const _ of server) await server.send(replies.shift() as Buffer);
      await server.close();
    })();
    const ids = ['urn:uuid:6cfa4773-a265-4275-87ea-4ae505d01e3e', 'urn:uuid:d64ebd29-9a96-40c2-9d11-55647782fec5'];
    const calc = createClient(ICalculator, client, { messageId: () => ids.shift() as string });
    expect(await calc.Add(100, 15.99)).toBe(115.99);
    expect(await calc.Divide(22, 7)).toBe(3.142857142857143);
    await client.close();
    await replay;
  });

  it('the dispatcher answers the requests a Mono client sent (mono-calculator capture)', async () => {
    const [client, server] = createChannelPair();
    const serving = new ServiceDispatcher([calculator]).serve(server).then(() => server.close());
    for (const p of MONO_STREAMS.calculator.c2s) await client.send(hex(p));
    const replies: string[] = [];
    const reader = (async () => {
      for await (const r of client) replies.push(r.toString('latin1'));
    })();
    await client.close();
    await serving;
    await reader;
    expect(replies).toHaveLength(2);
    expect(replies[0]).toContain('AddResponse');
    expect(replies[1]).toContain('DivideResponse');
  });

  it('a Mono one-way request (with MessageID and ReplyTo) gets no reply; the next call does (mono-oneway capture)', async () => {
    const [client, server] = createChannelPair();
    const serving = new ServiceDispatcher([testService]).serve(server).then(() => server.close());
    for (const p of MONO_STREAMS.oneway.c2s) await client.send(hex(p));
    const replies: Buffer[] = [];
    const reader = (async () => {
      for await (const r of client) replies.push(r);
    })();
    await client.close();
    await serving;
    await reader;
    expect(notified).toEqual(['ping']);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.toString('latin1')).toContain('AddResponse');
  });

  it('faultLanguage sets xml:lang of generated faults', async () => {
    const s = start(new ServiceDispatcher([testService], { faultLanguage: 'de-DE' }));
    const t = createClient(ITest, s.client);
    expect(await t.Fail('x').catch((e: FaultException) => e.lang)).toBe('de-DE');
    expect(await t.DivInt(1, 0).catch((e: FaultException) => e.lang)).toBe('de-DE');
  });

  it('contract and implementation mistakes are reported at construction', () => {
    expect(() => implement(ICalculator, { Add: (a: number) => a } as never)).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT }));
    expect(() => new ServiceDispatcher([calculator, calculator])).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT }));
  });
});

describe('OperationContext.current', () => {
  it('inside an operation (across its awaits): the channel, via, action and MessageID; outside: undefined', async () => {
    const seen: string[] = [];
    const service = implement(ICalculator, {
      Add: async (a, b) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        const context = OperationContext.current;
        seen.push(`${context?.via} ${context?.action} ${context?.messageId} ${String(context?.security)}`);
        return a + b;
      },
      Subtract: (a, b) => a - b,
      Multiply: (a, b) => a * b,
      Divide: (a, b) => a / b,
    });
    const dispatcher = new ServiceDispatcher([service]);
    const sessions = ['net.tcp://localhost:9000/one', 'net.tcp://localhost:9000/two'].map((via) => {
      const [client, server] = createChannelPair(via);
      const served = dispatcher.serve(server).then(() => server.close());
      let n = 0;
      return { client, served, proxy: createClient(ICalculator, client, { messageId: () => `urn:uuid:00000000-0000-0000-0000-00000000000${++n}` }) };
    });
    // Two sessions at once: each operation sees its own.
    expect(await Promise.all(sessions.map((s, i) => s.proxy.Add(i, 1)))).toEqual([1, 2]);
    expect(seen.sort()).toEqual([
      'net.tcp://localhost:9000/one http://Microsoft.ServiceModel.Samples/ICalculator/Add urn:uuid:00000000-0000-0000-0000-000000000001 undefined',
      'net.tcp://localhost:9000/two http://Microsoft.ServiceModel.Samples/ICalculator/Add urn:uuid:00000000-0000-0000-0000-000000000001 undefined',
    ]);
    expect(OperationContext.current).toBeUndefined();
    for (const s of sessions) {
      await s.client.close();
      await s.served;
    }
  });
});

describe('serve(channel, { signal, session })', () => {
  it('a stop during a call: the call is answered, serve() resolves, no later request is read; the session description reaches OperationContext', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const contexts: string[] = [];
    const service = implement(ICalculator, {
      Add: async (a, b) => {
        const c = OperationContext.current;
        contexts.push(`${c?.sessionId} ${c?.remoteAddress}:${c?.remotePort}`);
        await gate;
        return a + b;
      },
      Subtract: (a, b) => a - b,
      Multiply: (a, b) => a * b,
      Divide: (a, b) => a / b,
    });
    const [client, server] = createChannelPair();
    const stop = new AbortController();
    let served = false;
    const serving = new ServiceDispatcher([service])
      .serve(server, { signal: stop.signal, session: { sessionId: 'uuid:test;id=1', remoteAddress: '192.0.2.7', remotePort: 50123 } })
      .then(() => {
        served = true;
      });
    const proxy = createClient(ICalculator, client, { operationTimeout: 2000 });
    const inFlight = proxy.Add(1, 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    stop.abort();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(served).toBe(false); // still finishing the call
    release();
    expect(await inFlight).toBe(3);
    await serving;
    expect(contexts).toEqual(['uuid:test;id=1 192.0.2.7:50123']);
    // Nothing reads requests any more.
    await expect(proxy.Subtract(5, 1)).rejects.toMatchObject({ code: SoapErrorCodes.TIMEOUT });
  });
});
