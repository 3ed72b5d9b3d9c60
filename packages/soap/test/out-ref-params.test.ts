// WCF out and ref parameters: the contract syntax, its inferred types and checks, the body shapes
// DataContractSerializerOperationFormatter gives them (the request carries the in and ref
// parameters, the reply the result and then the out and ref parameters, in declaration order),
// compared with what Mono wrote, and calls through the dispatcher and the client.
//
// captures/mono-out-ref.{c2s,s2c}.nmf: one session of Mono's stock WCF client (TestClient.cs of
// @portshare/interop) calling Mono's stock ServiceHost (TestService.cs) through a TCP relay that
// recorded both directions: Divide(7, 2), Swap("left", "right"), Concat("ab", 41), Older(Ann, 7),
// Swap(null, "ü"), Divide(1, 0) (a fault), Older(null, 1).
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { createClient } from '../src/client.js';
import { type ClientProxy, type ServiceImplementation, defineContract } from '../src/contract.js';
import { defineDataContract } from '../src/data-contract.js';
import { ServiceDispatcher, implement } from '../src/dispatcher.js';
import { parseEnvelope } from '../src/envelope.js';
import { SoapErrorCodes } from '../src/errors.js';
import { FaultException, isFaultBody } from '../src/fault.js';
import { BinarySessionEncoder } from '../src/message-encoder.js';
import { Ns } from '../src/namespaces.js';
import { buildReplyBody, buildRequestBody, parseReplyBody, parseRequestBody } from '../src/operation-formatter.js';
import { textOf } from '../src/text-value.js';
import { type InstanceOf, arrayOf } from '../src/types.js';
import { type XmlElement, type XmlNode, childElements, textContent } from '../src/xml-node.js';
import { toXmlString } from '../src/xml-text.js';
import { captureEnvelopes } from './support/fixtures.js';
import { type MemoryChannel, createChannelPair } from './support/memory-channel.js';

const SERVICE = 'http://schemas.portshare.dev/interop';
const DATA = 'http://schemas.portshare.dev/interop/data';

const Address = defineDataContract({ name: 'Address', namespace: DATA, members: { Street: 'string', City: 'string', Zip: 'int' } });
const Person = defineDataContract({ name: 'Person', namespace: DATA, members: { Name: 'string', Age: 'int', Scores: arrayOf('double'), Address } });
type PersonValue = InstanceOf<typeof Person>;

/** The out/ref operations of the interop ITest (csharp/Contract.cs of @portshare/interop). */
const ITest = defineContract({
  name: 'ITest',
  namespace: SERVICE,
  operations: {
    Divide: { params: [['a', 'int'], ['b', 'int'], ['remainder', 'int', { direction: 'out' }]], returns: 'int' },
    Swap: { params: [['x', 'string', { direction: 'ref' }], ['y', 'string', { direction: 'ref' }]] },
    Concat: { params: [['a', 'string'], ['length', 'int', { direction: 'out' }], ['counter', 'int', { direction: 'ref' }]], returns: 'string' },
    Older: { params: [['person', Person, { direction: 'ref' }], ['years', 'int'], ['scores', arrayOf('double'), { direction: 'out' }]], returns: 'bool' },
  },
});

const ann: PersonValue = { Name: 'Ann', Age: 60, Scores: [1.5, 2.25], Address: { Street: null, City: 'Oslo', Zip: 150 } };

/** What Mono's client sent and Mono's service answered, message by message (see the file comment). */
const EXCHANGES = [
  { op: 'Divide', args: [7, 2], reply: { result: 3, remainder: 1 } },
  { op: 'Swap', args: ['left', 'right'], reply: { x: 'right', y: 'left' } },
  { op: 'Concat', args: ['ab', 41], reply: { result: 'ab#42', length: 5, counter: 42 } },
  { op: 'Older', args: [ann, 7], reply: { result: true, person: { ...ann, Age: 67 }, scores: [1.5, 2.25] } },
  { op: 'Swap', args: [null, 'ü'], reply: { x: 'ü', y: null } },
  { op: 'Divide', args: [1, 0], reply: undefined },
  { op: 'Older', args: [null, 1], reply: { result: false, person: null, scores: null } },
] as const;

const opOf = (name: string) => ITest.operations.get(name)!;
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** The envelopes of one direction of the capture, decoded in order as a receiver would. */
function monoEnvelopes(direction: 'c2s' | 's2c'): { payload: Buffer; nodes: XmlNode[] }[] {
  const dec = new BinarySessionEncoder();
  return captureEnvelopes('mono-out-ref', direction).map((payload) => ({ payload, nodes: dec.decode(payload) }));
}

/** The element of `nodes`' body. */
function bodyOf(nodes: XmlNode[]): XmlElement {
  return parseEnvelope(nodes).body[0]!;
}

