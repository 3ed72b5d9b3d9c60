// `portshare-soap import` against a stock Mono WCF service (csharp/MetadataService.cs) that
// publishes its metadata with ServiceMetadataBehavior { HttpGetEnabled, HttpGetUrl }:
//
// 1. the CLI imports http://127.0.0.1:PORT/meta?wsdl (which imports ?wsdl=wsdl0 and ?xsd=xsd0…);
// 2. the generated module is compared with fixtures/wsdl-import/IInventory.ts, and every document
//    read with fixtures/wsdl-import/documents/ (ports replaced by HTTP_PORT and TCP_PORT, the
//    ?wsdl=… and ?xsd=… locations by the files next to them, so the unit tests of
//    packages/soap/test/wsdl-import.test.ts can import the same metadata offline);
// 3. the generated module is loaded and every operation of the service is called through its
//    net.tcp endpoint with the generated client.
//
// After a deliberate change (to MetadataService.cs or to the generator), regenerate the golden
// files with:  UPDATE_GOLDEN=1 npx vitest run test/wsdl-import.int.test.ts   (in packages/interop)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NetDateTime, loadDocuments } from '@portshare/soap';
import { connectSession, type ClientSession } from '@portshare/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_DIR, CSHARP_DIR, type ChildProgram, Tools, freePort, requireTools, skipWithout, startMono } from '../src/index.js';
import type * as Golden from './fixtures/wsdl-import/IInventory.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/wsdl-import/', import.meta.url));
const DOCUMENTS = join(FIXTURES, 'documents');
const GOLDEN_MODULE = join(FIXTURES, 'IInventory.ts');
const BIN = fileURLToPath(new URL('../../soap/bin/portshare-soap.js', import.meta.url));
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

/** Compiles MetadataService.cs once per content into build/csharp/metadata-<hash>.exe. */
function compileMetadataService(): string {
  requireTools('mcs', 'mono');
  const source = join(CSHARP_DIR, 'MetadataService.cs');
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  const exe = join(BUILD_DIR, `metadata-${hash}.exe`);
  if (existsSync(exe)) return exe;
  mkdirSync(BUILD_DIR, { recursive: true });
  const tmp = mkdtempSync(join(BUILD_DIR, 'tmp-metadata-'));
  try {
    const out = join(tmp, 'metadata.exe');
    const r = spawnSync(Tools.mcs, ['-nologo', '-optimize+', `-out:${out}`, '-r:System.ServiceModel.dll', '-r:System.Runtime.Serialization.dll', source], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(`mcs could not compile MetadataService.cs:\n${r.stdout}${r.stderr}`);
    writeFileSync(exe, readFileSync(out));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return exe;
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

  function checkGolden(file: string, actual: string): void {
    if (UPDATE) {
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, actual);
      return;
    }
    expect(existsSync(file), `${file} is missing: run with UPDATE_GOLDEN=1 to create it`).toBe(true);
    expect(actual).toBe(readFileSync(file, 'utf8'));
  }

  beforeAll(async () => {
    const exe = compileMetadataService();
    httpPort = await freePort();
    tcpPort = await freePort();
    service = startMono(exe, [`net.tcp://127.0.0.1:${tcpPort}/inventory`, `http://127.0.0.1:${httpPort}/meta`]);
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
    expect(names).toEqual(['service.wsdl', 'wsdl0.wsdl', 'xsd0.xsd', 'xsd1.xsd', 'xsd2.xsd', 'xsd3.xsd']);
    if (UPDATE) rmSync(DOCUMENTS, { recursive: true, force: true });
    for (const d of documents) checkGolden(join(DOCUMENTS, documentFileName(d.location)), normalize(d.text));
    expect(readdirSync(DOCUMENTS).sort()).toEqual([...names].sort());
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
  });
});
