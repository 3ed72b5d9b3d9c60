// `portshare-soap import` against a stock Mono WCF service (csharp/MetadataService.cs) that
// publishes its metadata with ServiceMetadataBehavior { HttpGetEnabled, HttpGetUrl }:
//
// 1. the CLI imports http://127.0.0.1:PORT/meta?wsdl (which imports ?wsdl=wsdl0 and ?xsd=xsd0…);
// 2. the generated module is compared with fixtures/wsdl-import/IInventory.ts, and every document
//    read with fixtures/wsdl-import/documents/ (ports replaced by HTTP_PORT and TCP_PORT, the
//    ?wsdl=… and ?xsd=… locations by the files next to them, so the unit tests of
//    packages/soap/test/wsdl-import.test.ts can import the same metadata offline);
// 3. the generated module is loaded and every operation of the service is called through its
//    net.tcp endpoint with the generated client;
// 4. the other way round: a TypeScript ServiceHost (through a private sharing daemon) implements
//    the generated contract, and MetadataService.cs's own WCF client (`client` mode) calls every
//    operation of it; each result it prints must be what the Mono service would have answered.
//
// 5. message contracts, which Mono's WsdlExporter.cs cannot publish: the CLI imports
//    fixtures/wsdl-import/message-contracts/bank.wsdl (MessageContracts.cs's IBank as .NET's
//    MessageContractExporter.cs writes it), the module is compared with IBank.ts there, and the
//    generated client calls MessageContracts.cs's Mono service, and Mono's client a TypeScript
//    service implementing the generated IBank, with the values of message-contract.int.test.ts.
//
// 6. the same metadata over WS-MetadataExchange (MetadataService.cs adds IMetadataExchange endpoints
//    on MetadataExchangeBindings.CreateMexTcpBinding() and CreateMexHttpBinding()): the CLI imports
//    net.tcp://127.0.0.1:MEX_PORT/mex, and http://127.0.0.1:HTTP_PORT/mex with --mex, and each
//    generated module is the golden IInventory.ts but for its first line, which names the address
//    imported from; the sections come in the order ?wsdl's documents are read.
//
// After a deliberate change (to MetadataService.cs or to the generator), regenerate the golden
// files with:  UPDATE_GOLDEN=1 npx vitest run test/wsdl-import.int.test.ts   (in packages/interop)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ServiceHost } from '@portshare/host';
import { NetDateTime, Typed, contractOf, implement, typed } from '@portshare/soap';
import { loadDocuments, loadMexDocuments } from '@portshare/soap/import';
import { connectSession, type ClientSession } from '@portshare/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_DIR, compileCSharp, type ChildProgram, type PrivateDaemon, freePort, skipWithout, startMono, startPrivateDaemon } from '../src/index.js';
import type * as Golden from './fixtures/wsdl-import/IInventory.js';
import type * as BankGolden from './fixtures/wsdl-import/message-contracts/IBank.js';
import {
  FULL,
  MONO_CLIENT_LINES as BANK_CLIENT_LINES,
  PINGS,
  RECEIVED_LINES as BANK_RECEIVED_LINES,
  SPARSE,
  answer,
  answerPing,
  describePing,
  describeRequest,
  type TransferRequestValue,
} from './message-contract-peer.js';
import { openSharedHost, runMonoClient, type SharedHost } from './shared-host.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/wsdl-import/', import.meta.url));
const DOCUMENTS = join(FIXTURES, 'documents');
const GOLDEN_MODULE = join(FIXTURES, 'IInventory.ts');
const BANK_FIXTURES = join(FIXTURES, 'message-contracts');
const BIN = fileURLToPath(new URL('../../soap/bin/portshare-soap.js', import.meta.url));
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

/** Adds two decimals given as text (`'1.10' + '2.205'` is `'3.305'`), keeping the larger scale as .NET's decimal does. */
function addDecimal(a: string, b: string): string {
  const scaleOf = (s: string): number => (s.includes('.') ? s.length - s.indexOf('.') - 1 : 0);
  const scale = Math.max(scaleOf(a), scaleOf(b));
  const units = (s: string): bigint => BigInt(s.replace('.', '')) * 10n ** BigInt(scale - scaleOf(s));
  const sum = units(a) + units(b);
  const digits = (sum < 0n ? -sum : sum).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return sum < 0n ? `-${text}` : text;
}

