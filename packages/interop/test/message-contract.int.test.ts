// Message contracts ([MessageContract]) against Mono's WCF both ways (csharp/MessageContracts.cs): the
// TypeScript client calls Mono's ServiceHost, and Mono's client calls a TypeScript ServiceHost
// through the sharing daemon. TransferRequest carries two headers (a Guid in the contract
// namespace, a string renamed into another namespace) and body members of several kinds with and
// without Order; TransferResponse a long header and its own wrapper name and namespace. Each side
// prints what it received in one canonical form (MessageContracts.cs Describe, describe*() below),
// so lines compare exactly, headers included.
import { type ClientProxy, type MessageOf, arrayOf, createClient, defineContract, defineDataContract, defineMessageContract, implement } from '@portshare/soap';
import { connectSession, type ClientSession } from '@portshare/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCSharp, type ChildProgram, freePort, skipWithout, startMono } from '../src/index.js';
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
const IBank = defineContract({
  name: 'IBank',
  namespace: 'http://portshare.example/bank',
  operations: { Transfer: { params: [['request', TransferRequest]], returns: TransferResponse } },
});

type Request = MessageOf<typeof TransferRequest>;
type Response = MessageOf<typeof TransferResponse>;

/** MessageContracts.cs's Text: null, or the string quoted with non-ASCII UTF-16 units as \uXXXX. */
function text(s: string | null): string {
  if (s === null) return 'null';
  return `'${[...s].map((c) => (c.charCodeAt(0) < 128 ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)).join('')}'`;
}

function describeRequest(r: Request): string {
  const from = r.From === null ? 'null' : `Party{Name=${text(r.From.Name)},Account=${r.From.Account}}`;
  return `TransferRequest{Id=${r.Id},Tenant=${text(r.Tenant)},Note=${text(r.Note)},Amount=${r.Amount},Slots=${r.Slots === null ? 'null' : `[${r.Slots.join(',')}]`},From=${from}}`;
}

function describeResponse(r: Response): string {
  return `TransferResponse{Receipt=${r.Receipt},Accepted=${r.Accepted},Balance=${r.Balance},Summary=${text(r.Summary)}}`;
}

/** MessageContracts.cs's Answer: the reply both services give. */
function answer(r: Request): Response {
  return {
    Receipt: 9007199254740993n + BigInt(r.Slots === null ? -1 : r.Slots.length),
    Accepted: r.Note !== null,
    Balance: r.Amount.startsWith('-') ? r.Amount.slice(1) : `-${r.Amount}`,
    Summary: `${r.From === null ? 'nobody' : (r.From.Name ?? '')}|${r.Id}|${r.Tenant ?? 'none'}`,
  };
}

/** What MessageContracts.cs's client sends, in order. */
const FULL: Request = {
  Id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  Tenant: 'acme ✓',
  Note: 'rent',
  Amount: '1234.50',
  Slots: [1, -2, 2147483647],
  From: { Name: 'Ann', Account: 42 },
};
const SPARSE: Request = { Id: '00000000-0000-0000-0000-000000000001', Tenant: null, Note: null, Amount: '-0.001', Slots: null, From: null };

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
      }),
    ]);
  });

  afterAll(async () => {
    await shared?.close();
  });

  it('every value arrives as Mono sent it and Mono reads the reply, header included, exactly', async () => {
    const lines = await runMonoClient(compileCSharp().messageContracts, shared!);
    expect(lines).toEqual([FULL, SPARSE].flatMap((r) => [`sent Transfer ${describeRequest(r)}`, `Transfer ${describeResponse(answer(r))}`]));
    expect(received).toEqual([FULL, SPARSE].map((r) => `recv Transfer ${describeRequest(r)}`));
    expect(shared!.errors).toEqual([]);
  });
});
