import { ByteWriter } from './byte-writer.js';
import { encodeDecimal } from './decimal.js';
import { staticDictionaryId } from './dictionary.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import { guidToBytes } from './guid.js';
import { ARRAY_TYPE_BYTES, Rec, isLetterPrefix } from './records.js';
import type { SessionDictionary } from './session-dictionary.js';
import type { DictKind, TextValue } from './text-value.js';
import type { XmlArray, XmlElement, XmlNode } from './xml-node.js';

export interface NbfxWriteOptions {
  /**
   * The session dictionary of this writer's direction. Strings marked `session` get ids from it
   * (new ones go into the message's StringTable); without it they are written inline.
   */
  readonly session?: SessionDictionary;
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;
const TWO_63 = 2 ** 63;

/** Encodes nodes as an [MC-NBFX] document, choosing records the way .NET's XmlBinaryWriter does (docs/protocol.md §14). */
export function writeNbfx(nodes: XmlNode | readonly XmlNode[], options: NbfxWriteOptions = {}): Buffer {
  const w = new NbfxEncoder(options.session);
  for (const n of Array.isArray(nodes) ? (nodes as readonly XmlNode[]) : [nodes as XmlNode]) w.node(n);
  return w.out.toBuffer();
}

/** Writes nodes into an existing ByteWriter (used by the envelope encoder). */
export function writeNbfxInto(out: ByteWriter, nodes: readonly XmlNode[], session?: SessionDictionary): void {
  const w = new NbfxEncoder(session, out);
  for (const n of nodes) w.node(n);
}

class NbfxEncoder {
  readonly out: ByteWriter;
  readonly #session: SessionDictionary | undefined;

  constructor(session: SessionDictionary | undefined, out = new ByteWriter(512)) {
    this.#session = session;
    this.out = out;
  }

  node(n: XmlNode): void {
    switch (n.kind) {
      case 'element':
        this.#element(n);
        break;
      case 'text':
        this.#text(n.value, false);
        break;
      case 'comment':
        this.out.u8(Rec.Comment);
        this.#string(n.text);
        break;
      case 'array':
        this.#array(n);
        break;
    }
  }

  #string(s: string): void {
    checkWellFormed(s);
    this.out.mb31(Buffer.byteLength(s, 'utf8'));
    this.out.utf8(s);
  }

