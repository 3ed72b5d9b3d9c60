// WCF message contracts ([MessageContract]): the syntax and its inferred types, the envelope shapes
// TypeLoader.cs and DataContractSerializerOperationFormatter.cs give them (headers in the SOAP
// Header, body members in the contract's wrapper, in Order then namespace then name), the checks
// WCF makes when a contract loads, and calls through the dispatcher and the client.
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { createClient } from '../src/client.js';
import { type ClientProxy, type ServiceImplementation, defineContract } from '../src/contract.js';
import { defineDataContract } from '../src/data-contract.js';
import { ServiceDispatcher, implement } from '../src/dispatcher.js';
import { buildEnvelope, notUnderstoodHeader, parseEnvelope } from '../src/envelope.js';
import { SoapErrorCodes } from '../src/errors.js';
import { type MessageOf, defineMessageContract } from '../src/message-contract.js';
import { BinarySessionEncoder } from '../src/message-encoder.js';
import { Ns } from '../src/namespaces.js';
import { buildReplyBody, buildReplyMessage, buildRequestBody, buildRequestMessage, parseReplyBody, parseRequestBody } from '../src/operation-formatter.js';
import { declaresHeader, type MessageParts } from '../src/message-contract.js';
import { arrayOf } from '../src/types.js';
import { type XmlElement, childElements } from '../src/xml-node.js';
import { toXmlString } from '../src/xml-text.js';
import { type MemoryChannel, createChannelPair } from './support/memory-channel.js';

const NS = 'http://portshare.example/bank';
const HDR = 'http://portshare.example/headers';

const Party = defineDataContract({ name: 'Party', namespace: 'http://portshare.example/parties', members: { Name: 'string', Account: 'int' } });

const TransferRequest = defineMessageContract({
  name: 'TransferRequest',
  headers: { Id: 'guid', Tenant: { type: 'string', name: 'TenantName', namespace: HDR, mustUnderstand: true } },
  body: { Note: 'string', Amount: { type: 'decimal', order: 2 }, Slots: { type: arrayOf('int'), order: 1 }, From: Party },
});
const TransferResponse = defineMessageContract({
  name: 'TransferResponse',
  wrapperName: 'TransferResult',
  namespace: 'http://portshare.example/results',
  headers: { Receipt: 'long' },
  body: { Accepted: 'bool', Balance: 'decimal' },
});
const Ping = defineMessageContract({ name: 'Ping', wrapped: false, headers: { Seq: 'int' }, body: { Text: 'string' } });

const IBank = defineContract({
  name: 'IBank',
  namespace: NS,
  operations: {
    Transfer: { params: [['request', TransferRequest]], returns: TransferResponse },
    Notify: { params: [['request', TransferRequest]] },
    Status: { returns: TransferResponse },
    Echo: { params: [['p', Ping]], returns: Ping },
    Count: { params: [['request', TransferRequest]], returns: 'int' },
    Open: { params: [['owner', 'string'], ['amount', 'decimal']], returns: TransferResponse },
  },
});

const request: MessageOf<typeof TransferRequest> = {
  Id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  Tenant: 'acme',
  Note: 'rent ✓',
  Amount: '1234.50',
  Slots: [1, -2, 3],
  From: { Name: 'Ann', Account: 42 },
};
const response: MessageOf<typeof TransferResponse> = { Receipt: 9007199254740993n, Accepted: true, Balance: '-0.01' };
const op = (name: string) => IBank.operations.get(name)!;

/** Writes and reads back one envelope, as the peer would receive it. */
function roundTrip(message: MessageParts, action = 'urn:test'): ReturnType<typeof parseEnvelope> {
  const enc = new BinarySessionEncoder();
  const dec = new BinarySessionEncoder();
  return parseEnvelope(dec.decode(enc.encode(buildEnvelope({ action, headers: [...message.headers], body: [...message.body] }))));
}

const names = (els: readonly XmlElement[]): string[] => els.map((e) => `{${e.namespaceUri}}${e.localName}`);

