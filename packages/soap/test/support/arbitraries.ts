import fc from 'fast-check';
import { DateTimeKind, MAX_DATETIME_TICKS, NetDateTime } from '../../src/date-time.js';
import { formatDouble } from '../../src/number-text.js';
import { type DictKind, type TextValue, textOf } from '../../src/text-value.js';
import { TimeSpan } from '../../src/time-span.js';
import { XML_NAMESPACE, type XmlArrayValues, type XmlAttribute, type XmlElement, type XmlNode, expandArray } from '../../src/xml-node.js';

const dictKind: fc.Arbitrary<DictKind | undefined> = fc.constantFrom(undefined, 'static', 'session');

/** Names: some from the static dictionary (so static ids get used), some random. */
const name = fc.oneof(
  fc.constantFrom('Envelope', 'Header', 'Body', 'Action', 'Value', 'Fault', 'nil', 'Address'),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,12}$/),
);
const uri = fc.oneof(
  fc.constantFrom('http://www.w3.org/2003/05/soap-envelope', 'http://www.w3.org/2005/08/addressing', 'http://www.w3.org/2001/XMLSchema-instance'),
  fc.webUrl(),
);
const prefix = fc.oneof(fc.constant(''), fc.constantFrom('a', 's', 'i', 'z'), fc.stringMatching(/^[a-z]{2,4}$/).filter((p) => !p.startsWith('xml')));
const guid = fc.uuid().map((u) => u.toLowerCase());
const int64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
const decimal = fc
  .tuple(fc.bigInt({ min: 0n, max: (1n << 96n) - 1n }), fc.integer({ min: 0, max: 28 }), fc.boolean())
  .map(([m, scale, neg]) => {
    let d = m.toString();
    if (scale > 0) {
      d = d.padStart(scale + 1, '0');
      d = `${d.slice(0, -scale)}.${d.slice(-scale)}`;
    }
    return neg && m !== 0n ? `-${d}` : d;
  });
const dateTime = fc
  .tuple(fc.bigInt({ min: 0n, max: MAX_DATETIME_TICKS }), fc.constantFrom(DateTimeKind.Utc, DateTimeKind.Local, DateTimeKind.Unspecified))
  .map(([t, k]) => new NetDateTime(t, k));
const timeSpan = int64.map((t) => new TimeSpan(t));

/** A scalar text value of any type (no lists). */
export const scalarText: fc.Arbitrary<TextValue> = fc.oneof(
  fc.record({ type: fc.constant('string' as const), value: fc.string({ unit: 'binary', maxLength: 40 }) }),
  fc.tuple(fc.string({ maxLength: 20 }), dictKind).map(([value, dict]): TextValue => (dict ? { type: 'string', value, dict } : { type: 'string', value })),
  fc.constantFrom<TextValue>({ type: 'string', value: 'http://www.w3.org/2005/08/addressing/anonymous', dict: 'static' }, { type: 'string', value: '中文字符' }),
  int64.map((value): TextValue => ({ type: 'int', value })),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((value): TextValue => ({ type: 'uint64', value })),
  fc.boolean().map((value): TextValue => ({ type: 'bool', value })),
  fc.float().map((value): TextValue => ({ type: 'float', value })),
  fc.double().map((value): TextValue => ({ type: 'double', value })),
  decimal.map((value): TextValue => ({ type: 'decimal', value })),
  dateTime.map((value): TextValue => ({ type: 'dateTime', value })),
  timeSpan.map((value): TextValue => ({ type: 'timeSpan', value })),
  guid.map((value): TextValue => ({ type: 'uniqueId', value })),
  guid.map((value): TextValue => ({ type: 'guid', value })),
  fc.uint8Array({ maxLength: 300 }).map((value): TextValue => ({ type: 'bytes', value })),
  fc.tuple(fc.constantFrom('a', 's', 'x'), name, dictKind).map(([p, localName, d]): TextValue => ({ type: 'qname', prefix: p, localName, dict: d ?? 'session' })),
);

export const textValue: fc.Arbitrary<TextValue> = fc.oneof(
  { weight: 6, arbitrary: scalarText },
  { weight: 1, arbitrary: fc.array(scalarText, { maxLength: 4 }).map((items): TextValue => ({ type: 'list', items })) },
);