  /** The DictionaryString id for `s`, or undefined to write it inline. */
  #dictId(s: string, dict: DictKind | undefined): number | undefined {
    if (dict === 'static') return staticDictionaryId(s) ?? this.#session?.intern(s);
    if (dict === 'session') return this.#session?.intern(s);
    return undefined;
  }

  #startTag(el: XmlElement): void {
    const o = this.out;
    const id = this.#dictId(el.localName, el.nameDict);
    const p = el.prefix;
    if (p === '') {
      if (id === undefined) {
        o.u8(Rec.ShortElement);
        this.#string(el.localName);
      } else {
        o.u8(Rec.ShortDictionaryElement);
        o.mb31(id);
      }
    } else if (isLetterPrefix(p)) {
      const k = p.charCodeAt(0) - 0x61;
      if (id === undefined) {
        o.u8(Rec.PrefixElementA + k);
        this.#string(el.localName);
      } else {
        o.u8(Rec.PrefixDictionaryElementA + k);
        o.mb31(id);
      }
    } else if (id === undefined) {
      o.u8(Rec.Element);
      this.#string(p);
      this.#string(el.localName);
    } else {
      o.u8(Rec.DictionaryElement);
      this.#string(p);
      o.mb31(id);
    }

    // .NET writes attributes first and the namespace declarations when the start tag closes.
    for (const a of el.attributes) {
      const aid = this.#dictId(a.localName, a.nameDict);
      const ap = a.prefix;
      if (ap === '') {
        if (aid === undefined) {
          o.u8(Rec.ShortAttribute);
          this.#string(a.localName);
        } else {
          o.u8(Rec.ShortDictionaryAttribute);
          o.mb31(aid);
        }
      } else if (isLetterPrefix(ap)) {
        const k = ap.charCodeAt(0) - 0x61;
        if (aid === undefined) {
          o.u8(Rec.PrefixAttributeA + k);
          this.#string(a.localName);
        } else {
          o.u8(Rec.PrefixDictionaryAttributeA + k);
          o.mb31(aid);
        }
      } else if (aid === undefined) {
        o.u8(Rec.Attribute);
        this.#string(ap);
        this.#string(a.localName);
      } else {
        o.u8(Rec.DictionaryAttribute);
        this.#string(ap);
        o.mb31(aid);
      }
      this.#text(a.value, true);
    }
    for (const ns of el.namespaces) {
      const uid = this.#dictId(ns.uri, ns.uriDict);
      if (ns.prefix === '') {
        if (uid === undefined) {
          o.u8(Rec.ShortXmlnsAttribute);
          this.#string(ns.uri);
        } else {
          o.u8(Rec.ShortDictionaryXmlnsAttribute);
          o.mb31(uid);
        }
      } else if (uid === undefined) {
        o.u8(Rec.XmlnsAttribute);
        this.#string(ns.prefix);
        this.#string(ns.uri);
      } else {
        o.u8(Rec.DictionaryXmlnsAttribute);
        this.#string(ns.prefix);
        o.mb31(uid);
      }
    }
  }

  #element(el: XmlElement): void {
    this.#startTag(el);
    let lastTextAt = -1;
    for (const c of el.children) {
      if (c.kind === 'text') {
        lastTextAt = this.out.length;
        this.#text(c.value, false);
      } else {
        lastTextAt = -1;
        this.node(c);
      }
    }
    // docs/protocol.md §13: .NET folds the EndElement into the last text record (type byte + 1).
    // StartList has no such form (0xA5/0xA7 are reserved), so a list keeps a separate EndElement.
    if (lastTextAt >= 0 && this.out.at(lastTextAt) !== Rec.StartListText) {
      this.out.patch(lastTextAt, this.out.at(lastTextAt) + 1);
    } else {
      this.out.u8(Rec.EndElement);
    }
  }

  /** One text record (always the even form; the caller may patch it into WithEndElement). */
  #text(v: TextValue, inAttribute: boolean): void {
    const o = this.out;
    switch (v.type) {
      case 'string': {
        const id = this.#dictId(v.value, v.dict);
        if (id !== undefined) {
          o.u8(Rec.DictionaryText);
          o.mb31(id);
        } else {
          this.#chars(v.value);
        }
        return;
      }
      case 'int':
        this.#int64(v.value);
        return;
      case 'uint64':
        if (v.value < 0n || v.value > UINT64_MAX) throw invalid(`UInt64 value ${v.value} is out of range.`);
        // .NET WriteUInt64Text: values that fit in a long take the Int64 rules.
        if (v.value <= INT64_MAX) this.#int64(v.value);
        else {
          o.u8(Rec.UInt64Text);
          o.u64(v.value);
        }
        return;
      case 'bool':
        o.u8(v.value ? Rec.TrueText : Rec.FalseText);
        return;
      case 'float':
        this.#float(Math.fround(v.value));
        return;
      case 'double':
        this.#double(v.value);
        return;
      case 'decimal':
        o.u8(Rec.DecimalText);
        o.bytes(encodeDecimal(v.value));
        return;
      case 'dateTime':
        o.u8(Rec.DateTimeText);
        o.i64(v.value.toBinary());
        return;
      case 'timeSpan':
        o.u8(Rec.TimeSpanText);
        o.i64(v.value.ticks);
        return;
      case 'uniqueId':
        o.u8(Rec.UniqueIdText);
        o.bytes(guidToBytes(v.value));
        return;
      case 'guid':
        o.u8(Rec.UuidText);
        o.bytes(guidToBytes(v.value));
        return;
      case 'bytes': {
        const n = v.value.length;
        if (n < 0x100) {
          o.u8(Rec.Bytes8Text);
          o.u8(n);
        } else if (n < 0x10000) {
          o.u8(Rec.Bytes16Text);
          o.u16(n);
        } else {
          o.u8(Rec.Bytes32Text);
          o.i32(n);
        }
        o.bytes(v.value);
        return;
      }
      case 'qname': {
        const id = isLetterPrefix(v.prefix) ? this.#dictId(v.localName, v.dict) : undefined;
        if (id === undefined) {
          this.#chars(`${v.prefix}:${v.localName}`);
        } else {
          o.u8(Rec.QNameDictionaryText);
          o.u8(v.prefix.charCodeAt(0) - 0x61);
          o.mb31(id);
        }
        return;
      }
      case 'list':
        o.u8(Rec.StartListText);
        for (const item of v.items) {
          if (item.type === 'list') throw invalid('A text list cannot contain another list ([MC-NBFX] StartListText does not nest).');
          this.#text(item, inAttribute);
        }
        o.u8(Rec.EndListText);
        return;
    }
  }

  /** String text as .NET's XmlBinaryNodeWriter.WriteText chooses it (docs/protocol.md §14, `string` row). */
  #chars(s: string): void {
    const o = this.out;
    if (s.length === 0) {
      o.u8(Rec.EmptyText);
      return;
    }
    if (s === '0') {
      o.u8(Rec.ZeroText);
      return;
    }
    if (s === '1') {
      o.u8(Rec.OneText);
      return;
    }
    checkWellFormed(s);
    const utf8Len = Buffer.byteLength(s, 'utf8');
    if (Math.floor(utf8Len / 2) <= s.length) {
      if (utf8Len < 0x100) {
        o.u8(Rec.Chars8Text);
        o.u8(utf8Len);
      } else if (utf8Len < 0x10000) {
        o.u8(Rec.Chars16Text);
        o.u16(utf8Len);
      } else {
        o.u8(Rec.Chars32Text);
        o.i32(utf8Len);
      }
      o.utf8(s);
      return;
    }
    const utf16Len = s.length * 2;
    if (utf16Len < 0x100) {
      o.u8(Rec.UnicodeChars8Text);
      o.u8(utf16Len);
    } else if (utf16Len < 0x10000) {
      o.u8(Rec.UnicodeChars16Text);
      o.u16(utf16Len);
    } else {
      o.u8(Rec.UnicodeChars32Text);
      o.i32(utf16Len);
    }
    o.utf16(s);
  }

  /** .NET WriteInt64Text/WriteInt32Text: Zero, One, Int8, Int16, Int32, Int64, smallest first. */
  #int64(v: bigint): void {
    const o = this.out;
    if (v < INT64_MIN || v > INT64_MAX) throw invalid(`Integer ${v} does not fit in 64 bits; use uint64 or a decimal.`);
    if (v === 0n) o.u8(Rec.ZeroText);
    else if (v === 1n) o.u8(Rec.OneText);
    else if (v >= -128n && v <= 127n) {
      o.u8(Rec.Int8Text);
      o.i8(Number(v));
    } else if (v >= -32768n && v <= 32767n) {
      o.u8(Rec.Int16Text);
      o.i16(Number(v));
    } else if (v >= -2147483648n && v <= 2147483647n) {
      o.u8(Rec.Int32Text);
      o.i32(Number(v));
    } else {
      o.u8(Rec.Int64Text);
      o.i64(v);
    }
  }

  /** .NET WriteFloatText: an integral float within the long range takes the integer rules. */
  #float(f: number): void {
    if (Number.isInteger(f) && f >= -TWO_63 && f < TWO_63) {
      this.#int64(BigInt(f));
      return;
    }
    this.out.u8(Rec.FloatText);
    this.out.f32(f);
  }

  /** .NET WriteDoubleText: a double that is exactly a float takes the float rules (so 100.0 is Int8). */
  #double(d: number): void {
    if (Number.isFinite(d) && Math.fround(d) === d) {
      this.#float(d);
      return;
    }
    this.out.u8(Rec.DoubleText);
    this.out.f64(d);
  }

  /** [MC-NBFX] 2.3.3 Array record. */
  #array(a: XmlArray): void {
    const o = this.out;
    const items = a.items;
    // The count must be at least 1; an empty array is written as no elements at all.
    if (items.values.length === 0) throw invalid('An Array record needs at least one item; write no node for an empty array.');
    o.u8(Rec.Array);
    this.#startTag({ ...a.element, children: [] });
    o.u8(Rec.EndElement);
    o.u8(ARRAY_TYPE_BYTES[items.type]);
    o.mb31(items.values.length);
    switch (items.type) {
      case 'bool':
        for (const v of items.values) o.u8(v ? 1 : 0);
        break;
      case 'int16':
        for (const v of items.values) o.i16(checkInt(v, -32768, 32767));
        break;
      case 'int32':
        for (const v of items.values) o.i32(checkInt(v, -2147483648, 2147483647));
        break;
      case 'int64':
        for (const v of items.values) {
          if (v < INT64_MIN || v > INT64_MAX) throw invalid(`Int64 array item ${v} is out of range.`);
          o.i64(v);
        }
        break;
      case 'float':
        for (const v of items.values) o.f32(v);
        break;
      case 'double':
        for (const v of items.values) o.f64(v);
        break;
      case 'decimal':
        for (const v of items.values) o.bytes(encodeDecimal(v));
        break;
      case 'dateTime':
        for (const v of items.values) o.i64(v.toBinary());
        break;
      case 'timeSpan':
        for (const v of items.values) o.i64(v.ticks);
        break;
      case 'guid':
        for (const v of items.values) o.bytes(guidToBytes(v));
        break;
    }
  }
}

const LONE_SURROGATE = /\p{Cs}/u;

/** A lone UTF-16 surrogate has no UTF-8 form; encoding it would silently change the text. */
function checkWellFormed(s: string): void {
  if (LONE_SURROGATE.test(s)) {
    throw invalid('A string contains an unpaired UTF-16 surrogate, which XML text cannot carry. Remove or pair it.');
  }
}

function checkInt(v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw invalid(`Array item ${v} is not an integer in ${min}..${max}.`);
  return v;
}

function invalid(detail: string): SoapError {
  return new SoapError(SoapErrorCodes.INVALID_VALUE, detail);
}