describe('message contracts: syntax and types', () => {
  it('infers one object of headers and body members for parameters, results and implementations', () => {
    expectTypeOf<MessageOf<typeof TransferRequest>>().toEqualTypeOf<{
      Id: string;
      Tenant: string | null;
      Note: string | null;
      Amount: string;
      Slots: number[] | null;
      From: { Name: string | null; Account: number } | null;
    }>();
    type Proxy = ClientProxy<typeof IBank>;
    expectTypeOf<Proxy['Transfer']>().toEqualTypeOf<(request: MessageOf<typeof TransferRequest>) => Promise<MessageOf<typeof TransferResponse>>>();
    expectTypeOf<Proxy['Status']>().toEqualTypeOf<() => Promise<MessageOf<typeof TransferResponse>>>();
    expectTypeOf<Proxy['Count']>().returns.toEqualTypeOf<Promise<number>>();
    type Impl = ServiceImplementation<typeof IBank>;
    expectTypeOf<ReturnType<Impl['Transfer']>>().toEqualTypeOf<MessageOf<typeof TransferResponse> | Promise<MessageOf<typeof TransferResponse>>>();
  });

  it('resolves WCF defaults: wrapper named after the type in the contract namespace, parts in Order, then namespace, then name', () => {
    const mc = op('Transfer').messageContracts!;
    expect(mc.request).toMatchObject({ wrapped: true, wrapperName: 'TransferRequest', wrapperNamespace: NS });
    expect(mc.request!.body.map((p) => p.name)).toEqual(['From', 'Note', 'Slots', 'Amount']);
    expect(mc.request!.headers.map((p) => [p.name, p.namespace, p.mustUnderstand])).toEqual([
      ['Id', NS, false],
      ['TenantName', HDR, true],
    ]);
    expect(mc.reply).toMatchObject({ wrapperName: 'TransferResult', wrapperNamespace: 'http://portshare.example/results' });
    // Body members take the service contract's namespace, not the wrapper's (TypeLoader.cs defaultNS).
    expect(mc.reply!.body.map((p) => p.namespace)).toEqual([NS, NS]);
  });
});

describe('message contracts: envelope shapes', () => {
  it('a request: headers after the addressing headers, the body the contract wrapper with its members', () => {
    const env = roundTrip(buildRequestMessage(op('Transfer'), [request]));
    // Headers sort like body parts with no Order: by namespace ('…/bank' < '…/headers'), then name.
    expect(names(env.headers)).toEqual([`{${Ns.addressing}}Action`, `{${NS}}Id`, `{${HDR}}TenantName`]);
    const tenant = env.headers[2]!;
    expect(tenant.attributes.some((a) => a.localName === 'mustUnderstand' && a.namespaceUri === Ns.soap12)).toBe(true);
    expect(env.headers[1]!.attributes).toEqual([]);
    expect(names(env.body)).toEqual([`{${NS}}TransferRequest`]);
    expect(names(childElements(env.body[0]!))).toEqual([`{${NS}}From`, `{${NS}}Note`, `{${NS}}Slots`, `{${NS}}Amount`]);
    expect(toXmlString(env.body[0]!)).toContain('<Note>rent ✓</Note>');
    expect(parseRequestBody(op('Transfer'), env.body, env.headers)).toEqual([request]);
  });

  it('a reply in its own wrapper name and namespace; read back with its header', () => {
    const env = roundTrip(buildReplyMessage(op('Transfer'), response));
    expect(names(env.headers)).toEqual([`{${Ns.addressing}}Action`, `{${NS}}Receipt`]);
    expect(names(env.body)).toEqual(['{http://portshare.example/results}TransferResult']);
    expect(parseReplyBody(op('Transfer'), env.body, env.headers)).toEqual(response);
  });

  it('a void reply beside a message contract request, and a parameterless request beside a message contract reply, are empty bodies', () => {
    expect(roundTrip(buildReplyMessage(op('Notify'), undefined)).body).toEqual([]);
    expect(roundTrip(buildRequestMessage(op('Status'), [])).body).toEqual([]);
    expect(parseRequestBody(op('Status'), [])).toEqual([]);
    expect(parseReplyBody(op('Notify'), [])).toBeUndefined();
  });

  it('the other message of an operation stays the usual wrapped one', () => {
    const reply = roundTrip(buildReplyMessage(op('Count'), 3));
    expect(names(reply.body)).toEqual([`{${NS}}CountResponse`]);
    const req = roundTrip(buildRequestMessage(op('Open'), ['Ann', '10']));
    expect(names(req.body)).toEqual([`{${NS}}Open`]);
  });

  it('unwrapped: the body member is the Body child', () => {
    const env = roundTrip(buildRequestMessage(op('Echo'), [{ Seq: 7, Text: 'hi' }]));
    expect(names(env.body)).toEqual([`{${NS}}Text`]);
    expect(names(env.headers).slice(1)).toEqual([`{${NS}}Seq`]);
    expect(parseRequestBody(op('Echo'), env.body, env.headers)).toEqual([{ Seq: 7, Text: 'hi' }]);
  });

  it('missing headers and members read as default values; a wrong wrapper is refused', () => {
    const env = roundTrip(buildReplyMessage(op('Transfer'), response));
    expect(parseReplyBody(op('Transfer'), env.body, [])).toEqual({ ...response, Receipt: 0n });
    expect(() => parseRequestBody(op('Transfer'), env.body)).toThrow(expect.objectContaining({ code: SoapErrorCodes.DESERIALIZATION_FAILED }));
  });

  it("a mustUnderstand header of the request contract is understood by that operation, not by another's", () => {
    const env = roundTrip(buildRequestMessage(op('Transfer'), [request]), op('Transfer').action);
    expect(notUnderstoodHeader(env, (h) => declaresHeader(op('Transfer').messageContracts?.request, h))).toBeUndefined();
    expect(notUnderstoodHeader(env, (h) => declaresHeader(op('Echo').messageContracts?.request, h))?.localName).toBe('TenantName');
    expect(notUnderstoodHeader(env)?.localName).toBe('TenantName');
  });

  it('the one-element body builders refuse a message contract operation: its message is not one element', () => {
    expect(() => buildRequestBody(op('Transfer'), [request])).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE, message: expect.stringMatching(/buildRequestMessage/) }));
    expect(() => buildReplyBody(op('Notify'), undefined)).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE }));
    expect(buildRequestMessage(op('Open'), ['Ann', '10'])).toEqual({ headers: [], body: [buildRequestBody(op('Open'), ['Ann', '10'])] });
  });

  it('a value that is not an object is refused', () => {
    expect(() => buildRequestMessage(op('Transfer'), [null])).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_VALUE }));
  });
});