/**
 * An element as a reader sees it: its expanded name, nil, and its text or child elements in order
 * (prefixes, declarations and the choice of records left out: Mono writes a double[] as
 * elements, .NET and this layer as one Array record, and a data contract's prefix is Mono's `b`
 * where .NET's is `a`).
 */
function shape(el: XmlElement): unknown {
  const nil = el.attributes.some((a) => a.localName === 'nil' && a.namespaceUri === XSI && textOf(a.value) === 'true');
  const children = childElements(el);
  return {
    name: `{${el.namespaceUri}}${el.localName}`,
    ...(nil ? { nil } : {}),
    ...(children.length > 0 ? { children: children.map(shape) } : { text: textContent(el) }),
  };
}

/** `body` written by this layer's encoder and read back, so both sides of a comparison went through the reader. */
function reread(body: XmlElement): XmlElement {
  return new BinarySessionEncoder().decode(new BinarySessionEncoder().encode([body]))[0] as XmlElement;
}

describe('out and ref parameters: the contract', () => {
  it('describes each parameter with its direction', () => {
    expect(opOf('Concat').params).toEqual([
      { name: 'a', type: 'string', direction: 'in' },
      { name: 'length', type: 'int', direction: 'out' },
      { name: 'counter', type: 'int', direction: 'ref' },
    ]);
  });

  it('infers the call (in and ref arguments) and the reply object (result, out and ref values)', () => {
    type Client = ClientProxy<typeof ITest>;
    expectTypeOf<Client['Divide']>().toEqualTypeOf<(a: number, b: number) => Promise<{ result: number; remainder: number }>>();
    expectTypeOf<Client['Swap']>().toEqualTypeOf<(x: string | null, y: string | null) => Promise<{ x: string | null; y: string | null }>>();
    expectTypeOf<Client['Concat']>().toEqualTypeOf<(a: string | null, counter: number) => Promise<{ result: string | null; length: number; counter: number }>>();
    expectTypeOf<Client['Older']>().toEqualTypeOf<
      (person: PersonValue | null, years: number) => Promise<{ result: boolean; person: PersonValue | null; scores: number[] | null }>
    >();
    type Impl = ServiceImplementation<typeof ITest>;
    expectTypeOf<Impl['Divide']>().toEqualTypeOf<
      (a: number, b: number) => { result: number; remainder: number } | Promise<{ result: number; remainder: number }>
    >();
    expectTypeOf<Impl['Swap']>().toEqualTypeOf<
      (x: string | null, y: string | null) => { x: string | null; y: string | null } | Promise<{ x: string | null; y: string | null }>
    >();
    // Without out or ref parameters nothing changes: the plain result, and 'in' may be spelt out.
    const Plain = defineContract({ name: 'IP', operations: { Add: { params: [['a', 'int', { direction: 'in' }], ['b', 'int']], returns: 'int' }, Ping: {} } });
    expectTypeOf<ClientProxy<typeof Plain>['Add']>().toEqualTypeOf<(a: number, b: number) => Promise<number>>();
    expectTypeOf<ClientProxy<typeof Plain>['Ping']>().toEqualTypeOf<() => Promise<void>>();
    expect(Plain.operations.get('Add')!.params.map((p) => p.direction)).toEqual(['in', 'in']);
    // An operation with only out parameters takes no arguments.
    const OnlyOut = defineContract({ name: 'IO', operations: { Get: { params: [['v', 'long', { direction: 'out' }]] } } });
    expectTypeOf<ClientProxy<typeof OnlyOut>['Get']>().toEqualTypeOf<() => Promise<{ v: bigint }>>();
    expect(OnlyOut.operations.get('Get')!.params).toEqual([{ name: 'v', type: 'long', direction: 'out' }]);
  });

  it('refuses what WCF refuses, and stream, result-name and malformed parameters, with SOAP_ERR_INVALID_CONTRACT', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => defineContract({ name: 'I', operations: { Op: { params: [['a', 'int', { direction: 'out' }]], oneWay: true } } }), /one-way but has the out parameter 'a'/],
      [() => defineContract({ name: 'I', operations: { Op: { params: [['a', 'int'], ['b', 'string', { direction: 'ref' }]], oneWay: true } } }), /one-way but has the ref parameter 'b'/],
      [() => defineContract({ name: 'I', operations: { Op: { params: [['s', 'stream', { direction: 'out' }]] } } }), /'s' of I\.Op is a 'stream' declared 'out'/],
      [() => defineContract({ name: 'I', operations: { Op: { params: [['s', 'stream', { direction: 'ref' }]] } } }), /'s' of I\.Op is a 'stream' declared 'ref'/],
      [() => defineContract({ name: 'I', operations: { Op: { params: [['n', 'int', { direction: 'out' }]], returns: 'stream' } } }), /returns a 'stream' and has the out parameter 'n'/],
      [() => defineContract({ name: 'I', operations: { Op: { params: [['result', 'int', { direction: 'out' }]], returns: 'int' } } }), /'result', a name the result takes/],
      [() => defineContract({ name: 'I', operations: { Op: { params: [['OpResult', 'int', { direction: 'ref' }]], returns: 'int' } } }), /'OpResult', a name the result takes/],
      [() => defineContract({ name: 'I', operations: { Op: { params: [['a', 'int', { direction: 'inout' as never }]] } } }), /direction of parameter 'a' of I\.Op is "inout"/],
      [() => defineContract({ name: 'I', operations: { Op: { params: [['a', 'int', 'out' as never]] } } }), /third item of parameter 'a'/],
    ];
    for (const [define, message] of cases) {
      expect(define).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT, message: expect.stringMatching(message) }));
    }
    // A void operation's out parameter may be called result: there is no result to clash with.
    const V = defineContract({ name: 'I', operations: { Op: { params: [['result', 'int', { direction: 'out' }]] } } });
    expect(V.operations.get('Op')!.params).toEqual([{ name: 'result', type: 'int', direction: 'out' }]);
  });
});

