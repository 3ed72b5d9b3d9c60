// Data contract inheritance with known types, and object members, against Mono's WCF both ways
// (csharp/KnownTypes.cs): the TypeScript client calls Mono's ServiceHost, and Mono's client calls a
// TypeScript ServiceHost through the sharing daemon. A Person parameter holds a Manager (i:type,
// base members first, two namespaces), an object holds an int, a double, a string and a bool, and
// a Box holds an object member (an int, a [KnownType] Point). Mono ignores [ServiceKnownType]
// (and cannot read back a Manager it wrote into an object parameter), so contract-level
// knownTypes are covered by soap's unit tests only. Each side prints what
// it received in one canonical form (KnownTypes.cs Describe, describe() below), so lines compare
// exactly and every value must come back as it was sent.
import { type ClientProxy, contractOf, createClient, defineContract, defineDataContract, typed, Typed, arrayOf, type InstanceOf, type TypeRef } from '@portshare/soap';
import { connectSession, type ClientSession } from '@portshare/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCSharp, type ChildProgram, freePort, skipWithout, startMono } from '../src/index.js';
import { describeMonoClientOfEchoService } from './shared-host.js';

const Person = defineDataContract({ name: 'Person', namespace: 'http://portshare.example/people', members: { Name: 'string', Age: 'int' }, knownTypes: (): readonly TypeRef[] => [Manager] });
const Manager = defineDataContract({ name: 'Manager', namespace: 'http://portshare.example/staff', base: Person, members: { Reports: 'int', Deputy: Person } });
const Point = defineDataContract({ name: 'Point', namespace: 'http://portshare.example/people', members: { X: 'int', Y: 'int' } });
const Box = defineDataContract({ name: 'Box', namespace: 'http://portshare.example/known', members: { Value: 'object', Owner: Person }, knownTypes: [Point] });

/** The TypeScript twin of KnownTypes.cs's IKnown. */
const IKnown = defineContract({
  name: 'IKnown',
  namespace: 'http://portshare.example/known',
  // .NET would need [ServiceKnownType(typeof(Manager))] for a Manager in an object parameter; Mono
  // writes and reads it without (it ignores [ServiceKnownType] and knows every type the operation
  // reaches). Declared here, the TypeScript side behaves as .NET would with that attribute.
  knownTypes: [Manager],
  operations: {
    EchoPerson: { params: [['p', Person]], returns: Person },
    EchoObject: { params: [['o', 'object']], returns: 'object' },
    EchoBox: { params: [['b', Box]], returns: Box },
    EchoPeople: { params: [['people', arrayOf(Person)]], returns: arrayOf(Person) },
  },
});

/** KnownTypes.cs's Escape: non-ASCII UTF-16 units as \uXXXX. */
function escape(s: string): string {
  return [...s].map((c) => (c.charCodeAt(0) < 128 ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)).join('');
}

/** KnownTypes.cs's Describe, for TypeScript values. */
function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return `string:${escape(v)}`;
  if (typeof v === 'boolean') return `bool:${v}`;
  if (v instanceof Typed) return `${String(v.type)}:${String(v.value)}`;
  if (Array.isArray(v)) return `[${v.map(describeValue).join(',')}]`;
  const o = v as Record<string, unknown>;
  const c = contractOf(v);
  if (c === Manager) return `Manager{Name=${describeValue(o['Name'])},Age=${String(o['Age'])},Reports=${String(o['Reports'])},Deputy=${describeValue(o['Deputy'])}}`;
  if (c === Point) return `Point{X=${String(o['X'])},Y=${String(o['Y'])}}`;
  if ('Value' in o) return `Box{Value=${describeValue(o['Value'])},Owner=${describeValue(o['Owner'])}}`;
  return `Person{Name=${describeValue(o['Name'])},Age=${String(o['Age'])}}`;
}

const cy: InstanceOf<typeof Person> = { Name: 'Cy', Age: 30 };
const bob: InstanceOf<typeof Person> = typed(Manager, { Name: 'Bob', Age: 40, Reports: 1, Deputy: cy });
const ann = typed(Manager, { Name: 'Ann', Age: 50, Reports: 3, Deputy: bob });
const ANN = 'Manager{Name=string:Ann,Age=50,Reports=3,Deputy=Manager{Name=string:Bob,Age=40,Reports=1,Deputy=Person{Name=string:Cy,Age=30}}}';

/** What KnownTypes.cs's client sends, in order, and so what must come back. */
const CLIENT_LINES = [
  `EchoPerson ${ANN}`,
  'EchoPerson Person{Name=string:Pat,Age=7}',
  'EchoObject int:42',
  'EchoObject string:forty-two \\u2713',
  'EchoObject double:2.5',
  'EchoObject bool:true',
  `EchoBox Box{Value=int:7,Owner=${ANN}}`,
  'EchoBox Box{Value=Point{X=1,Y=2},Owner=null}',
  `EchoPeople [Person{Name=string:P,Age=1},${ANN},null]`,
];

describe.skipIf(skipWithout('mcs', 'mono'))('known types and object members: the TypeScript client calls a stock Mono WCF service', () => {
  let service: ChildProgram | undefined;
  let session: ClientSession | undefined;
  let proxy: ClientProxy<typeof IKnown>;

  beforeAll(async () => {
    const exe = compileCSharp().knownTypes;
    const uri = `net.tcp://localhost:${await freePort()}/interop/known`;
    service = startMono(exe, ['service', uri]);
    await service.nextLine(/^ready$/, { timeoutMs: 30_000 });
    session = await connectSession(uri);
    proxy = createClient(IKnown, session, { operationTimeout: 30_000 });
  });

  afterAll(async () => {
    await session?.close().catch(() => session?.abort());
    if (service) {
      service.endInput();
      await service.waitForExit().catch(() => service?.stop());
    }
  });

  async function echoed<T>(op: string, sent: T, back: Promise<unknown>): Promise<void> {
    const result = await back;
    expect(await service!.nextLine(/^recv /)).toBe(`recv ${op} ${describeValue(sent)}`);
    expect(describeValue(result)).toBe(describeValue(sent));
    expect(result).toEqual(sent);
  }

  it('a Person parameter holding a Manager (and a plain Person) comes back as it went', async () => {
    await echoed('EchoPerson', ann, proxy.EchoPerson(ann));
    expect(contractOf(await proxy.EchoPerson(ann))).toBe(Manager);
    await service!.nextLine(/^recv /);
    await echoed('EchoPerson', { Name: 'Pat', Age: 7 }, proxy.EchoPerson({ Name: 'Pat', Age: 7 }));
  });

  it('an object parameter holding an int, a double, a string and a bool', async () => {
    for (const v of [typed('int', 42), typed('double', 2.5), 'forty-two ✓', true]) {
      await echoed('EchoObject', v, proxy.EchoObject(v));
    }
  });

  it('a data contract with an object member and a base-typed member; an array of the base type', async () => {
    const box = { Value: typed('int', 7), Owner: ann };
    await echoed('EchoBox', box, proxy.EchoBox(box));
    const pointBox = { Value: typed(Point, { X: 1, Y: 2 }), Owner: null };
    await echoed('EchoBox', pointBox, proxy.EchoBox(pointBox));
    const people = [{ Name: 'P', Age: 1 }, ann, null];
    await echoed('EchoPeople', people, proxy.EchoPeople(people));
  });
});

describeMonoClientOfEchoService(
  'known types and object members: a stock Mono WCF client calls the TypeScript service',
  '/interop/known',
  IKnown,
  () => compileCSharp().knownTypes,
  CLIENT_LINES,
  describeValue,
);