const arrayValues: fc.Arbitrary<XmlArrayValues> = fc.oneof(
  fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }).map((values): XmlArrayValues => ({ type: 'bool', values })),
  fc.array(fc.integer({ min: -32768, max: 32767 }), { minLength: 1, maxLength: 20 }).map((values): XmlArrayValues => ({ type: 'int16', values })),
  fc.array(fc.integer(), { minLength: 1, maxLength: 20 }).map((values): XmlArrayValues => ({ type: 'int32', values })),
  fc.array(int64, { minLength: 1, maxLength: 20 }).map((values): XmlArrayValues => ({ type: 'int64', values })),
  fc.array(fc.float(), { minLength: 1, maxLength: 20 }).map((values): XmlArrayValues => ({ type: 'float', values })),
  fc.array(fc.double(), { minLength: 1, maxLength: 20 }).map((values): XmlArrayValues => ({ type: 'double', values })),
  fc.array(decimal, { minLength: 1, maxLength: 5 }).map((values): XmlArrayValues => ({ type: 'decimal', values })),
  fc.array(dateTime, { minLength: 1, maxLength: 5 }).map((values): XmlArrayValues => ({ type: 'dateTime', values })),
  fc.array(timeSpan, { minLength: 1, maxLength: 5 }).map((values): XmlArrayValues => ({ type: 'timeSpan', values })),
  fc.array(guid, { minLength: 1, maxLength: 5 }).map((values): XmlArrayValues => ({ type: 'guid', values })),
);

function withDict<T extends object>(o: T, key: string, d: DictKind | undefined): T {
  return d === undefined ? o : { ...o, [key]: d };
}

/** Declares every prefix the element and its attributes use, on the element itself. */
function declare(prefixes: string[], uris: string[]): { prefix: string; uri: string }[] {
  const seen = new Set<string>();
  const out: { prefix: string; uri: string }[] = [];
  prefixes.forEach((p, i) => {
    if (p === '' || p === 'xml' || seen.has(p)) return;
    seen.add(p);
    out.push({ prefix: p, uri: uris[i % uris.length] as string });
  });
  return out;
}

const attribute = fc
  .tuple(fc.oneof(fc.constant(''), fc.constant('xml'), prefix), name, dictKind, scalarText)
  .map(([p, localName, d, value]) => withDict({ prefix: p, localName, namespaceUri: p === 'xml' ? XML_NAMESPACE : '', value }, 'nameDict', d) as XmlAttribute);

/** Random, well-formed XML trees (every prefix declared where it is used). */
export const { tree } = fc.letrec<{ tree: XmlElement; node: XmlNode }>((tie) => ({
  tree: fc
    .tuple(
      prefix,
      name,
      dictKind,
      fc.uniqueArray(attribute, { maxLength: 4, selector: (a) => a.localName }),
      fc.array(uri, { minLength: 1, maxLength: 3 }),
      fc.array(dictKind, { minLength: 4, maxLength: 4 }),
      fc.array(tie('node'), { maxLength: 4, depthIdentifier: 'xml' }),
      fc.boolean(),
    )
    .map(([p, localName, d, attributes, uris, uriDicts, children, defaultNs]) => {
      const decls = declare([p, ...attributes.map((a) => a.prefix)], uris).map((n, i) => withDict(n, 'uriDict', uriDicts[i % 4]));
      if (defaultNs) decls.push(withDict({ prefix: '', uri: uris[0] as string }, 'uriDict', uriDicts[3]));
      return withDict(
        { kind: 'element' as const, prefix: p, localName, namespaceUri: '', attributes, namespaces: decls, children },
        'nameDict',
        d,
      ) as XmlElement;
    }),
  // The first alternative is the leaf fast-check falls back to at maxDepth.
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true, maxDepth: 5, depthIdentifier: 'xml' },
    textValue.map((value): XmlNode => ({ kind: 'text', value })),
    tie('tree'),
    fc.string({ maxLength: 10 }).filter((s) => !s.includes('--')).map((t): XmlNode => ({ kind: 'comment', text: t })),
    fc.tuple(name, dictKind, arrayValues).map(([localName, d, items]): XmlNode => ({
      kind: 'array',
      element: withDict({ kind: 'element' as const, prefix: '', localName, namespaceUri: '', attributes: [], namespaces: [], children: [] }, 'nameDict', d) as XmlElement,
      items,
    })),
  ),
}));

/** A number's canonical text: numeric records are interchangeable in binary XML ([MC-NBFX] 2.2.3). */
function numeric(v: number): string {
  if (Object.is(v, -0)) return '0';
  if (Number.isInteger(v) && Math.abs(v) < 2 ** 63) return BigInt(v).toString();
  return formatDouble(v);
}

function canonicalText(v: TextValue): string {
  switch (v.type) {
    case 'float':
    case 'double':
      return numeric(v.value);
    case 'list':
      return v.items.map(canonicalText).join(' ');
    default:
      return textOf(v);
  }
}

/**
 * The information a tree carries, independent of which equivalent records encode it: names,
 * declarations, attribute and text content (numbers compared by value), array items.
 */
export function canonical(n: XmlNode): unknown {
  switch (n.kind) {
    case 'element':
      return [
        'e',
        n.prefix,
        n.localName,
        n.namespaces.map((d) => [d.prefix, d.uri]),
        n.attributes.map((a) => [a.prefix, a.localName, canonicalText(a.value)]),
        n.children.map(canonical),
      ];
    case 'text':
      return ['t', canonicalText(n.value)];
    case 'comment':
      return ['c', n.text];
    case 'array':
      return ['a', canonical({ ...n.element, children: [] }), expandArray(n).map((e) => canonical(e.children[0] as XmlNode))];
  }
}