describe('out and ref parameters: the bodies, against Mono', () => {
  const requests = monoEnvelopes('c2s');
  const replies = monoEnvelopes('s2c');

  it('the capture holds the seven exchanges', () => {
    expect(requests.map((r) => bodyOf(r.nodes).localName)).toEqual(EXCHANGES.map((e) => e.op));
    expect(replies.map((r) => bodyOf(r.nodes).localName)).toEqual(EXCHANGES.map((e) => (e.reply === undefined ? 'Fault' : `${e.op}Response`)));
  });

  it("reads Mono's requests (in and ref parameters) and replies (result, then out and ref parameters)", () => {
    EXCHANGES.forEach((e, i) => {
      const op = opOf(e.op);
      expect(parseRequestBody(op, [bodyOf(requests[i]!.nodes)]), `request ${i}`).toEqual(e.args);
      if (e.reply !== undefined) expect(parseReplyBody(op, [bodyOf(replies[i]!.nodes)]), `reply ${i}`).toEqual(e.reply);
    });
  });

  it("writes the bodies Mono writes, element by element: names, namespaces, order, nil and values", () => {
    EXCHANGES.forEach((e, i) => {
      const op = opOf(e.op);
      expect(shape(reread(buildRequestBody(op, e.args))), `request ${i}`).toEqual(shape(bodyOf(requests[i]!.nodes)));
      if (e.reply !== undefined) expect(shape(reread(buildReplyBody(op, e.reply))), `reply ${i}`).toEqual(shape(bodyOf(replies[i]!.nodes)));
    });
  });

  it('writes the primitive parts with the very bytes Mono wrote (session strings, records, nil)', () => {
    // Each message is re-encoded in order from Mono's decoded envelope, the parts of the
    // primitive-only operations replaced by ours; the data contract operation (Older) is kept as
    // Mono wrote it, so that both session dictionaries advance alike. Mono's fault is only encoded
    // in turn, not compared: its reason's Chars8 record is not folded with the EndElement after
    // it, which this layer's writer folds as .NET's does (docs/protocol.md §13).
    for (const [direction, envelopes] of [['request', requests], ['reply', replies]] as const) {
      const enc = new BinarySessionEncoder();
      EXCHANGES.forEach((e, i) => {
        const { payload, nodes } = envelopes[i]!;
        const mono = bodyOf(nodes);
        const ours =
          e.op === 'Older' || isFaultBody([mono])
            ? undefined
            : direction === 'request'
              ? buildRequestBody(opOf(e.op), e.args)
              : buildReplyBody(opOf(e.op), e.reply);
        const swapped = ours === undefined ? nodes : replaceBody(nodes, { ...mono, children: ours.children });
        const encoded = enc.encode(swapped);
        if (!isFaultBody([mono])) expect(encoded.toString('hex'), `${direction} ${i} (${e.op})`).toBe(payload.toString('hex'));
      });
    }
  });

  it('the reply puts the result first, then out and ref parameters in declaration order', () => {
    const names = (el: XmlElement) => childElements(el).map((c) => c.localName);
    expect(names(buildReplyBody(opOf('Concat'), { counter: 2, length: 1, result: 'x' }))).toEqual(['ConcatResult', 'length', 'counter']);
    expect(names(buildRequestBody(opOf('Concat'), ['x', 1]))).toEqual(['a', 'counter']);
    expect(names(buildRequestBody(opOf('Older'), [null, 1]))).toEqual(['person', 'years']);
    expect(names(buildReplyBody(opOf('Older'), { result: true, person: null, scores: [] }))).toEqual(['OlderResult', 'person', 'scores']);
    expect(toXmlString(buildReplyBody(opOf('Swap'), { x: 'b', y: 'a' }))).toBe(`<SwapResponse xmlns="${SERVICE}"><x>b</x><y>a</y></SwapResponse>`);
  });

  it('a missing out or ref part reads as its default value, as a missing in part does', () => {
    const empty = reread(buildReplyBody(defineContract({ name: 'ITest', namespace: SERVICE, operations: { Concat: { returns: 'string' } } }).operations.get('Concat')!, 'x'));
    expect(parseReplyBody(opOf('Concat'), [empty])).toEqual({ result: 'x', length: 0, counter: 0 });
  });

  it('a reply value that is not the object of every out and ref value is SOAP_ERR_INVALID_VALUE', () => {
    const invalid = expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE });
    expect(() => buildReplyBody(opOf('Divide'), 3)).toThrow(invalid);
    expect(() => buildReplyBody(opOf('Divide'), null)).toThrow(invalid);
    expect(() => buildReplyBody(opOf('Divide'), { result: 3 })).toThrow(expect.objectContaining({ message: expect.stringContaining("has no 'remainder'") }));
    expect(() => buildReplyBody(opOf('Swap'), { x: 'a' })).toThrow(expect.objectContaining({ message: expect.stringContaining('{ x, y }') }));
    expect(() => buildRequestBody(opOf('Divide'), [1, 2, 3])).toThrow(expect.objectContaining({ message: expect.stringContaining('takes 2 argument(s) (a, b)') }));
  });
});

