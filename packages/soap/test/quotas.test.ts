import { describe, expect, it } from 'vitest';
import { SoapErrorCodes } from '../src/errors.js';
import { codeOf } from './support/errors.js';
import { BinarySessionEncoder } from '../src/message-encoder.js';
import { readNbfx } from '../src/nbfx-reader.js';
import { writeNbfx } from '../src/nbfx-writer.js';
import { DEFAULT_READER_QUOTAS, type ReaderQuotas } from '../src/quotas.js';
import { SessionDictionary, encodeStringTable } from '../src/session-dictionary.js';
import { type XmlElement, type XmlNode, element, text } from '../src/xml-node.js';

function read(nodes: XmlNode | XmlNode[], quotas: Partial<ReaderQuotas>): () => XmlNode[] {
  const bytes = writeNbfx(nodes);
  return () => readNbfx(bytes, { quotas });
}

function nested(depth: number): XmlElement {
  let el = element('x');
  for (let i = 1; i < depth; i++) el = element('x', { children: [el] });
  return el;
}

describe('reader quotas (docs/protocol.md §16): at the limit passes, one past fails with the stable code', () => {
  it('defaults are .NET\'s', () => {
    expect(DEFAULT_READER_QUOTAS).toEqual({
      maxReceivedMessageSize: 65536,
      maxDepth: 32,
      maxStringContentLength: 8192,
      maxArrayLength: 16384,
      maxBytesPerRead: 4096,
      maxNameTableCharCount: 16384,
      maxSessionSize: 2048,
      maxBufferSize: 65536,
    });
  });

  it('maxDepth', () => {
    expect(read(nested(32), {})()).toHaveLength(1);
    expect(codeOf(read(nested(33), {}))).toBe(SoapErrorCodes.MAX_DEPTH_EXCEEDED);
    expect(codeOf(read(nested(5), { maxDepth: 4 }))).toBe(SoapErrorCodes.MAX_DEPTH_EXCEEDED);
  });

  it('maxDepth also bounds the element of an Array record', () => {
    const arr: XmlNode = { kind: 'array', element: element('i'), items: { type: 'int32', values: [1] } };
    expect(read(element('x', { children: [arr] }), { maxDepth: 2 })()).toHaveLength(1);
    expect(codeOf(read(element('x', { children: [arr] }), { maxDepth: 1 }))).toBe(SoapErrorCodes.MAX_DEPTH_EXCEEDED);
  });

  it('maxStringContentLength for Chars, UnicodeChars and attribute values', () => {
    const el = (s: string) => element('x', { children: [text({ type: 'string', value: s })] });
    expect(read(el('a'.repeat(8192)), {})()).toHaveLength(1);
    expect(codeOf(read(el('a'.repeat(8193)), {}))).toBe(SoapErrorCodes.STRING_CONTENT_TOO_LONG);
    // CJK text is written as UnicodeChars (docs/protocol.md §14); the limit counts characters.
    expect(read(el('中'.repeat(100)), { maxStringContentLength: 100 })()).toHaveLength(1);
    expect(codeOf(read(el('中'.repeat(101)), { maxStringContentLength: 100 }))).toBe(SoapErrorCodes.STRING_CONTENT_TOO_LONG);
    // Multi-byte UTF-8 (Chars records): 100 characters of 'é' are 200 bytes but still 100 characters.
    expect(read(el('é'.repeat(100)), { maxStringContentLength: 100 })()).toHaveLength(1);
    expect(codeOf(read(el('é'.repeat(101)), { maxStringContentLength: 100 }))).toBe(SoapErrorCodes.STRING_CONTENT_TOO_LONG);
    const attr = (s: string) =>
      element('x', { attributes: [{ prefix: '', localName: 'a', namespaceUri: '', value: { type: 'string', value: s } }] });
    expect(read(attr('b'.repeat(10)), { maxStringContentLength: 10 })()).toHaveLength(1);
    expect(codeOf(read(attr('b'.repeat(11)), { maxStringContentLength: 10 }))).toBe(SoapErrorCodes.STRING_CONTENT_TOO_LONG);
  });

  it('maxArrayLength for Array records and byte arrays', () => {
    const arr = (n: number): XmlNode => ({ kind: 'array', element: element('i'), items: { type: 'int32', values: new Array<number>(n).fill(7) } });
    expect(read(element('x', { children: [arr(16384)] }), { maxReceivedMessageSize: 1 << 20 })()).toHaveLength(1);
    expect(codeOf(read(element('x', { children: [arr(16385)] }), {}))).toBe(SoapErrorCodes.ARRAY_TOO_LONG);
    const bytes = (n: number) => element('x', { children: [text({ type: 'bytes', value: new Uint8Array(n) })] });
    expect(read(bytes(300), { maxArrayLength: 300 })()).toHaveLength(1);
    expect(codeOf(read(bytes(301), { maxArrayLength: 300 }))).toBe(SoapErrorCodes.ARRAY_TOO_LONG);
  });

  it('maxBytesPerRead bounds one start tag', () => {
    // <x a="…"/>: 40 01 78 | 04 01 61 9a <u16> … | 01 → tag = 3 + 4 + 2 + n bytes.
    const tag = (n: number) =>
      element('x', { attributes: [{ prefix: '', localName: 'a', namespaceUri: '', value: { type: 'string', value: 'v'.repeat(n) } }] });
    expect(read(tag(4096 - 9), {})()).toHaveLength(1);
    expect(codeOf(read(tag(4096 - 8), {}))).toBe(SoapErrorCodes.BYTES_PER_READ_EXCEEDED);
  });

  it('maxNameTableCharCount counts distinct literal names once', () => {
    const names = (n: number) => element('r', { children: Array.from({ length: n }, (_, i) => element(`n${String(i).padStart(3, '0')}`)) });
    // "r" (1) + n names of 4 characters; repeated names are free.
    expect(read(names(25), { maxNameTableCharCount: 101 })()).toHaveLength(1);
    expect(codeOf(read(names(25), { maxNameTableCharCount: 100 }))).toBe(SoapErrorCodes.NAME_TABLE_EXCEEDED);
    const same = element('r', { children: Array.from({ length: 50 }, () => element('abcd')) });
    expect(read(same, { maxNameTableCharCount: 5 })()).toHaveLength(1);
  });

  it('maxReceivedMessageSize bounds the whole payload', () => {
    const enc = (quota: number) => new BinarySessionEncoder({ quotas: { maxReceivedMessageSize: quota } });
    const payload = new BinarySessionEncoder().encode(element('x', { children: [text({ type: 'string', value: 'y'.repeat(90) })] }));
    expect(enc(payload.length).decode(payload)).toHaveLength(1);
    expect(codeOf(() => enc(payload.length - 1).decode(payload))).toBe(SoapErrorCodes.MESSAGE_TOO_LARGE);
  });

  it('maxSessionSize bounds the strings a peer defines over the whole connection', () => {
    // Each "aaaaaaaaa" costs MB31(9) + 9 = 10 bytes.
    const s = new SessionDictionary({ maxSessionSize: 30 });
    s.readStringTable(encodeStringTable(['aaaaaaaaa', 'bbbbbbbbb']));
    s.readStringTable(encodeStringTable(['ccccccccc']));
    expect(s.size).toBe(30);
    expect(codeOf(() => s.readStringTable(encodeStringTable(['d'])))).toBe(SoapErrorCodes.SESSION_SIZE_EXCEEDED);
    expect(codeOf(() => s.readStringTable(encodeStringTable([])))).toBe(SoapErrorCodes.SESSION_FAULTED);
  });
});

