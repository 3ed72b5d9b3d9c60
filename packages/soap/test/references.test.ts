// [DataContract(IsReference = true)]: shared objects and cycles as `z:Id` / `z:Ref`, the way
// DataContractSerializer writes them (XmlObjectSerializerWriteContext.cs OnHandleIsReference) and
// reads them (XmlObjectSerializerReadContext.cs). The binary shape below is what Mono's
// DataContractSerializer wrote for the same Node class; against Mono itself:
// packages/interop/test/references.int.test.ts.
import { describe, expect, it } from 'vitest';
import { createClient } from '../src/client.js';
import { defineContract } from '../src/contract.js';
import { defineCollectionContract } from '../src/collection-contract.js';
import { defineDataContract } from '../src/data-contract.js';
import { ServiceDispatcher, implement } from '../src/dispatcher.js';
import { SoapError, SoapErrorCodes } from '../src/errors.js';
import { contractOf, typed } from '../src/known-types.js';
import { readNbfx } from '../src/nbfx-reader.js';
import { writeNbfx } from '../src/nbfx-writer.js';
import { deserializeElement, PrefixScope, serializeElement } from '../src/serializer.js';
import { SessionDictionary } from '../src/session-dictionary.js';
import { type ArrayType, arrayOf, type DataContract, type TypeRef } from '../src/types.js';
import { type XmlElement, element } from '../src/xml-node.js';
import { toXmlString } from '../src/xml-text.js';
import { createChannelPair } from './support/memory-channel.js';

const OP = 'http://portshare.example/op';
const REFS = 'http://portshare.example/refs';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const SER = 'http://schemas.microsoft.com/2003/10/Serialization/';

// A type alias, not an interface: members need an index signature (Record<string, MemberDef>).
type NodeMembers = {
  readonly Name: 'string';
  readonly Next: DataContract<NodeMembers>;
  readonly Children: ArrayType<DataContract<NodeMembers>>;
};
// A member refers to the contract itself, so the members are given as a function.
const Node: DataContract<NodeMembers> = defineDataContract({
  name: 'Node',
  namespace: REFS,
  isReference: true,
  members: (): NodeMembers => ({ Name: 'string', Next: Node, Children: arrayOf(Node) }),
});
interface N {
  Name: string | null;
  Next: N | null;
  Children: N[] | null;
}
const Leaf = defineDataContract({ name: 'Leaf', namespace: REFS, members: { Name: 'string' } });
const Holder = defineDataContract({ name: 'Holder', namespace: REFS, members: { A: Node, B: Node, C: Node } });
type ChainMembers = {
  readonly Name: 'string';
  readonly Next: DataContract<ChainMembers>;
};
const Chain: DataContract<ChainMembers> = defineDataContract({ name: 'Chain', namespace: REFS, members: (): ChainMembers => ({ Name: 'string', Next: Chain }) });

function node(name: string): N {
  return { Name: name, Next: null, Children: null };
}

function write(type: TypeRef, value: unknown): XmlElement {
  const scope = new PrefixScope();
  scope.bind('', OP);
  return serializeElement(type, value, { prefix: '', localName: 'n', scope, root: true });
}

function wrap(el: XmlElement): XmlElement {
  return element('Wrap', { namespaces: [{ prefix: '', uri: OP }], children: [el] });
}

function viaBinary(el: XmlElement): XmlElement {
  const sender = new SessionDictionary();
  const bytes = writeNbfx(wrap(el), { session: sender });
  return (readNbfx(bytes, { session: sender })[0] as XmlElement).children[0] as XmlElement;
}

function roundTrip(type: TypeRef, value: unknown): unknown {
  return deserializeElement(type, viaBinary(write(type, value)));
}

/** Reads a body given as XML text (the element is `n` in OP, prefixes d → REFS, z → SER). */
function readText(type: TypeRef, inner: string, attrs = ''): unknown {
  const xml = `<n xmlns="${OP}" xmlns:d="${REFS}" xmlns:z="${SER}" xmlns:i="${XSI}"${attrs}>${inner}</n>`;
  return deserializeElement(type, parseText(xml));
}