/** `nodes` (one envelope) with its body element replaced. */
function replaceBody(nodes: XmlNode[], body: XmlElement): XmlNode[] {
  const envelope = nodes[0] as XmlElement;
  return [
    {
      ...envelope,
      children: envelope.children.map((c) => (c.kind === 'element' && c.localName === 'Body' && c.namespaceUri === Ns.soap12 ? { ...c, children: [body] } : c)),
    },
  ];
}

describe('out and ref parameters: the dispatcher and the client', () => {
  const open: { client: MemoryChannel; serving: Promise<void> }[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) {
      await s.client.close();
      await s.serving;
    }
  });

  function start(implementation: ServiceImplementation<typeof ITest>, errors: unknown[] = []): ClientProxy<typeof ITest> {
    const dispatcher = new ServiceDispatcher([implement(ITest, implementation)], { onError: (err) => errors.push(err) });
    const [client, server] = createChannelPair();
    open.push({ client, serving: dispatcher.serve(server).then(() => server.close()) });
    return createClient(ITest, client);
  }

  const service: ServiceImplementation<typeof ITest> = {
    Divide: (a, b) => {
      if (b === 0) throw new RangeError('Attempted to divide by zero.');
      return { result: Math.trunc(a / b), remainder: a % b };
    },
    Swap: (x, y) => ({ x: y, y: x }),
    Concat: async (a, counter) => {
      const result = `${a ?? ''}#${counter + 1}`;
      return { result, length: result.length, counter: counter + 1 };
    },
    Older: (person, years) => ({
      result: person !== null && person.Age + years >= 65,
      person: person && { ...person, Age: person.Age + years },
      scores: person?.Scores ?? null,
    }),
  };

  it('the client passes in and ref arguments and gets the result with the out and ref values', async () => {
    const proxy = start(service);
    for (const e of EXCHANGES) {
      if (e.reply === undefined) continue;
      const call = proxy[e.op] as (...args: unknown[]) => Promise<unknown>;
      expect(await call(...e.args), e.op).toEqual(e.reply);
    }
  });

  it("an implementation's exception is the fault of last resort; a reply missing a value too, reported to onError", async () => {
    const errors: unknown[] = [];
    const proxy = start({ ...service, Swap: (x) => ({ x }) as never }, errors);
    await expect(proxy.Divide(1, 0)).rejects.toBeInstanceOf(FaultException);
    await expect(proxy.Swap('a', 'b')).rejects.toMatchObject({ faultCode: { name: 'Receiver', subcode: { name: 'InternalServiceFault' } } });
    expect(errors).toEqual([expect.any(RangeError), expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE })]);
    // The session goes on.
    expect(await proxy.Divide(9, 4)).toEqual({ result: 2, remainder: 1 });
  });

  it('a stream stays the only part: an in stream with an out parameter is refused as before', () => {
    expect(() =>
      defineContract({ name: 'I', operations: { Up: { params: [['s', 'stream'], ['n', 'long', { direction: 'out' }]] } } }),
    ).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT }));
    // …while a stream result and a stream parameter alone are still accepted.
    const S = defineContract({ name: 'I', operations: { Get: { returns: 'stream' }, Put: { params: [['s', 'stream']] } } });
    expect(S.operations.size).toBe(2);
  });
});
