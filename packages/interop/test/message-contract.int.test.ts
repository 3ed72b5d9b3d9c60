// Message contracts ([MessageContract]) against Mono's WCF both ways (csharp/MessageContracts.cs): the
// TypeScript client calls Mono's ServiceHost, and Mono's client calls a TypeScript ServiceHost
// through the sharing daemon. TransferRequest carries two headers (a Guid in the contract
// namespace, a string renamed into another namespace) and body members of several kinds with and
// without Order; TransferResponse a long header and its own wrapper name and namespace; PingRequest
// and PingReply are unwrapped (a header each, one body member straight in the Body). Each side
// prints what it received in one canonical form (MessageContracts.cs Describe, describe*() of
// message-contract-peer.ts), so lines compare exactly, headers included.
import { type ClientProxy, arrayOf, createClient, defineContract, defineDataContract, defineMessageContract, implement } from '@portshare/soap';
import { connectSession, type ClientSession } from '@portshare/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCSharp, type ChildProgram, freePort, skipWithout, startMono } from '../src/index.js';
import { FULL, MONO_CLIENT_LINES, PINGS, RECEIVED_LINES, SPARSE, answer, answerPing, describePing, describePingReply, describeRequest, describeResponse } from './message-contract-peer.js';
import { openSharedHost, runMonoClient, type SharedHost } from './shared-host.js';

const Party = defineDataContract({ name: 'Party', namespace: 'http://portshare.example/parties', members: { Name: 'string', Account: 'int' } });

/** The TypeScript twins of MessageContracts.cs's message contracts and IBank. */
const TransferRequest = defineMessageContract({
  name: 'TransferRequest',
  headers: { Id: 'guid', Tenant: { type: 'string', name: 'TenantName', namespace: 'http://portshare.example/headers' } },
  body: { Note: 'string', Amount: { type: 'decimal', order: 2 }, Slots: { type: arrayOf('int'), order: 1 }, From: Party },
});
const TransferResponse = defineMessageContract({
  name: 'TransferResponse',
  wrapperName: 'TransferResult',
  namespace: 'http://portshare.example/results',
  headers: { Receipt: 'long' },
  body: { Accepted: 'bool', Balance: 'decimal', Summary: 'string' },
});
const PingRequest = defineMessageContract({ name: 'PingRequest', wrapped: false, headers: { Seq: 'int' }, body: { Text: 'string' } });
const PingReply = defineMessageContract({
  name: 'PingReply',
  wrapped: false,
  headers: { Echoed: { type: 'long', namespace: 'http://portshare.example/headers' } },
  body: { Who: Party },
});
const IBank = defineContract({
  name: 'IBank',
  namespace: 'http://portshare.example/bank',
  operations: {
    Transfer: { params: [['request', TransferRequest]], returns: TransferResponse },
    Ping: { params: [['request', PingRequest]], returns: PingReply },
  },
});

describe.skipIf(skipWithout('mcs', 'mono'))('message contracts: the TypeScript client calls a stock Mono WCF service', () => {
  let service: ChildProgram | undefined;
  let session: ClientSession | undefined;
  let proxy: ClientProxy<typeof IBank>;

  beforeAll(async () => {
    const exe = compileCSharp().messageContracts;
    const uri = `net.tcp://localhost:${await freePort()}/interop/bank`;
    service = startMono(exe, ['service', uri]);
    await service.nextLine(/^ready$/, { timeoutMs: 30_000 });
    session = await connectSession(uri);
    proxy = createClient(IBank, session, { operationTimeout: 30_000 });
  });

  afterAll(async () => {
    await session?.close().catch(() => session?.abort());
    if (service) {
      service.endInput();
      await service.waitForExit().catch(() => service?.stop());
    }
  });

  it('every header and body member reaches Mono, and Mono’s reply (header included) comes back exactly', async () => {
    for (const sent of [FULL, SPARSE]) {
      const reply = await proxy.Transfer(sent);
      expect(await service!.nextLine(/^recv /)).toBe(`recv Transfer ${describeRequest(sent)}`);
      expect(reply).toEqual(answer(sent));
      expect(describeResponse(reply)).toBe(describeResponse(answer(sent)));
    }
  });

  it('unwrapped message contracts: the header and the Body’s one member both ways', async () => {
    for (const sent of PINGS) {
      const reply = await proxy.Ping(sent);
      expect(await service!.nextLine(/^recv /)).toBe(`recv Ping ${describePing(sent)}`);
      expect(reply).toEqual(answerPing(sent));
      expect(describePingReply(reply)).toBe(describePingReply(answerPing(sent)));
    }
  });
});

describe.skipIf(skipWithout('mcs', 'mono'))('message contracts: a stock Mono WCF client calls the TypeScript service', () => {
  let shared: SharedHost | undefined;
  const received: string[] = [];

  beforeAll(async () => {
    shared = await openSharedHost('/interop/bank', [
      implement(IBank, {
        Transfer: (r) => {
          received.push(`recv Transfer ${describeRequest(r)}`);
          return answer(r);
        },
        Ping: (r) => {
          received.push(`recv Ping ${describePing(r)}`);
          return answerPing(r);
        },
      }),
    ]);
  });

  afterAll(async () => {
    await shared?.close();
  });

  it('every value arrives as Mono sent it and Mono reads the reply, header included, exactly', async () => {
    const lines = await runMonoClient(compileCSharp().messageContracts, shared!);
    expect(lines).toEqual(MONO_CLIENT_LINES);
    expect(received).toEqual(RECEIVED_LINES);
    expect(shared!.errors).toEqual([]);
  });
});