describe('message contracts: refusals', () => {
  const refused = (operations: Parameters<typeof defineContract>[0]['operations'], text: RegExp): void => {
    expect(() => defineContract({ name: 'IX', operations })).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT, message: expect.stringMatching(text) }));
  };

  it('a message contract parameter among other parameters', () => {
    refused({ A: { params: [['r', TransferRequest], ['n', 'int']] } }, /single parameter/);
    refused({ A: { params: [['n', 'int'], ['r', TransferRequest]] } }, /single parameter/);
  });

  it('a message contract out or ref parameter, and a message contract result beside out parameters', () => {
    refused({ A: { params: [['r', TransferRequest, { direction: 'out' }]] } }, /declared 'out'/);
    refused({ A: { params: [['r', TransferRequest, { direction: 'ref' }]] } }, /declared 'ref'/);
    refused({ A: { params: [['n', 'int', { direction: 'out' }]], returns: TransferResponse } }, /returns a message contract/);
  });

  it('an unwrapped contract with more than one body member, duplicate parts, stream members, clashing keys', () => {
    const Wide = defineMessageContract({ name: 'Wide', wrapped: false, body: { A: 'int', B: 'int' } });
    refused({ A: { params: [['w', Wide]] } }, /at most one body member/);
    const Dup = defineMessageContract({ name: 'Dup', headers: { A: 'int' }, body: { B: { type: 'int', name: 'A' } } });
    refused({ A: { params: [['d', Dup]] } }, /two parts named 'A'/);
    expect(() => defineMessageContract({ name: 'Streamy', body: { S: 'stream' } })).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT }));
    expect(() => defineMessageContract({ name: 'X', headers: { A: 'int' }, body: { A: 'int' } })).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT }));
    expect(() => defineMessageContract({ name: 'not a name' })).toThrow(expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT }));
  });

  it('a one-way operation may take a message contract but not return one', () => {
    expect(() => defineContract({ name: 'IX', operations: { A: { params: [['r', TransferRequest]], oneWay: true } } })).not.toThrow();
    refused({ A: { returns: TransferResponse, oneWay: true } }, /one-way/);
  });
});

describe('message contracts: calls through the client and the dispatcher', () => {
  const open: { client: MemoryChannel; serving: Promise<void> }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0)) {
      await o.client.close();
      await o.serving;
    }
  });

  it('every header and body member arrives and comes back', async () => {
    const seen: unknown[] = [];
    const errors: unknown[] = [];
    const dispatcher = new ServiceDispatcher(
      [
        implement(IBank, {
          Transfer: (r) => {
            seen.push(r);
            return { Receipt: 5n, Accepted: r.Amount === '1234.50', Balance: r.Amount };
          },
          Notify: (r) => void seen.push(r),
          Status: () => response,
          Echo: (p) => ({ Seq: p.Seq + 1, Text: `${p.Text ?? ''}!` }),
          Count: (r) => r.Slots?.length ?? 0,
          Open: (owner, amount) => ({ Receipt: 1n, Accepted: owner === 'Ann', Balance: amount }),
        }),
      ],
      { onError: (err) => errors.push(err) },
    );
    const [client, server] = createChannelPair();
    open.push({ client, serving: dispatcher.serve(server).then(() => server.close()) });
    const bank = createClient(IBank, client);
    expect(await bank.Transfer(request)).toEqual({ Receipt: 5n, Accepted: true, Balance: '1234.50' });
    expect(seen).toEqual([request]);
    await bank.Notify(request);
    expect(await bank.Status()).toEqual(response);
    expect(await bank.Echo({ Seq: 1, Text: 'a' })).toEqual({ Seq: 2, Text: 'a!' });
    expect(await bank.Count(request)).toBe(3);
    expect(await bank.Open('Ann', '10.5')).toEqual({ Receipt: 1n, Accepted: true, Balance: '10.5' });
    expect(errors).toEqual([]);
  });
});
