// XmlQualifiedName values, dictionaries of enums and data contracts, and [CollectionDataContract]
// lists and dictionaries against Mono's WCF both ways (csharp/Collections.cs): the TypeScript client
// calls Mono's ServiceHost, and Mono's client calls a TypeScript ServiceHost through the sharing
// daemon. A Dictionary<string, Person> and a Dictionary<Color, int> have item names with a
// namespace digest (KeyValueOfstringPersonZKz6VVYG), which Mono computes itself; a wrong digest
// fails the call. Each side prints what it received in one canonical form (Collections.cs
// Describe, describe() below), so lines compare exactly and every value must come back as sent.
import { type ClientProxy, createClient, defineCollectionContract, defineContract, defineDataContract, defineEnum, dictionaryOf, type InstanceOf, type QualifiedName, type ValueOf } from '@portshare/soap';
import { connectSession, type ClientSession } from '@portshare/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCSharp, type ChildProgram, freePort, skipWithout, startMono } from '../src/index.js';
import { describeMonoClientOfEchoService } from './shared-host.js';

const PEOPLE = 'http://portshare.example/people';
const COLL = 'http://portshare.example/coll';
const Person = defineDataContract({ name: 'Person', namespace: PEOPLE, members: { Name: 'string', Age: 'int' } });
const Color = defineEnum({ name: 'Color', namespace: PEOPLE, members: ['Red', 'Green', 'Blue'] });
const Names = defineCollectionContract({ name: 'Names', namespace: COLL, itemName: 'Name', item: 'string' });
const Scores = defineCollectionContract({ name: 'Scores', namespace: COLL, itemName: 'Entry', keyName: 'Who', valueName: 'Points', key: 'string', value: 'int' });
const Team = defineCollectionContract({ name: 'Team', namespace: COLL, itemName: 'Member', item: Person });
const People = dictionaryOf('string', Person);
const Colors = dictionaryOf(Color, 'int');
const Holder = defineDataContract({
  name: 'Holder',
  namespace: COLL,
  members: { Q: 'qname', E: 'qname', People, Colors, Names, Scores, Team },
});

/** The TypeScript twin of Collections.cs's ICollections. */
const ICollections = defineContract({
  name: 'ICollections',
  namespace: COLL,
  operations: {
    EchoQName: { params: [['q', 'qname']], returns: 'qname' },
    EchoPeople: { params: [['people', People]], returns: People },
    EchoColors: { params: [['colors', Colors]], returns: Colors },
    EchoNames: { params: [['names', Names]], returns: Names },
    EchoScores: { params: [['scores', Scores]], returns: Scores },
    EchoHolder: { params: [['h', Holder]], returns: Holder },
  },
});

function isQName(v: object): v is QualifiedName {
  return 'namespace' in v && 'name' in v && Object.keys(v).length === 2;
}

/** Collections.cs's Describe, for TypeScript values. */
function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number') return String(v);
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${typeof k === 'string' && Color.memberNames.includes(k as 'Red') ? k : describeValue(k)}=${describeValue(x)}`).join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(describeValue).join(',')}]`;
  const o = v as Record<string, unknown>;
  if (isQName(o)) return `{${o.namespace}}${o.name}`;
  if ('Q' in o) {
    return `Holder{Q=${describeValue(o['Q'])},E=${describeValue(o['E'])},People=${describeValue(o['People'])},Colors=${describeValue(o['Colors'])},Names=${describeValue(o['Names'])},Scores=${describeValue(o['Scores'])},Team=${describeValue(o['Team'])}}`;
  }
  return `Person{Name=${describeValue(o['Name'])},Age=${String(o['Age'])}}`;
}