/** What MetadataService.cs's client prints, in order, when the service behaves as InventoryService does. */
const MONO_CLIENT_LINES = [
  'AddInts 42',
  'Concat ab\\u00fc \\u2713',
  'Not False',
  'Half 2.5',
  'Twice 9223372036854775806',
  'AddDecimal 3.305',
  'AddDays 2024-03-01T10:30:00.0000000Z',
  'EchoGuid 0f8fad5b-d9cb-469f-a165-70867728950e',
  'Reverse [255,3,2,1]',
  'Split [a|b||c]',
  'Echo Item{6b29fc40-ca47-1067-b31d-00dd010662da,Wrench \\u2713,12.50,7,-9007199254740993,True,2023-12-31T23:59:59.0000000Z,[0,1,2],[spanner|null|],20x0.5,[Tag{metal,3},Tag{null,-1}],Kit,4}',
  'TagsOf [Tag{metal,3},Tag{null,-1}]',
  'NextKind Kit',
  'Increment 42',
  'LastNotified hello',
  'LastNotified []',
  'Describe PowerTool:drill:750',
  'Describe Tool:saw',
  'Upgrade PowerTool{saw+,500}',
  'EchoShelf Shelf{System.Int32:5,{urn:codes}Widget,[a1|null|b],{heavy=Tag{heavy,9},none=null},2024-05-01T10:00:00.0000000+02:00}',
  'EchoObject System.Double:2.5',
  'EchoObject System.String:text',
  'ShiftHours 2024-05-01T21:00:00.0000000-05:00',
];