/** A small XML text reader for these tests: elements, attributes and text, nothing else. */
function parseText(xml: string): XmlElement {
  const re = /<(\/?)([\w:.-]+)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;
  interface Open {
    readonly qname: string;
    readonly attrs: [string, string][];
    readonly children: XmlElement['children'][number][];
    readonly ns: Map<string, string>;
  }
  const stack: Open[] = [];
  let done: XmlElement | undefined;
  const close = (o: Open): XmlElement => {
    const [prefix, local] = o.qname.includes(':') ? (o.qname.split(':') as [string, string]) : ['', o.qname];
    const lookup = (p: string): string => {
      for (let i = stack.length - 1; i >= 0; i--) {
        const u = stack[i]!.ns.get(p);
        if (u !== undefined) return u;
      }
      return o.ns.get(p) ?? '';
    };
    const namespaces = [...o.ns].map(([p, u]) => ({ prefix: p, uri: u }));
    const attributes = o.attrs
      .filter(([n]) => !n.startsWith('xmlns'))
      .map(([n, v]) => {
        const [ap, al] = n.includes(':') ? (n.split(':') as [string, string]) : ['', n];
        return { prefix: ap, localName: al, namespaceUri: ap === '' ? '' : (o.ns.get(ap) ?? lookup(ap)), value: { type: 'string' as const, value: v } };
      });
    return { kind: 'element', prefix, localName: local, namespaceUri: o.ns.get(prefix) ?? lookup(prefix), attributes, namespaces, children: o.children };
  };
  for (let m = re.exec(xml); m !== null; m = re.exec(xml)) {
    if (m[5] !== undefined) {
      stack.at(-1)?.children.push({ kind: 'text', value: { type: 'string', value: m[5] } });
      continue;
    }
    if (m[1] === '/') {
      const o = stack.pop()!;
      const el = close(o);
      if (stack.length === 0) done = el;
      else stack.at(-1)!.children.push(el);
      continue;
    }
    const attrs = [...(m[3] ?? '').matchAll(/([\w:.-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!] as [string, string]);
    const ns = new Map(attrs.filter(([n]) => n === 'xmlns' || n.startsWith('xmlns:')).map(([n, v]) => [n === 'xmlns' ? '' : n.slice(6), v]));
    const o: Open = { qname: m[2]!, attrs, children: [], ns };
    if (m[4] === '/') {
      stack.push(o);
      stack.pop();
      const el = close(o);
      if (stack.length === 0) done = el;
      else stack.at(-1)!.children.push(el);
    } else stack.push(o);
  }
  return done!;
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    if (err instanceof SoapError) return err.code;
    throw err;
  }
  return undefined;
}

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

describe('writing isReference contracts', () => {
  it('writes a cycle and a shared child as z:Id / z:Ref, ids counting in document order', () => {
    const a = node('a');
    const b = node('b');
    b.Next = a;
    a.Next = b;
    a.Children = [b, b];
    expect(toXmlString(write(Node, a))).toBe(
      `<n xmlns:a="${REFS}" xmlns:i="${XSI}" xmlns:z="${SER}" z:Id="i1">` +
        '<a:Children><a:Node z:Id="i2"><a:Children i:nil="true"/><a:Name>b</a:Name><a:Next z:Ref="i1"/></a:Node><a:Node z:Ref="i2"/></a:Children>' +
        '<a:Name>a</a:Name><a:Next z:Ref="i2"/></n>',
    );
  });

  it('matches the bytes Mono DataContractSerializer wrote for the same graph', () => {
    const a = node('a');
    const b = node('b');
    b.Next = a;
    a.Next = b;
    a.Children = [b, b];
    // mono Cap.exe: DataContractSerializer(typeof(Node), "n", OP).WriteObject on an XmlBinaryWriterSession
    // writer inside <Wrap xmlns=OP>: z:Id (PrefixDictionaryAttributeZ 0x25, "Id" a session string,
    // Chars8Text "i1") before xmlns:a, xmlns:i, xmlns:z; z:Ref likewise.
    const mono =
      '40-04-57-72-61-70-08-1B-68-74-74-70-3A-2F-2F-70-6F-72-74-73-68-61-72-65-2E-65-78-61-6D-70-6C-65-2F-6F-70-42-01-25-03-98-02-69-31-0B-01-61-05-0B-01-69-07-0B-01-7A-09-44-0B-44-0D-25-03-98-02-69-32-44-0B-14-0F-86-01-44-11-99-01-62-44-13-25-15-98-02-69-31-01-01-44-0D-25-15-98-02-69-32-01-01-44-11-99-01-61-44-13-25-15-98-02-69-32-01-01-01';
    const bytes = writeNbfx(wrap(write(Node, a)), { session: new SessionDictionary() });
    expect(Buffer.from(bytes).toString('hex').toUpperCase().match(/../g)!.join('-')).toBe(mono);
  });

  it('declares xmlns:z on each element that needs it when no enclosing element has it (as Mono)', () => {
    const a = node('a');
    const c = node('c');
    expect(toXmlString(write(Holder, { A: a, B: a, C: c }))).toBe(
      `<n xmlns:a="${REFS}" xmlns:i="${XSI}">` +
        `<a:A xmlns:z="${SER}" z:Id="i1"><a:Children i:nil="true"/><a:Name>a</a:Name><a:Next i:nil="true"/></a:A>` +
        `<a:B xmlns:z="${SER}" z:Ref="i1"/>` +
        `<a:C xmlns:z="${SER}" z:Id="i2"><a:Children i:nil="true"/><a:Name>c</a:Name><a:Next i:nil="true"/></a:C></n>`,
    );
  });

  it('starts ids at i1 for each root value (one WriteObject call per operation part)', () => {
    const a = node('a');
    expect(toXmlString(write(Node, a))).toContain('z:Id="i1"');
    expect(toXmlString(write(Node, a))).toContain('z:Id="i1"');
  });

  it('still refuses a cycle through contracts without isReference', () => {
    const c: { Name: string; Next: unknown } = { Name: 'c', Next: null };
    c.Next = c;
    const f = (): unknown => write(Chain, c);
    expect(codeOf(f)).toBe(SoapErrorCodes.INVALID_VALUE);
    expect(messageOf(f)).toMatch(/cycle.*isReference: true/);
  });

  it('a contract without isReference writes a shared object twice, in full', () => {
    const leaf = { Name: 'x' };
    const xml = toXmlString(write(arrayOf(Leaf), [leaf, leaf]));
    expect(xml).not.toContain('z:');
    expect(xml.match(/<a:Name>x<\/a:Name>/g)).toHaveLength(2);
  });
});

describe('reading isReference contracts', () => {
  it('round-trips a cycle and a shared child with identity, through binary XML', () => {
    const a = node('a');
    const b = node('b');
    b.Next = a;
    a.Next = b;
    a.Children = [b, b];
    const back = roundTrip(Node, a) as N;
    expect(back.Name).toBe('a');
    expect(back.Next!.Next).toBe(back);
    expect(back.Children![0]).toBe(back.Children![1]);
    expect(back.Children![0]).toBe(back.Next);
  });

  it('the same object twice in an array comes back as one object', () => {
    const x = node('x');
    const back = roundTrip(arrayOf(Node), [x, x, node('y')]) as N[];
    expect(back[0]).toBe(back[1]);
    expect(back[2]).not.toBe(back[0]);
  });

  it('accepts any id text and ignores the content of a z:Ref element, as .NET does', () => {
    const back = readText(arrayOf(Node), '<d:Node z:Id="foo"><d:Name>x</d:Name></d:Node><d:Node z:Ref="foo"><d:Name>y</d:Name></d:Node>') as N[];
    expect(back[0]).toBe(back[1]);
    expect(back[0]!.Name).toBe('x');
  });

  it('refuses a z:Ref to an id not defined before it (unknown, or a forward reference)', () => {
    expect(codeOf(() => readText(arrayOf(Node), '<d:Node z:Ref="i9"/>'))).toBe(SoapErrorCodes.DESERIALIZATION_FAILED);
    expect(messageOf(() => readText(arrayOf(Node), '<d:Node z:Ref="i1"/><d:Node z:Id="i1"/>'))).toMatch(/z:Ref 'i1'.*no earlier element/);
  });

  it('refuses a duplicate z:Id', () => {
    const f = (): unknown => readText(arrayOf(Node), '<d:Node z:Id="i1"><d:Name>x</d:Name></d:Node><d:Node z:Id="i1"><d:Name>y</d:Name></d:Node>');
    expect(codeOf(f)).toBe(SoapErrorCodes.DESERIALIZATION_FAILED);
    expect(messageOf(f)).toMatch(/z:Id 'i1'.*already defines/);
  });

  it('refuses z:Id and z:Ref on one element, and a z:Ref where the type is not a data contract', () => {
    expect(codeOf(() => readText(arrayOf(Node), '<d:Node z:Id="i1"/><d:Node z:Id="i2" z:Ref="i1"/>'))).toBe(SoapErrorCodes.DESERIALIZATION_FAILED);
    expect(codeOf(() => readText('string', '', ' z:Ref="i1"'))).toBe(SoapErrorCodes.DESERIALIZATION_FAILED);
  });

  it('refuses a z:Ref to an object of another contract', () => {
    const Other = defineDataContract({ name: 'Other', namespace: REFS, isReference: true, members: { Name: 'string' } });
    const Pair = defineDataContract({ name: 'Pair', namespace: REFS, members: { A: Other, B: Node } });
    const f = (): unknown => readText(Pair, '<d:A z:Id="i1"><d:Name>o</d:Name></d:A><d:B z:Ref="i1"/>');
    expect(codeOf(f)).toBe(SoapErrorCodes.DESERIALIZATION_FAILED);
    expect(messageOf(f)).toMatch(/'Other'.*'Node'/);
  });

  it('ignores z:Id on a contract without isReference, and refuses a z:Ref there (nothing was recorded)', () => {
    expect(readText(arrayOf(Leaf), '<d:Leaf z:Id="i1"><d:Name>x</d:Name></d:Leaf>')).toEqual([{ Name: 'x' }]);
    expect(codeOf(() => readText(arrayOf(Leaf), '<d:Leaf z:Id="i1"><d:Name>x</d:Name></d:Leaf><d:Leaf z:Ref="i1"/>'))).toBe(SoapErrorCodes.DESERIALIZATION_FAILED);
  });

  it('a hostile message of many references stays linear: every z:Ref is the one object, nothing is copied', () => {
    const refs = '<d:Node z:Ref="i1"/>'.repeat(5000);
    const back = readText(arrayOf(Node), `<d:Node z:Id="i1"><d:Name>x</d:Name></d:Node>${refs}`) as N[];
    expect(back).toHaveLength(5001);
    expect(new Set(back).size).toBe(1);
  });

  it('a self-reference through z:Ref reads as a cycle, not a recursion', () => {
    const back = readText(Node, '<d:Name>s</d:Name><d:Next z:Ref="i1"/>', ' z:Id="i1"') as N;
    expect(back.Next).toBe(back);
  });

  it('is bounded by the reader quotas: a deep chain of nodes fails maxDepth before anything else', () => {
    let x: N = node('end');
    for (let i = 0; i < 40; i++) x = { Name: `n${i}`, Next: x, Children: null };
    const sender = new SessionDictionary();
    const bytes = writeNbfx(wrap(write(Node, x)), { session: sender });
    expect(codeOf(() => readNbfx(bytes, { session: sender }))).toBe(SoapErrorCodes.MAX_DEPTH_EXCEEDED);
  });
});

describe('isReference contracts', () => {
  it('a derived contract takes its base isReference, and refuses a different one', () => {
    const Base = defineDataContract({ name: 'Base', namespace: REFS, isReference: true, members: { Name: 'string' } });
    expect(defineDataContract({ name: 'D', namespace: REFS, base: Base, members: { X: 'int' } }).isReference).toBe(true);
    expect(codeOf(() => defineDataContract({ name: 'E', namespace: REFS, base: Base, isReference: false, members: { Y: 'int' } }))).toBe(SoapErrorCodes.INVALID_CONTRACT);
  });

  it('a derived value keeps i:type before z:Id and its contract when read back', () => {
    const Base = defineDataContract({ name: 'Base', namespace: REFS, isReference: true, members: { Name: 'string' }, knownTypes: (): readonly TypeRef[] => [Derived] });
    const Derived = defineDataContract({ name: 'Derived', namespace: REFS, base: Base, members: { X: 'int' } });
    const d = typed(Derived, { Name: 'd', X: 1 });
    const xml = toXmlString(write(arrayOf(Base), [d, d]));
    expect(xml).toMatch(/i:type="a:Derived" z:Id="i1"/);
    expect(xml).toMatch(/i:type="a:Derived" z:Ref="i1"/);
    const back = roundTrip(arrayOf(Base), [d, d]) as object[];
    expect(back[0]).toBe(back[1]);
    expect(contractOf(back[0])).toBe(Derived);
  });

  it('an operation echoes a graph with identity over a channel', async () => {
    const IRefs = defineContract({ name: 'IRefs', namespace: OP, operations: { Echo: { params: [['n', Node]], returns: Node } } });
    const dispatcher = new ServiceDispatcher([implement(IRefs, { Echo: (n) => n })]);
    const [clientSide, serviceSide] = createChannelPair();
    const serving = dispatcher.serve(serviceSide).then(() => serviceSide.close());
    const client = createClient(IRefs, clientSide);
    const a = node('a');
    const b = node('b');
    a.Next = b;
    b.Next = a;
    a.Children = [b, b];
    const back = (await client.Echo(a)) as N;
    expect(back.Next!.Next).toBe(back);
    expect(back.Children![0]).toBe(back.Children![1]);
    await clientSide.close();
    await serving;
  });
});

describe('isReference collection contracts', () => {
  // [CollectionDataContract(IsReference = true)] class NodeList : List<Node> and a dictionary of
  // the same kind; the collection element itself carries z:Id / z:Ref.
  const NodeList = defineCollectionContract({ name: 'NodeList', namespace: REFS, itemName: 'Node', item: Node, isReference: true });
  const Names = defineCollectionContract({ name: 'Names', namespace: REFS, itemName: 'Entry', key: 'string', value: 'int', isReference: true });
  const Group = defineDataContract({ name: 'Group', namespace: REFS, members: { First: NodeList, Second: NodeList, Tags: Names, SameTags: Names } });

  function sharedGroup(): { First: N[]; Second: N[]; Tags: Map<string, number>; SameTags: Map<string, number> } {
    const d = node('d');
    const list = [d, d];
    const tags = new Map([['x', 1]]);
    return { First: list, Second: list, Tags: tags, SameTags: tags };
  }

  it('writes a collection met twice once, with z:Id on its element, then as z:Ref', () => {
    // Members in DataContract order (alphabetical): First, SameTags, Second, Tags; xmlns:z is
    // declared on each element that needs it, as Mono does when no enclosing element has it.
    const xml = toXmlString(write(Group, sharedGroup())).replaceAll(` xmlns:z="${SER}"`, '');
    expect(xml).toContain('<a:First z:Id="i1"><a:Node z:Id="i2">');
    expect(xml).toContain('<a:Node z:Ref="i2"/></a:First>');
    expect(xml).toContain('<a:SameTags z:Id="i3"><a:Entry><a:Key>x</a:Key><a:Value>1</a:Value></a:Entry></a:SameTags>');
    expect(xml).toContain('<a:Second z:Ref="i1"/><a:Tags z:Ref="i3"/>');
  });

  it('reads them back as one array and one Map, through binary XML', () => {
    const back = roundTrip(Group, sharedGroup()) as ReturnType<typeof sharedGroup>;
    expect(back.First).toBe(back.Second);
    expect(back.First[0]).toBe(back.First[1]);
    expect(back.Tags).toBe(back.SameTags);
    expect([...back.Tags]).toEqual([['x', 1]]);
  });

  it('without isReference the same collection is written twice, in full', () => {
    const Plain = defineCollectionContract({ name: 'PlainList', namespace: REFS, itemName: 'Leaf', item: Leaf });
    const Two = defineDataContract({ name: 'Two', namespace: REFS, members: { A: Plain, B: Plain } });
    const list = [{ Name: 'x' }];
    const xml = toXmlString(write(Two, { A: list, B: list }));
    expect(xml).not.toContain('z:Id');
    const back = roundTrip(Two, { A: list, B: list }) as { A: unknown[]; B: unknown[] };
    expect(back.A).not.toBe(back.B);
    expect(back.A).toEqual(back.B);
  });

  it('refuses a z:Ref to a collection of another contract, or to a data contract object', () => {
    const Other = defineCollectionContract({ name: 'OtherList', namespace: REFS, itemName: 'Node', item: Node, isReference: true });
    const Mixed = defineDataContract({ name: 'Mixed', namespace: REFS, members: { A: Other, B: NodeList, C: Node } });
    const toOther = (): unknown => readText(Mixed, '<d:A z:Id="i1"/><d:B z:Ref="i1"/>');
    expect(codeOf(toOther)).toBe(SoapErrorCodes.DESERIALIZATION_FAILED);
    expect(messageOf(toOther)).toMatch(/'OtherList'.*collection contract 'NodeList'/);
    const toNode = (): unknown => readText(Mixed, '<d:C z:Id="i1"><d:Name>c</d:Name></d:C><d:B z:Ref="i1"/>');
    expect(codeOf(toNode)).toBe(SoapErrorCodes.DESERIALIZATION_FAILED);
  });
});
