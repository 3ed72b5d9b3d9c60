// [DataContract(IsReference = true)] object graphs against Mono's WCF both ways
// (csharp/References.cs): the TypeScript client calls Mono's ServiceHost, and Mono's client calls
// a TypeScript ServiceHost through the sharing daemon. Each graph (a shared child, a cycle
// a->b->a, the same object twice in an array) must keep its identities: each side prints the graph
// in one canonical form that shows them (References.cs Describe, describe() below: "#k" on an
// object's first visit, "^k" after) and the ReferenceEquals checks (Checks, checks() below).
import {
  type ArrayType,
  type ClientProxy,
  createClient,
  type DataContract,
  defineCollectionContract,
  defineContract,
  defineDataContract,
  implement,
  arrayOf,
} from '@portshare/soap';
import { connectSession, type ClientSession } from '@portshare/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCSharp, type ChildProgram, freePort, skipWithout, startMono } from '../src/index.js';
import { openSharedHost, runMonoClient, type SharedHost } from './shared-host.js';

// A type alias, not an interface: members need an index signature (Record<string, MemberDef>).
type NodeMembers = {
  readonly Name: 'string';
  readonly Next: DataContract<NodeMembers>;
  readonly Children: ArrayType<DataContract<NodeMembers>>;
};
// Node refers to itself, so its members are given as a function.
const Node: DataContract<NodeMembers> = defineDataContract({
  name: 'Node',
  namespace: 'http://portshare.example/refs',
  isReference: true,
  members: (): NodeMembers => ({ Name: 'string', Next: Node, Children: arrayOf(Node) }),
});

// [CollectionDataContract(IsReference = true)] NodeList and Tags, and the Group that holds each twice.
const NodeList = defineCollectionContract({ name: 'NodeList', namespace: 'http://portshare.example/refs', itemName: 'Node', item: Node, isReference: true });
const Tags = defineCollectionContract({ name: 'Tags', namespace: 'http://portshare.example/refs', itemName: 'Entry', key: 'string', value: 'int', isReference: true });
const Group = defineDataContract({ name: 'Group', namespace: 'http://portshare.example/refs', members: { First: NodeList, Second: NodeList, Tags, SameTags: Tags } });

/** The TypeScript twin of References.cs's IReferences. */
const IReferences = defineContract({
  name: 'IReferences',
  namespace: 'http://portshare.example/refs',
  operations: { Echo: { params: [['n', Node]], returns: Node }, EchoGroup: { params: [['g', Group]], returns: Group } },
});

interface G {
  First: N[];
  Second: N[];
  Tags: Map<string, number>;
  SameTags: Map<string, number>;
}

/** References.cs's DescribeGroup. */
function describeGroup(g: G): string {
  const bool = (b: boolean): string => (b ? 'True' : 'False');
  const tags = [...g.Tags].map(([k, v]) => `${k}=${v}`).join(',');
  return `group sameList=${bool(g.First === g.Second)} sameItem=${bool(g.First[0] === g.First[1])} sameTags=${bool(g.Tags === g.SameTags)} items=${g.First.map((n) => n.Name).join(',')} tags=${tags}`;
}

/** References.cs's SharedGroup. */
function sharedGroup(): G {
  const d = node('d');
  const list = [d, d];
  const tags = new Map([['x', 1]]);
  return { First: list, Second: list, Tags: tags, SameTags: tags };
}

const GROUP_LINE = 'group sameList=True sameItem=True sameTags=True items=d,d tags=x=1';

interface N {
  Name: string | null;
  Next: N | null;
  Children: N[] | null;
}

/** References.cs's Describe: the graph with identity, "#k" on first visit and "^k" after. */
function describeGraph(n: N | null, seen = new Map<N, number>()): string {
  if (n === null) return 'null';
  const k = seen.get(n);
  if (k !== undefined) return `^${k}`;
  const id = seen.size + 1;
  seen.set(n, id);
  const next = describeGraph(n.Next, seen);
  const children = n.Children === null ? 'null' : `[${n.Children.map((c) => describeGraph(c, seen)).join(',')}]`;
  return `#${id} ${n.Name ?? 'null'}{Next=${next},Children=${children}}`;
}