describe('writer session quota (docs/protocol.md §15)', () => {
  it('adds strings up to writerSessionSize, then writes names inline for the rest of the connection', () => {
    const enc = new BinarySessionEncoder({ writerSessionSize: 20 });
    const named = (n: string) => element(n, { nameDict: 'session' });
    const first = enc.encode(element('r', { children: [named('aaaaaaaaa'), named('bbbbbbbbb')] }));
    // Both fit exactly (2 × 10 bytes): the StringTable defines them, the body uses ids 1 and 3.
    expect(first.subarray(0, 21)).toEqual(encodeStringTable(['aaaaaaaaa', 'bbbbbbbbb']));
    expect(enc.writerSession.size).toBe(20);
    const second = enc.encode(element('r', { children: [named('c'), named('aaaaaaaaa')] }));
    // "c" does not fit: no StringTable entry, literal name; the old id is still used.
    expect(second.toString('hex')).toBe('00' + '400172' + '40016301' + '420101' + '01');
    const reader = new BinarySessionEncoder();
    reader.decode(first);
    expect(readNamesOf(reader.decode(second))).toEqual(['c', 'aaaaaaaaa']);
  });

  it('a message that fails to encode does not consume session ids', () => {
    const enc = new BinarySessionEncoder();
    const bad = element('r', {
      nameDict: 'session',
      children: [text({ type: 'decimal', value: 'not a decimal' })],
    });
    expect(codeOf(() => enc.encode(bad))).toBe(SoapErrorCodes.INVALID_VALUE);
    expect(enc.writerSession.count).toBe(0);
    const ok = enc.encode(element('q', { nameDict: 'session' }));
    expect(ok.toString('hex')).toBe('02017142' + '0101');
  });
});

function readNamesOf(nodes: XmlNode[]): string[] {
  return (nodes[0] as XmlElement).children.map((c) => (c as XmlElement).localName);
}
