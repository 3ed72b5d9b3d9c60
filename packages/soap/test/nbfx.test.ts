import { describe, expect, it } from 'vitest';
import { readNbfx } from '../src/nbfx-reader.js';
import { writeNbfx } from '../src/nbfx-writer.js';
import { SessionDictionary } from '../src/session-dictionary.js';
import type { TextValue } from '../src/text-value.js';
import type { XmlElement, XmlNode } from '../src/xml-node.js';
import { toXmlString } from '../src/xml-text.js';
import { hex } from './support/fixtures.js';

function decode(h: string, session?: SessionDictionary): XmlNode[] {
  return readNbfx(hex(h), session ? { session } : {});
}

function firstText(h: string): TextValue {
  const el = decode(h)[0] as XmlElement;
  const t = el.children[0];
  if (t?.kind !== 'text') throw new Error('no text');
  return t.value;
}

/** [MC-NBFX] 3 examples and a few more vectors, tested in three directions. */
const VECTORS: { bytes: string; xml: string; reencodes: boolean }[] = [
  { bytes: '40 03 64 6F 63 01', xml: '<doc/>', reencodes: true },
  { bytes: '02 07 63 6F 6D 6D 65 6E 74', xml: '<!--comment-->', reencodes: true },
  { bytes: '40 03 64 6F 63 04 04 61 74 74 72 84 01', xml: '<doc attr="false"/>', reencodes: true },
  { bytes: '40 03 64 6F 63 09 01 70 0A 68 74 74 70 3A 2F 2F 61 62 63 01', xml: '<doc xmlns:p="http://abc"/>', reencodes: true },
  { bytes: '41 03 70 72 65 03 64 6F 63 09 03 70 72 65 0A 68 74 74 70 3A 2F 2F 61 62 63 01', xml: '<pre:doc xmlns:pre="http://abc"/>', reencodes: true },
  { bytes: '40 03 61 62 63 81', xml: '<abc>0</abc>', reencodes: true },
  { bytes: '42 9A 01 89 7F', xml: '<Value>127</Value>', reencodes: true },
  { bytes: '40 05 50 72 69 63 65 91 CD CC 01 42', xml: '<Price>32.45</Price>', reencodes: true },
  { bytes: '40 02 50 49 93 11 2D 44 54 FB 21 09 40', xml: '<PI>3.14159265358979</PI>', reencodes: true },
  {
    bytes: '40 08 4D 61 78 56 61 6C 75 65 95 00 00 00 00 FF FF FF FF FF FF FF FF FF FF FF FF',
    xml: '<MaxValue>79228162514264337593543950335</MaxValue>',
    reencodes: true,
  },
  { bytes: '42 6C 97 00 40 8E F9 5B 47 C8 08', xml: '<Created>2006-05-17T00:00:00</Created>', reencodes: true },
  { bytes: '40 01 61 99 05 68 65 6C 6C 6F', xml: '<a>hello</a>', reencodes: true },
  { bytes: '40 06 42 61 73 65 36 34 9F 08 00 01 02 03 04 05 06 07', xml: '<Base64>AAECAwQFBgc=</Base64>', reencodes: true },
  { bytes: '40 03 64 6F 63 04 01 61 A4 88 7B 98 05 68 65 6C 6C 6F 86 A6 01', xml: '<doc a="123 hello true"/>', reencodes: true },
  {
    bytes: '42 1A AD 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF',
    xml: '<MessageID>urn:uuid:33221100-5544-7766-8899-aabbccddeeff</MessageID>',
    reencodes: true,
  },
  { bytes: '40 02 49 44 B1 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F', xml: '<ID>03020100-0504-0706-0809-0a0b0c0d0e0f</ID>', reencodes: true },
  // UnicodeChars32 with its 4-byte length (docs/protocol.md §18); the writer would pick Chars8 for "32".
  { bytes: '40 03 55 33 32 BB 04 00 00 00 33 00 32 00', xml: '<U32>32</U32>', reencodes: false },
  { bytes: '40 04 54 79 70 65 BD 12 90 07', xml: '<Type>s:double</Type>', reencodes: true },
  { bytes: '03 40 03 61 72 72 01 B5 05 01 00 01 00 01', xml: '<arr>true</arr><arr>false</arr><arr>true</arr><arr>false</arr><arr>true</arr>', reencodes: true },
  { bytes: '03 40 03 61 72 72 01 8B 03 33 33 88 88 DD DD', xml: '<arr>13107</arr><arr>-30584</arr><arr>-8739</arr>', reencodes: true },
  { bytes: '40 01 78 80 01', xml: '<x>0</x>', reencodes: false },
];