const ann: InstanceOf<typeof Person> = { Name: 'Ann', Age: 50 };
const sampleHolder: InstanceOf<typeof Holder> = {
  Q: { name: 'Thing', namespace: 'urn:things' },
  E: { name: 'Local', namespace: '' },
  People: new Map([['ann', ann], ['none', null]]),
  Colors: new Map([['Blue', 3], ['Red', 1]] as const),
  Names: ['x', null, ''],
  Scores: new Map([['a', 1], ['b', -2]]),
  Team: [{ Name: 'Bo', Age: 9 }, null],
};
const peopleSent: ValueOf<typeof People> = new Map([['ann', ann], ['none', null]]);
const HOLDER = "Holder{Q={urn:things}Thing,E={}Local,People={'ann'=Person{Name='Ann',Age=50},'none'=null},Colors={Blue=3,Red=1},Names=['x',null,''],Scores={'a'=1,'b'=-2},Team=[Person{Name='Bo',Age=9},null]}";

/** What Collections.cs's client sends, in order, and so what must come back. */
const CLIENT_LINES = [
  'EchoQName {urn:things}Thing',
  'EchoQName {http://portshare.example/coll}ICollections',
  'EchoQName null',
  "EchoPeople {'ann'=Person{Name='Ann',Age=50},'none'=null}",
  'EchoColors {Green=2,Red=-1}',
  "EchoNames ['x','y']",
  "EchoScores {'a'=1}",
  `EchoHolder ${HOLDER}`,
];

describe.skipIf(skipWithout('mcs', 'mono'))('qualified names, dictionaries with a namespace digest, collection contracts: the TypeScript client calls a stock Mono WCF service', () => {
  let service: ChildProgram | undefined;
  let session: ClientSession | undefined;
  let proxy: ClientProxy<typeof ICollections>;

  beforeAll(async () => {
    const exe = compileCSharp().collections;
    const uri = `net.tcp://localhost:${await freePort()}/interop/collections`;
    service = startMono(exe, ['service', uri]);
    await service.nextLine(/^ready$/, { timeoutMs: 30_000 });
    session = await connectSession(uri);
    proxy = createClient(ICollections, session, { operationTimeout: 30_000 });
  });

  afterAll(async () => {
    await session?.close().catch(() => session?.abort());
    if (service) {
      service.endInput();
      await service.waitForExit().catch(() => service?.stop());
    }
  });

  async function echoed(op: string, sent: unknown, back: Promise<unknown>, expected: string): Promise<void> {
    const result = await back;
    expect(await service!.nextLine(/^recv /)).toBe(`recv ${op} ${expected}`);
    expect(describeValue(sent)).toBe(expected);
    expect(describeValue(result)).toBe(expected);
    expect(result).toEqual(sent);
  }

  it('qualified names: another namespace, the element own namespace, null', async () => {
    for (const [q, text] of [
      [{ name: 'Thing', namespace: 'urn:things' }, '{urn:things}Thing'],
      [{ name: 'ICollections', namespace: COLL }, `{${COLL}}ICollections`],
      [null, 'null'],
    ] as const) {
      await echoed('EchoQName', q, proxy.EchoQName(q), text);
    }
  });

  it('dictionaries of a data contract and of an enum (item names with the namespace digest)', async () => {
    await echoed('EchoPeople', peopleSent, proxy.EchoPeople(peopleSent), "{'ann'=Person{Name='Ann',Age=50},'none'=null}");
    const colors: ValueOf<typeof Colors> = new Map([['Green', 2], ['Red', -1]] as const);
    await echoed('EchoColors', colors, proxy.EchoColors(colors), '{Green=2,Red=-1}');
  });

  it('[CollectionDataContract] lists and dictionaries, alone and as members', async () => {
    await echoed('EchoNames', ['x', 'y'], proxy.EchoNames(['x', 'y']), "['x','y']");
    const scores = new Map([['a', 1]]);
    await echoed('EchoScores', scores, proxy.EchoScores(scores), "{'a'=1}");
    await echoed('EchoHolder', sampleHolder, proxy.EchoHolder(sampleHolder), HOLDER);
  });
});

describeMonoClientOfEchoService(
  'qualified names, dictionaries with a namespace digest, collection contracts: a stock Mono WCF client calls the TypeScript service',
  '/interop/collections',
  ICollections,
  () => compileCSharp().collections,
  CLIENT_LINES,
  describeValue,
);