/** Compares `actual` with the golden file (or writes it, with UPDATE_GOLDEN=1). */
function checkGolden(file: string, actual: string): void {
  if (UPDATE) {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  expect(existsSync(file), `${file} is missing: run with UPDATE_GOLDEN=1 to create it`).toBe(true);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

/** The file a fetched document is kept as: `?wsdl` → service.wsdl, `?wsdl=wsdl0` → wsdl0.wsdl, `?xsd=xsd1` → xsd1.xsd. */
function documentFileName(location: string): string {
  const query = new URL(location).search;
  if (query === '?wsdl') return 'service.wsdl';
  const m = /^\?(wsdl|xsd)=(\w+)$/.exec(query);
  if (m === null) throw new Error(`unexpected metadata location ${location}`);
  return `${m[2]}.${m[1]}`;
}

describe.skipIf(skipWithout('mcs', 'mono'))('portshare-soap import against a Mono WCF service publishing its WSDL', () => {
  let service: ChildProgram | undefined;
  let session: ClientSession | undefined;
  let httpPort = 0;
  let tcpPort = 0;
  let mexPort = 0;
  let generatedFile = '';
  const scratch = join(BUILD_DIR, '..', 'wsdl-import');

  /** Replaces this run's ports and metadata URLs so that the text is the same on every run. */
  function normalize(text: string): string {
    const meta = `http://127.0.0.1:${httpPort}/meta`;
    return text
      .replaceAll(/http:\/\/127\.0\.0\.1:\d+\/meta\?(wsdl|xsd)=(xsd\d+|wsdl\d+)/g, (_m, kind: string, id: string) => `${id}.${kind}`)
      .replaceAll(meta, 'http://127.0.0.1:HTTP_PORT/meta')
      .replaceAll(`127.0.0.1:${tcpPort}`, '127.0.0.1:TCP_PORT');
  }

  beforeAll(async () => {
    const exe = compileCSharp().metadataService;
    httpPort = await freePort();
    tcpPort = await freePort();
    // Mono cannot put the MEX endpoint on the service's net.tcp port (MetadataService.cs): one of its own.
    mexPort = await freePort();
    service = startMono(exe, [`net.tcp://127.0.0.1:${tcpPort}/inventory`, `http://127.0.0.1:${httpPort}/meta`, `net.tcp://127.0.0.1:${mexPort}/mex`, `http://127.0.0.1:${httpPort}/mex`]);
    await service.nextLine(/^ready$/);
    mkdirSync(scratch, { recursive: true });
  });

  afterAll(async () => {
    await session?.close().catch(() => session?.abort());
    if (service) {
      service.endInput();
      await service.waitForExit().catch(() => service?.stop());
    }
    if (generatedFile !== '') rmSync(join(generatedFile, '..'), { recursive: true, force: true });
  });

  it('the CLI imports the ?wsdl URL and writes the module named after the contract', () => {
    const out = mkdtempSync(join(scratch, 'out-'));
    const r = spawnSync(process.execPath, [BIN, 'import', `http://127.0.0.1:${httpPort}/meta?wsdl`, '--out', out], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    generatedFile = join(out, 'IInventory.ts');
    expect(r.stdout.trim()).toBe(generatedFile);
    checkGolden(GOLDEN_MODULE, normalize(readFileSync(generatedFile, 'utf8')));
  });

  it('the documents it reads match the golden WSDL and XSD files', async () => {
    const documents = await loadDocuments(`http://127.0.0.1:${httpPort}/meta?wsdl`);
    const names = documents.map((d) => documentFileName(d.location));
    expect(names).toEqual(['service.wsdl', 'wsdl0.wsdl', 'xsd0.xsd', 'xsd1.xsd', 'xsd2.xsd', 'xsd3.xsd', 'xsd4.xsd']);
    if (UPDATE) rmSync(DOCUMENTS, { recursive: true, force: true });
    for (const d of documents) checkGolden(join(DOCUMENTS, documentFileName(d.location)), normalize(d.text));
    expect(readdirSync(DOCUMENTS).sort()).toEqual([...names].sort());
  });

  describe('over WS-MetadataExchange, as svcutil reads it', () => {
    /** The golden module with its first line (the address imported from) naming `source`. */
    function goldenFrom(source: string): string {
      const golden = readFileSync(GOLDEN_MODULE, 'utf8');
      return `// Service contracts imported from ${source} by \`portshare-soap import\`.${golden.slice(golden.indexOf('\n'))}`;
    }

    function runImport(args: readonly string[]): string {
      const out = mkdtempSync(join(scratch, 'mex-'));
      try {
        // From this package, whose dependencies include @portshare/worker (the net.tcp client the CLI loads).
        const r = spawnSync(process.execPath, [BIN, 'import', ...args, '--out', out], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 60_000 });
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        expect(r.stdout.trim()).toBe(join(out, 'IInventory.ts'));
        return readFileSync(join(out, 'IInventory.ts'), 'utf8');
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }

    it('the CLI imports the net.tcp MEX address (mexTcpBinding) into the module ?wsdl gives', () => {
      const address = `net.tcp://127.0.0.1:${mexPort}/mex`;
      expect(runImport([address])).toBe(goldenFrom(address));
    });

    it('the CLI imports the HTTP MEX address with --mex (mexHttpBinding) into the module ?wsdl gives', () => {
      const address = `http://127.0.0.1:${httpPort}/mex`;
      expect(runImport([address, '--mex'])).toBe(goldenFrom(address));
    });

    it('the sections are the documents ?wsdl serves, in the order the GET loader reads them', async () => {
      const byGet = await loadDocuments(`http://127.0.0.1:${httpPort}/meta?wsdl`);
      const byMex = await loadMexDocuments(`net.tcp://127.0.0.1:${mexPort}/mex`, { openChannel: (via, options) => connectSession(via, options) });
      const describeDoc = (d: { root: { local: string; attrs: ReadonlyMap<string, string> } }): string => `${d.root.local} ${d.root.attrs.get('targetNamespace')}`;
      expect(byMex.map(describeDoc)).toEqual(byGet.map(describeDoc));
    });
  });

  describe('the generated client calls every operation over net.tcp', () => {
    let client: ReturnType<typeof Golden.createInventoryClient>;
    let mod: typeof Golden;

    beforeAll(async () => {
      expect(generatedFile).not.toBe('');
      mod = (await import(pathToFileURL(generatedFile).href)) as typeof Golden;
      session = await connectSession(`net.tcp://127.0.0.1:${tcpPort}/inventory`);
      client = mod.createInventoryClient(session, { operationTimeout: 30_000 });
    });

    it('int, string, bool, double, long, decimal', async () => {
      expect(await client.AddInts(40, 2)).toBe(42);
      expect(await client.AddInts(-2147483648, -1)).toBe(2147483647); // C#'s unchecked int overflow
      expect(await client.Concat('ab', 'ü ✓')).toBe('abü ✓');
      expect(await client.Concat(null, null)).toBe(''); // C#'s null + null
      expect(await client.Not(true)).toBe(false);
      expect(await client.Not(false)).toBe(true);
      expect(await client.Half(5)).toBe(2.5);
      expect(await client.Half(-0.3)).toBe(-0.15);
      expect(await client.Twice(4611686018427387903n)).toBe(9223372036854775806n);
      expect(await client.AddDecimal('1.10', '2.205')).toBe('3.305');
      expect(await client.AddDecimal('-79228162514264337593543950335', '1')).toBe('-79228162514264337593543950334');
    });

    it('dateTime, guid, byte[], string[]', async () => {
      const start = NetDateTime.parse('2024-02-28T10:30:00.1234567Z');
      const later = await client.AddDays(start, 2);
      expect(later.kind).toBe('Utc');
      expect(later.ticks).toBe(start.ticks + 2n * 864_000_000_000n);
      expect(await client.EchoGuid('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe('0f8fad5b-d9cb-469f-a165-70867728950e');
      expect(await client.Reverse(new Uint8Array([1, 2, 3, 255]))).toEqual(new Uint8Array([255, 3, 2, 1]));
      expect(await client.Reverse(null)).toBeNull();
      expect(await client.Split('a,b,,c')).toEqual(['a', 'b', '', 'c']);
      expect(await client.Split(null)).toBeNull();
    });

    it('a data contract with a nested contract, an array of contracts, an enum and a nullable int', async () => {
      const item: Golden.Item = {
        Added: NetDateTime.parse('2023-12-31T23:59:59Z'),
        Aliases: ['spanner', null, ''],
        Id: '6b29fc40-ca47-1067-b31d-00dd010662da',
        InStock: true,
        Kind: 'Kit',
        Name: 'Wrench ✓',
        Photo: new Uint8Array([0, 1, 2]),
        Price: '12.50',
        Quantity: 7,
        Rating: null,
        Serial: -9007199254740993n,
        Size: { Height: 0.5, Width: 20 },
        Tags: [
          { Label: 'metal', Weight: 3 },
          { Label: null, Weight: -1 },
        ],
      };
      const echoed = await client.Echo(item);
      expect(echoed).toEqual(item);
      expect(await client.Echo({ ...item, Rating: 4, Size: null, Tags: [], Aliases: null, Photo: null, Kind: 'Tool' })).toEqual({
        ...item,
        Rating: 4,
        Size: null,
        Tags: [],
        Aliases: null,
        Photo: null,
        Kind: 'Tool',
      });
      expect(await client.Echo(null)).toBeNull();
      expect(await client.TagsOf(item)).toEqual(item.Tags);
      expect(await client.TagsOf(null)).toBeNull();
    });

    it('an enum with EnumerationValue numbers, and an int? parameter (Mono exports it without nillable)', async () => {
      expect(mod.ItemKind.members.map((m) => [m.name, m.value])).toEqual([
        ['Tool', 1],
        ['Part', 2],
        ['Kit', 10],
      ]);
      expect(await client.NextKind('Tool')).toBe('Part');
      expect(await client.NextKind('Part')).toBe('Kit');
      expect(await client.NextKind('Kit')).toBe('Tool');
      expect(await client.Increment(41)).toBe(42);
    });

    it('a one-way operation and a void operation', async () => {
      expect(await client.Notify('hello ✓')).toBeUndefined();
      expect(await client.LastNotified()).toBe('hello ✓');
      expect(await client.Reset()).toBeUndefined();
      expect(await client.LastNotified()).toBe('');
    });

    it('a derived contract ([KnownType] on the base) passed and returned as its base', async () => {
      expect(mod.PowerTool.base).toBe(mod.Tool);
      expect(await client.Describe({ Name: 'saw' })).toBe('Tool:saw');
      expect(await client.Describe(typed(mod.PowerTool, { Name: 'drill ✓', Watts: 750 }))).toBe('PowerTool:drill ✓:750');
      expect(await client.Describe(null)).toBe('null');
      const upgraded = await client.Upgrade({ Name: 'saw' });
      expect(contractOf(upgraded)).toBe(mod.PowerTool);
      expect(upgraded).toEqual({ Name: 'saw+', Watts: 500 });
      const kept = await client.Upgrade(typed(mod.PowerTool, { Name: 'drill', Watts: 750 }));
      expect(contractOf(kept)).toBe(mod.PowerTool);
      expect(kept).toEqual({ Name: 'drill', Watts: 750 });
    });

    it('object, XmlQualifiedName, a [CollectionDataContract] list, Dictionary<string, Tag> and DateTimeOffset members', async () => {
      const shelf: Golden.Shelf = {
        Anything: typed('int', 5),
        Bins: ['a1', null, 'b ✓'],
        Code: { name: 'Widget', namespace: 'urn:codes' },
        Stamped: { DateTime: NetDateTime.parse('2024-05-01T08:00:00Z'), OffsetMinutes: 120 },
        TagsByName: new Map([
          ['heavy', { Label: 'heavy', Weight: 9 }],
          ['none', null],
        ]),
      };
      const echoed = await client.EchoShelf(shelf);
      expect(echoed?.Anything).toBeInstanceOf(Typed);
      expect(echoed).toEqual(shelf);
      const strings = await client.EchoShelf({ ...shelf, Anything: 'text', Bins: [], TagsByName: new Map(), Code: null });
      expect(strings).toEqual({ ...shelf, Anything: 'text', Bins: [], TagsByName: new Map(), Code: null });
      expect(await client.EchoShelf({ ...shelf, Anything: null, Bins: null, TagsByName: null })).toEqual({ ...shelf, Anything: null, Bins: null, TagsByName: null });
    });

    it('an object parameter and result, and a DateTimeOffset parameter and result', async () => {
      expect(await client.EchoObject('hi')).toBe('hi');
      expect(await client.EchoObject(true)).toBe(true);
      expect(await client.EchoObject(typed('double', 2.5))).toEqual(typed('double', 2.5));
      expect(await client.EchoObject(typed('long', 7n))).toEqual(typed('long', 7n));
      expect(await client.EchoObject(null)).toBeNull();
      const shifted = await client.ShiftHours({ DateTime: NetDateTime.parse('2024-05-01T23:00:00Z'), OffsetMinutes: -300 }, 3);
      expect(shifted?.OffsetMinutes).toBe(-300);
      expect(shifted?.DateTime.ticks).toBe(NetDateTime.parse('2024-05-02T02:00:00Z').ticks);
    });
  });
  describe('a Mono WCF client calls a TypeScript ServiceHost implementing the generated contract', () => {
    let daemon: PrivateDaemon | undefined;
    let host: ServiceHost | undefined;
    const errors: unknown[] = [];

    beforeAll(async () => {
      expect(generatedFile).not.toBe('');
      const mod = (await import(pathToFileURL(generatedFile).href)) as typeof Golden;
      daemon = await startPrivateDaemon();
      let lastNotified = '';
      // InventoryService of MetadataService.cs, written against the generated contract.
      const inventory = implement(mod.IInventory, {
        AddInts: (a, b) => (a + b) | 0,
        Concat: (a, b) => (a ?? '') + (b ?? ''),
        Not: (value) => !value,
        Half: (value) => value / 2,
        Twice: (value) => BigInt.asIntN(64, value * 2n),
        AddDecimal: (a, b) => addDecimal(a, b),
        AddDays: (value, days) => new NetDateTime(value.ticks + BigInt(days) * 864_000_000_000n, value.kind),
        EchoGuid: (value) => value,
        Reverse: (data) => (data === null ? null : Uint8Array.from(data).reverse()),
        Split: (text) => (text === null ? null : text.split(',')),
        Echo: (item) => item,
        TagsOf: (item) => (item === null ? null : item.Tags),
        NextKind: (kind) => (kind === 'Tool' ? 'Part' : kind === 'Part' ? 'Kit' : 'Tool'),
        // int? is exported without nillable by Mono, so the generated contract has 'int' both ways.
        Increment: (value) => value + 1,
        Notify: (message) => {
          lastNotified = message ?? '';
        },
        LastNotified: () => lastNotified,
        Reset: () => {
          lastNotified = '';
        },
        Describe: (tool) => {
          if (tool === null) return 'null';
          return contractOf(tool) === mod.PowerTool ? `PowerTool:${tool.Name}:${(tool as Golden.PowerTool).Watts}` : `Tool:${tool.Name}`;
        },
        Upgrade: (tool) => (tool === null || contractOf(tool) === mod.PowerTool ? tool : typed(mod.PowerTool, { Name: `${tool.Name}+`, Watts: 500 })),
        EchoShelf: (shelf) => shelf,
        EchoObject: (value) => value,
        ShiftHours: (value, hours) =>
          value === null ? null : { DateTime: new NetDateTime(value.DateTime.ticks + BigInt(hours) * 36_000_000_000n, value.DateTime.kind), OffsetMinutes: value.OffsetMinutes },
      });
      host = await ServiceHost.open({
        address: `net.tcp://localhost:${await freePort()}/inventory`,
        portSharingEnabled: true,
        home: daemon.home,
        services: [inventory],
      });
      host.on('operationError', (error) => errors.push(error));
    });

    afterAll(async () => {
      await host?.close();
      await daemon?.stop();
    });

    it('every result Mono prints is what the Mono service answers', async () => {
      const client = startMono(compileCSharp().metadataService, ['client', host!.address]);
      const status = await client.waitForExit(60_000);
      expect(status.code, `${client.stdout}\n${client.stderr}\n${errors.map(String).join('\n')}`).toBe(0);
      expect(client.stdout.trim().split('\n')).toEqual(MONO_CLIENT_LINES);
      expect(errors).toEqual([]);
    });
  });
});

/** The generated TransferRequest's value (headers by their element names) as MessageContracts.cs's peer names it. */
function toPeer(r: BankGolden.TransferRequest): TransferRequestValue {
  return { Id: r.Id, Tenant: r.TenantName, Note: r.Note, Amount: r.Amount, Slots: r.Slots, From: r.From };
}

function fromPeer(r: TransferRequestValue): BankGolden.TransferRequest {
  return { Id: r.Id, TenantName: r.Tenant, From: r.From, Note: r.Note, Slots: r.Slots, Amount: r.Amount };
}

describe.skipIf(skipWithout('mcs', 'mono'))('portshare-soap import of message contracts (IBank as .NET publishes it) against Mono’s IBank', () => {
  const scratch = join(BUILD_DIR, '..', 'wsdl-import');
  let out = '';
  let mod: typeof BankGolden;

  beforeAll(async () => {
    mkdirSync(scratch, { recursive: true });
    out = mkdtempSync(join(scratch, 'bank-'));
    // Run from the fixture folder so that the header names the file as the offline test does.
    const r = spawnSync(process.execPath, [BIN, 'import', 'bank.wsdl', '--out', out], { cwd: BANK_FIXTURES, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(join(out, 'IBank.ts'));
    mod = (await import(pathToFileURL(join(out, 'IBank.ts')).href)) as typeof BankGolden;
  });

  afterAll(() => {
    if (out !== '') rmSync(out, { recursive: true, force: true });
  });

  it('the CLI writes the golden module', () => {
    checkGolden(join(BANK_FIXTURES, 'IBank.ts'), readFileSync(join(out, 'IBank.ts'), 'utf8'));
  });

  it('the generated client calls Mono’s IBank: every header and body member (wrapped and unwrapped) arrives, and the reply, headers included, comes back exactly', async () => {
    const uri = `net.tcp://localhost:${await freePort()}/interop/bank`;
    const service = startMono(compileCSharp().messageContracts, ['service', uri]);
    let session: ClientSession | undefined;
    try {
      await service.nextLine(/^ready$/, { timeoutMs: 30_000 });
      session = await connectSession(uri);
      const bank = mod.createBankClient(session, { operationTimeout: 30_000 });
      for (const sent of [FULL, SPARSE]) {
        const reply = await bank.Transfer(fromPeer(sent));
        expect(await service.nextLine(/^recv /)).toBe(`recv Transfer ${describeRequest(sent)}`);
        expect(reply).toEqual(answer(sent));
      }
      for (const sent of PINGS) {
        const reply = await bank.Ping(sent);
        expect(await service.nextLine(/^recv /)).toBe(`recv Ping ${describePing(sent)}`);
        expect(reply).toEqual(answerPing(sent));
      }
    } finally {
      await session?.close().catch(() => session?.abort());
      service.endInput();
      await service.waitForExit().catch(() => service.stop());
    }
  });

  it('Mono’s client calls a TypeScript service implementing the generated IBank: every value arrives as sent and Mono reads the reply exactly', async () => {
    const received: string[] = [];
    let shared: SharedHost | undefined;
    try {
      shared = await openSharedHost('/interop/bank', [
        implement(mod.IBank, {
          Transfer: (request) => {
            const r = toPeer(request);
            received.push(`recv Transfer ${describeRequest(r)}`);
            return answer(r);
          },
          Ping: (request) => {
            received.push(`recv Ping ${describePing(request)}`);
            return answerPing(request);
          },
        }),
      ]);
      expect(await runMonoClient(compileCSharp().messageContracts, shared)).toEqual(BANK_CLIENT_LINES);
      expect(received).toEqual(BANK_RECEIVED_LINES);
      expect(shared.errors).toEqual([]);
    } finally {
      await shared?.close();
    }
  });
});