describe('[MC-NBFX] vectors', () => {
  for (const v of VECTORS) {
    it(`${v.xml}`, () => {
      const nodes = decode(v.bytes);
      expect(toXmlString(nodes)).toBe(v.xml);
      const again = writeNbfx(nodes);
      if (v.reencodes) expect(again.toString('hex')).toBe(hex(v.bytes).toString('hex'));
      expect(toXmlString(readNbfx(again))).toBe(v.xml);
    });
  }

  it('StringTable example of [MC-NBFSE] §3: ids 1 and 3, then DictionaryText and a dictionary element', () => {
    const s = new SessionDictionary();
    const table = hex('11 06 61 63 74 69 6F 6E 09 49 6E 76 65 6E 74 6F 72 79');
    expect(s.readStringTable(table)).toBe(table.length);
    expect(toXmlString(decode('42 03 AB 01', s))).toBe('<Inventory>action</Inventory>');
  });
});

describe('every text record, with and without EndElement', () => {
  const cases: [string, string, TextValue][] = [
    ['ZeroText', '80', { type: 'int', value: 0n }],
    ['OneText', '82', { type: 'int', value: 1n }],
    ['FalseText', '84', { type: 'bool', value: false }],
    ['TrueText', '86', { type: 'bool', value: true }],
    ['Int8Text', '88 ff', { type: 'int', value: -1n }],
    ['Int16Text', '8a c8 00', { type: 'int', value: 200n }],
    ['Int32Text', '8c 70 11 01 00', { type: 'int', value: 70000n }],
    ['Int64Text', '8e 00 f2 05 2a 01 00 00 00', { type: 'int', value: 5000000000n }],
    ['FloatText', '90 00 00 c0 3f', { type: 'float', value: 1.5 }],
    ['DoubleText', '92 7b 14 ae 47 e1 fa 2f 40', { type: 'double', value: 15.99 }],
    ['DecimalText', '94 00 00 02 00 00 00 00 00 39 30 00 00 00 00 00 00', { type: 'decimal', value: '123.45' }],
    ['Chars8Text', '98 02 68 69', { type: 'string', value: 'hi' }],
    ['Chars16Text', '9a 02 00 68 69', { type: 'string', value: 'hi' }],
    ['Chars32Text', '9c 02 00 00 00 68 69', { type: 'string', value: 'hi' }],
    ['Bytes8Text', '9e 01 fa', { type: 'bytes', value: Uint8Array.of(250) }],
    ['Bytes16Text', 'a0 01 00 fa', { type: 'bytes', value: Uint8Array.of(250) }],
    ['Bytes32Text', 'a2 01 00 00 00 fa', { type: 'bytes', value: Uint8Array.of(250) }],
    ['EmptyText', 'a8', { type: 'string', value: '' }],
    ['DictionaryText', 'aa 14', { type: 'string', value: 'http://www.w3.org/2005/08/addressing/anonymous', dict: 'static' }],
    ['UniqueIdText', 'ac 73 47 fa 6c 65 a2 75 42 87 ea 4a e5 05 d0 1e 3e', { type: 'uniqueId', value: '6cfa4773-a265-4275-87ea-4ae505d01e3e' }],
    ['UInt64Text', 'b2 ff ff ff ff ff ff ff ff', { type: 'uint64', value: 18446744073709551615n }],
    ['BoolText', 'b4 01', { type: 'bool', value: true }],
    ['UnicodeChars8Text', 'b6 04 2d 4e 87 65', { type: 'string', value: '中文' }],
    ['UnicodeChars16Text', 'b8 04 00 2d 4e 87 65', { type: 'string', value: '中文' }],
    ['UnicodeChars32Text', 'ba 04 00 00 00 2d 4e 87 65', { type: 'string', value: '中文' }],
    ['QNameDictionaryText', 'bc 00 08', { type: 'qname', prefix: 'a', localName: 'Header', dict: 'static' }],
  ];
  for (const [name, bytes, value] of cases) {
    it(name, () => {
      const type = bytes.slice(0, 2);
      const rest = bytes.slice(2);
      // Even form followed by a separate EndElement, and the odd WithEndElement form.
      expect(firstText(`40 01 78 ${type} ${rest} 01`)).toEqual(value);
      const odd = (parseInt(type, 16) + 1).toString(16);
      expect(firstText(`40 01 78 ${odd} ${rest}`)).toEqual(value);
    });
  }

  it('DateTimeText keeps ticks and kind (2024-01-02T03:04:05Z from the Mono capture)', () => {
    const v = firstText('40 01 78 97 80 c0 bf 7a 3f 0b dc 48');
    expect(v.type).toBe('dateTime');
    if (v.type === 'dateTime') {
      expect(v.value.kind).toBe('Utc');
      expect(v.value.toString()).toBe('2024-01-02T03:04:05Z');
    }
  });

  it('TimeSpanText and UuidText', () => {
    const t = firstText('40 01 78 af 00 5e d0 b2 00 00 00 00');
    expect(t.type === 'timeSpan' && t.value.ticks).toBe(3_000_000_000n);
    expect(t.type === 'timeSpan' && t.value.toString()).toBe('PT5M');
    expect(firstText('40 01 78 b1 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff')).toEqual({ type: 'guid', value: '33221100-5544-7766-8899-aabbccddeeff' });
  });

  it('consecutive text records stay separate nodes and concatenate in textContent', () => {
    // A fault code QName as .NET writes it: "s", ":", "Sender" (docs/protocol.md §11, §13).
    const el = decode('40 01 78 09 01 73 03 75 72 6e 98 01 73 98 01 3a 99 06 53 65 6e 64 65 72')[0] as XmlElement;
    expect(el.children).toHaveLength(3);
    expect(toXmlString(el)).toBe('<x xmlns:s="urn">s:Sender</x>');
  });

  it('attribute records of every form resolve prefixes declared later in the same start tag', () => {
    // i:nil before xmlns:i, as Mono writes it (docs/protocol.md §12); then each attribute record form.
    const el = decode(
      '40 01 78 14 f6 06 86 0b 01 69 f2 06 04 01 61 98 01 31 05 01 70 01 62 98 01 32 06 9a 01 98 01 33 ' +
        '07 01 70 9a 01 98 01 34 26 01 63 98 01 35 09 01 70 03 75 72 6e 09 01 61 05 75 72 6e 3a 61 01',
    )[0] as XmlElement;
    expect(el.attributes.map((a) => [a.prefix, a.localName, a.namespaceUri])).toEqual([
      ['i', 'nil', 'http://www.w3.org/2001/XMLSchema-instance'],
      ['', 'a', ''],
      ['p', 'b', 'urn'],
      ['', 'Value', ''],
      ['p', 'Value', 'urn'],
      ['a', 'c', 'urn:a'],
    ]);
    expect(toXmlString(el)).toBe(
      '<x xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns:p="urn" xmlns:a="urn:a" i:nil="true" a="1" p:b="2" Value="3" p:Value="4" a:c="5"/>',
    );
  });

  it('element records of every form, with default and prefixed namespaces', () => {
    const bytes =
      '40 01 72 09 02 70 72 03 75 72 6e 09 01 62 03 75 72 62 0a 04 ' +
      '41 02 70 72 01 65 01 42 02 01 43 02 70 72 0e 01 45 08 01 5f 01 66 01 01';
    const root = decode(bytes)[0] as XmlElement;
    expect(toXmlString(root)).toBe(
      '<r xmlns:pr="urn" xmlns:b="urb" xmlns="http://www.w3.org/2003/05/soap-envelope"><pr:e/><Envelope/><pr:Body/><b:Header/><b:f/></r>',
    );
    expect(root.children.map((c) => (c as XmlElement).namespaceUri)).toEqual([
      'urn',
      'http://www.w3.org/2003/05/soap-envelope',
      'urn',
      'urb',
      'urb',
    ]);
    expect(writeNbfx(root).toString('hex')).toBe(hex(bytes).toString('hex'));
    // A one-letter prefix always takes the compact Prefix* records, as in .NET's writer.
    const p = decode('40 01 72 09 01 70 03 75 72 6e 41 01 70 01 65 01 43 01 70 0e 01 01');
    expect(writeNbfx(p).toString('hex')).toBe(hex('40 01 72 09 01 70 03 75 72 6e 6d 01 65 01 53 0e 01 01').toString('hex'));
  });
});

describe('writer input checks', () => {
  it('rejects strings with unpaired surrogates instead of altering them', () => {
    const el = (s: string): XmlNode => ({ kind: 'element', prefix: '', localName: 'x', namespaceUri: '', attributes: [], namespaces: [], children: [{ kind: 'text', value: { type: 'string', value: s } }] });
    expect(() => writeNbfx(el('a\uD800b'))).toThrow(expect.objectContaining({ code: 'SOAP_ERR_INVALID_VALUE' }));
    expect(() => writeNbfx({ ...(el('') as XmlElement), localName: '\uDC00' })).toThrow(expect.objectContaining({ code: 'SOAP_ERR_INVALID_VALUE' }));
    expect(toXmlString(readNbfx(writeNbfx(el('😀'))))).toBe('<x>😀</x>');
  });
});