/** References.cs's Checks: the identities each graph must keep. */
function checks(n: N): string {
  const c = n.Children ?? [];
  switch (n.Name) {
    case 'shared':
      return `sharedChild=${c[0]?.Next === c[1]?.Next ? 'True' : 'False'}`;
    case 'a':
      return `cycle=${n.Next?.Next === n ? 'True' : 'False'}`;
    case 'twice':
      return `twice=${c[0] === c[1] ? 'True' : 'False'} distinct=${c[0] !== c[2] ? 'True' : 'False'}`;
    default:
      return 'unknown';
  }
}

function node(name: string, next: N | null = null, children: N[] | null = null): N {
  return { Name: name, Next: next, Children: children };
}

/** The graphs References.cs's client sends, built the same way. */
function shared(): N {
  const c = node('c');
  return node('shared', null, [node('x', c), node('y', c)]);
}
function cycle(): N {
  const a = node('a');
  a.Next = node('b', a);
  return a;
}
function twice(): N {
  const d = node('d');
  return node('twice', null, [d, d, node('e')]);
}

const LINES = [
  '#1 shared{Next=null,Children=[#2 x{Next=#3 c{Next=null,Children=null},Children=null},#4 y{Next=^3,Children=null}]} sharedChild=True',
  '#1 a{Next=#2 b{Next=^1,Children=null},Children=null} cycle=True',
  '#1 twice{Next=null,Children=[#2 d{Next=null,Children=null},^2,#3 e{Next=null,Children=null}]} twice=True distinct=True',
];

describe.skipIf(skipWithout('mcs', 'mono'))('isReference graphs: the TypeScript client calls a stock Mono WCF service', () => {
  let service: ChildProgram | undefined;
  let session: ClientSession | undefined;
  let proxy: ClientProxy<typeof IReferences>;

  beforeAll(async () => {
    const exe = compileCSharp().references;
    const uri = `net.tcp://localhost:${await freePort()}/interop/refs`;
    service = startMono(exe, ['service', uri]);
    await service.nextLine(/^ready$/, { timeoutMs: 30_000 });
    session = await connectSession(uri);
    proxy = createClient(IReferences, session, { operationTimeout: 30_000 });
  });

  afterAll(async () => {
    await session?.close().catch(() => session?.abort());
    if (service) {
      service.endInput();
      await service.waitForExit().catch(() => service?.stop());
    }
  });

  it('a shared child, a cycle and the same object twice keep their identity there and back', async () => {
    const graphs = [shared(), cycle(), twice()];
    for (const [i, g] of graphs.entries()) {
      const result = (await proxy.Echo(g)) as N;
      expect(await service!.nextLine(/^recv /)).toBe(`recv ${LINES[i]}`);
      expect(`${describeGraph(result)} ${checks(result)}`).toBe(LINES[i]);
      expect(result).not.toBe(g);
    }
    const result = (await proxy.Echo(twice())) as N;
    await service!.nextLine(/^recv /);
    expect(result.Children![0] === result.Children![1]).toBe(true);
    expect(result.Children![0]).not.toBe(result.Children![2]);
  });

  it('collection contracts with isReference: a list and a dictionary sent twice arrive once, and come back so', async () => {
    const back = (await proxy.EchoGroup(sharedGroup())) as G;
    expect(await service!.nextLine(/^recv /)).toBe(`recv ${GROUP_LINE}`);
    expect(describeGroup(back)).toBe(GROUP_LINE);
  });
});

describe.skipIf(skipWithout('mcs', 'mono'))('isReference graphs: a stock Mono WCF client calls the TypeScript service', () => {
  let shared: SharedHost | undefined;
  const received: string[] = [];

  beforeAll(async () => {
    shared = await openSharedHost('/interop/refs', [
      implement(IReferences, {
        Echo: (n) => {
          received.push(`${describeGraph(n as N)} ${checks(n as N)}`);
          return n;
        },
        EchoGroup: (g) => {
          received.push(describeGroup(g as G));
          return g;
        },
      }),
    ]);
  });

  afterAll(async () => {
    await shared?.close();
  });

  it('every graph arrives with its identities and Mono reads back the same graph', async () => {
    const lines = await runMonoClient(compileCSharp().references, shared!);
    expect(lines).toEqual([...LINES.map((l) => `Echo ${l}`), `EchoGroup ${GROUP_LINE}`]);
    expect(received).toEqual([...LINES, GROUP_LINE]);
    expect(shared!.errors).toEqual([]);
  });
});
