import { ByteReader } from './byte-reader.js';
import { NetDateTime } from './date-time.js';
import { decodeDecimal } from './decimal.js';
import { staticDictionaryString } from './dictionary.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import { bytesToGuid } from './guid.js';
import { type ReaderQuotas, resolveQuotas } from './quotas.js';
import { ARRAY_ITEM_TYPES, Rec } from './records.js';
import type { SessionDictionary } from './session-dictionary.js';
import type { DictKind, TextValue } from './text-value.js';
import { TimeSpan } from './time-span.js';
import {
  XML_NAMESPACE,
  type XmlArray,
  type XmlArrayValues,
  type XmlAttribute,
  type XmlElement,
  type XmlNode,
  type XmlnsDeclaration,
} from './xml-node.js';

export interface NbfxReadOptions {
  /** The session dictionary of the sending direction; without it every odd DictionaryString id is invalid. */
  readonly session?: SessionDictionary;
  /** Reader limits; missing ones take .NET's defaults. */
  readonly quotas?: Partial<ReaderQuotas>;
  /** Where the document starts in `bytes` (default 0). It ends at the end of `bytes`. */
  readonly offset?: number;
}

interface MutableElement {
  kind: 'element';
  prefix: string;
  localName: string;
  nameDict?: DictKind;
  namespaceUri: string;
  attributes: XmlAttribute[];
  namespaces: XmlnsDeclaration[];
  children: XmlNode[];
}

interface Frame {
  readonly el: MutableElement;
  readonly scope: Map<string, string> | undefined;
}

interface PendingAttribute {
  readonly prefix: string;
  readonly localName: string;
  readonly nameDict?: DictKind;
  readonly value: TextValue;
}

const ZERO: TextValue = { type: 'int', value: 0n };
const ONE: TextValue = { type: 'int', value: 1n };
const FALSE: TextValue = { type: 'bool', value: false };
const TRUE: TextValue = { type: 'bool', value: true };
const EMPTY: TextValue = { type: 'string', value: '' };

/**
 * Decodes an [MC-NBFX] document into nodes. Work and memory are linear in the input size; every
 * malformed input and every quota breach is a SoapError with a stable code.
 */
export function readNbfx(bytes: Uint8Array, options: NbfxReadOptions = {}): XmlNode[] {
  return new NbfxDecoder(bytes, options).decode();
}

/** Where {@link readNbfxHead} stopped: at the first Bytes record directly inside a part of the Body. */
export interface NbfxHead {
  /** The document up to that record: its elements are still open and hold what came before. */
  readonly nodes: XmlNode[];
  /** The offset of the Bytes record in the input. */
  readonly offset: number;
  /** Elements open at that point (Envelope, Body, the body's wrapper, the part: 4). */
  readonly depth: number;
  /** The element whose content the record starts. */
  readonly element: XmlElement;
}

/**
 * Decodes the start of a SOAP message up to the first Bytes text record at depth 4 under the
 * Envelope's Body (the content of a streamed part, `<Op><part>bytes…`: StreamFormatter writes
 * it with WriteValue(IStreamProvider), as Bytes records), so that the content can be read as it
 * arrives. Returns undefined when the input ends first without a fault (then read it whole with
 * readNbfx). A truncated record throws like a malformed one: the caller tells them apart by whether
 * more input is coming.
 */
export function readNbfxHead(bytes: Uint8Array, options: NbfxReadOptions = {}): NbfxHead | undefined {
  return new NbfxDecoder(bytes, options).decodeHead();
}

/**
 * Whether the start of a SOAP message reaches its Body: the start tag of an element `Body` directly
 * inside the top element, within `bytes`. False when they end first, in a record or not.
 */
export function nbfxReachesBody(bytes: Uint8Array, options: NbfxReadOptions = {}): boolean {
  try {
    return new NbfxDecoder(bytes, options).reachesBody();
  } catch {
    // A record cut by the end of `bytes`, or one that is malformed: the Body was not reached in them.
    return false;
  }
}

class NbfxDecoder {
  readonly #r: ByteReader;
  readonly #session: SessionDictionary | undefined;
  readonly #q: ReaderQuotas;
  readonly #stack: Frame[] = [];
  readonly #top: XmlNode[] = [];
  readonly #names = new Set<string>();
  #nameChars = 0;

  constructor(bytes: Uint8Array, options: NbfxReadOptions) {
    this.#r = new ByteReader(bytes, options.offset ?? 0);
    this.#session = options.session;
    this.#q = resolveQuotas(options.quotas);
  }

  decode(): XmlNode[] {
    this.#run('end');
    if (this.#stack.length > 0) {
      const open = this.#stack[this.#stack.length - 1] as Frame;
      throw malformed(`The document ends with ${this.#stack.length} element(s) still open (innermost <${qname(open.el)}>).`);
    }
    return this.#top;
  }

  reachesBody(): boolean {
    return this.#run('body') !== undefined;
  }

  decodeHead(): NbfxHead | undefined {
    const offset = this.#run('stream');
    if (offset === undefined) return undefined;
    const element = (this.#stack[this.#stack.length - 1] as Frame).el as XmlElement;
    return { nodes: this.#top, offset, depth: this.#stack.length, element };
  }

  /**
   * Decodes records to the end; or to a streamed part's first Bytes record (`'stream'`), or to the
   * Body's start tag (`'body'`), whose offset it returns.
   */
  #run(stopAt: 'end' | 'stream' | 'body'): number | undefined {
    const r = this.#r;
    while (!r.atEnd) {
      const start = r.position;
      const type = r.u8();
      if (type === Rec.EndElement) {
        this.#endElement(start);
      } else if (type === Rec.Comment) {
        const textValue = this.#string('a Comment');
        this.#append({ kind: 'comment', text: textValue });
      } else if (type === Rec.Array) {
        this.#array(start);
      } else if (type >= Rec.ShortElement && type <= Rec.PrefixElementZ) {
        const el = this.#startTag(type, start);
        this.#append(el.el);
        this.#stack.push(el);
        if (stopAt === 'body' && this.#stack.length === 2 && el.el.localName === 'Body') return start;
      } else if (type >= Rec.ZeroText && type <= Rec.QNameDictionaryText + 1) {
        // [MC-NBFX] 2.2.3: text is element content; a document's top level holds only elements and comments.
        if (this.#stack.length === 0) throw malformed(`Text record 0x${hex(type)} at offset ${start} is outside any element.`);
        if (stopAt === 'stream' && type >= Rec.Bytes8Text && type <= Rec.Bytes32Text + 1 && this.#inBodyPart()) return start;
        const value = this.#text(type & ~1, false, start);
        this.#append({ kind: 'text', value });
        if ((type & 1) === 1) this.#endElement(start);
      } else if (type >= Rec.ShortAttribute && type <= Rec.PrefixAttributeZ) {
        // [MC-NBFX] 2.2.2: attribute records may only follow an element record or another attribute.
        throw malformed(`Attribute record 0x${hex(type)} at offset ${start} does not follow an element record.`);
      } else {
        throw malformed(`Unknown or reserved record type 0x${hex(type)} at offset ${start}.`);
      }
    }
    return undefined;
  }

  /** Directly inside a part of the Body (Envelope > Body > wrapper > part): where a stream's bytes are. */
  #inBodyPart(): boolean {
    const body = this.#stack[1];
    return this.#stack.length === 4 && body !== undefined && body.el.localName === 'Body';
  }

  #append(node: XmlNode): void {
    const parent = this.#stack[this.#stack.length - 1];
    if (parent) parent.el.children.push(node);
    else this.#top.push(node);
  }

  #endElement(at: number): void {
    if (this.#stack.pop() === undefined) throw malformed(`EndElement at offset ${at} closes no open element.`);
  }

  // ---- names and strings ---------------------------------------------------------------------

  #string(what: string): string {
    const len = this.#r.mb31(`the length of ${what}`);
    return this.#r.utf8(len, what);
  }

  /** A literal name (prefix, local name or namespace URI), counted against maxNameTableCharCount. */
  #name(what: string): string {
    const s = this.#string(what);
    if (!this.#names.has(s)) {
      this.#names.add(s);
      this.#nameChars += s.length;
      if (this.#nameChars > this.#q.maxNameTableCharCount) {
        throw new SoapError(
          SoapErrorCodes.NAME_TABLE_EXCEEDED,
          `The message's literal names exceed maxNameTableCharCount (${this.#q.maxNameTableCharCount} characters). ` +
            'Raise the reader quota maxNameTableCharCount if the peer is trusted.',
        );
      }
    }
    return s;
  }

  /** [MC-NBFX] 2.1.4 DictionaryString: even id = static [MC-NBFS], odd id = session [MC-NBFSE]. */
  #dict(what: string): { value: string; dict: DictKind } {
    const at = this.#r.position;
    const id = this.#r.mb31(`the DictionaryString id of ${what}`);
    if (id % 2 === 0) {
      const value = staticDictionaryString(id);
      if (value === undefined) throw undefinedId(id, at, 'static dictionary ([MC-NBFS] has ids 0..972)');
      return { value, dict: 'static' };
    }
    if (!this.#session) throw undefinedId(id, at, 'session dictionary (no session is in use: the sessionless encoding allows only even ids)');
    const value = this.#session.lookup(id);
    if (value === undefined) throw undefinedId(id, at, `session dictionary (${this.#session.count} strings defined so far)`);
    return { value, dict: 'session' };
  }

  // ---- elements and attributes ---------------------------------------------------------------

  #startTag(type: number, start: number): Frame {
    const depth = this.#stack.length + 1;
    if (depth > this.#q.maxDepth) {
      throw new SoapError(
        SoapErrorCodes.MAX_DEPTH_EXCEEDED,
        `Elements are nested deeper than maxDepth (${this.#q.maxDepth}) at offset ${start}. Raise the reader quota maxDepth if the peer is trusted.`,
      );
    }
    let prefix = '';
    let localName: string;
    let nameDict: DictKind | undefined;
    if (type === Rec.ShortElement) {
      localName = this.#name('an element name');
    } else if (type === Rec.Element) {
      prefix = this.#name('an element prefix');
      localName = this.#name('an element name');
    } else if (type === Rec.ShortDictionaryElement) {
      ({ value: localName, dict: nameDict } = this.#dict('an element name'));
    } else if (type === Rec.DictionaryElement) {
      prefix = this.#name('an element prefix');
      ({ value: localName, dict: nameDict } = this.#dict('an element name'));
    } else if (type <= Rec.PrefixDictionaryElementZ) {
      prefix = String.fromCharCode(0x61 + type - Rec.PrefixDictionaryElementA);
      ({ value: localName, dict: nameDict } = this.#dict('an element name'));
    } else {
      prefix = String.fromCharCode(0x61 + type - Rec.PrefixElementA);
      localName = this.#name('an element name');
    }
    if (prefix === 'xmlns') throw malformed(`An element at offset ${start} uses the reserved prefix 'xmlns'.`);

    const pending: PendingAttribute[] = [];
    const namespaces: XmlnsDeclaration[] = [];
    let scope: Map<string, string> | undefined;
    const r = this.#r;
    while (!r.atEnd) {
      const t = r.peek();
      if (t < Rec.ShortAttribute || t > Rec.PrefixAttributeZ) break;
      r.u8();
      if (t >= Rec.ShortXmlnsAttribute && t <= Rec.DictionaryXmlnsAttribute) {
        const decl = this.#xmlns(t);
        scope ??= new Map();
        // XML Namespaces 1.0 §3: a prefix may be declared once per start tag.
        if (scope.has(decl.prefix)) throw malformed(`The prefix '${decl.prefix}' is declared twice on one element (offset ${start}).`);
        scope.set(decl.prefix, decl.uri);
        namespaces.push(decl);
      } else {
        pending.push(this.#attribute(t));
      }
    }
    const size = r.position - start;
    if (size > this.#q.maxBytesPerRead) {
      throw new SoapError(
        SoapErrorCodes.BYTES_PER_READ_EXCEEDED,
        `A start tag of ${size} bytes at offset ${start} exceeds maxBytesPerRead (${this.#q.maxBytesPerRead}). Raise the reader quota maxBytesPerRead if the peer is trusted.`,
      );
    }

    // docs/protocol.md §12: xmlns records may follow the attributes that use them, so resolve
    // prefixes only after the whole start tag has been read.
    const el: MutableElement = {
      kind: 'element',
      prefix,
      localName,
      namespaceUri: this.#resolve(prefix, scope, true, start),
      attributes: [],
      namespaces,
      children: [],
    };
    if (nameDict !== undefined) el.nameDict = nameDict;
    const seen = new Set<string>();
    for (const a of pending) {
      const namespaceUri = a.prefix === '' ? '' : this.#resolve(a.prefix, scope, false, start);
      const key = `${namespaceUri}\u0000${a.localName}`;
      if (seen.has(key)) throw malformed(`The attribute '${a.localName}' appears twice on one element (offset ${start}).`);
      seen.add(key);
      el.attributes.push({ ...a, namespaceUri });
    }
    return { el, scope };
  }

  #resolve(prefix: string, local: Map<string, string> | undefined, isElement: boolean, at: number): string {
    const own = local?.get(prefix);
    if (own !== undefined) return own;
    for (let i = this.#stack.length - 1; i >= 0; i--) {
      const uri = (this.#stack[i] as Frame).scope?.get(prefix);
      if (uri !== undefined) return uri;
    }
    if (prefix === 'xml') return XML_NAMESPACE;
    if (prefix === '' && isElement) return '';
    throw new SoapError(
      SoapErrorCodes.UNDECLARED_PREFIX,
      `The prefix '${prefix}' at offset ${at} has no namespace declaration in scope. The sender wrote invalid XML.`,
    );
  }

  #xmlns(t: number): XmlnsDeclaration {
    let prefix = '';
    if (t === Rec.XmlnsAttribute || t === Rec.DictionaryXmlnsAttribute) prefix = this.#name('an xmlns prefix');
    if (prefix === 'xmlns') throw malformed("The prefix 'xmlns' cannot be declared.");
    if (t === Rec.ShortXmlnsAttribute || t === Rec.XmlnsAttribute) {
      const uri = this.#name('a namespace URI');
      // XML Namespaces 1.0 §2.2: a prefix cannot be bound to the empty namespace.
      if (prefix !== '' && uri === '') throw malformed(`The prefix '${prefix}' is bound to the empty namespace.`);
      return { prefix, uri };
    }
    const { value: uri, dict } = this.#dict('a namespace URI');
    if (prefix !== '' && uri === '') throw malformed(`The prefix '${prefix}' is bound to the empty namespace.`);
    return { prefix, uri, uriDict: dict };
  }

  #attribute(t: number): PendingAttribute {
    let prefix = '';
    let localName: string;
    let nameDict: DictKind | undefined;
    if (t === Rec.ShortAttribute) {
      localName = this.#name('an attribute name');
    } else if (t === Rec.Attribute) {
      prefix = this.#name('an attribute prefix');
      localName = this.#name('an attribute name');
    } else if (t === Rec.ShortDictionaryAttribute) {
      ({ value: localName, dict: nameDict } = this.#dict('an attribute name'));
    } else if (t === Rec.DictionaryAttribute) {
      prefix = this.#name('an attribute prefix');
      ({ value: localName, dict: nameDict } = this.#dict('an attribute name'));
    } else if (t <= Rec.PrefixDictionaryAttributeZ) {
      prefix = String.fromCharCode(0x61 + t - Rec.PrefixDictionaryAttributeA);
      ({ value: localName, dict: nameDict } = this.#dict('an attribute name'));
    } else {
      prefix = String.fromCharCode(0x61 + t - Rec.PrefixAttributeA);
      localName = this.#name('an attribute name');
    }
    // [MC-NBFX] 2.2.2, 2.2.3.31: an attribute value is exactly one text record, never a WithEndElement form.
    const at = this.#r.position;
    const vt = this.#r.u8('an attribute value');
    if (vt < Rec.ZeroText || vt > Rec.QNameDictionaryText || (vt & 1) === 1) {
      throw malformed(`The attribute '${localName}' has record 0x${hex(vt)} as its value at offset ${at}; an attribute value must be one text record without EndElement.`);
    }
    const value = this.#text(vt, true, at);
    return nameDict === undefined ? { prefix, localName, value } : { prefix, localName, nameDict, value };
  }

  // ---- text ----------------------------------------------------------------------------------

  #checkString(s: string, at: number): string {
    if (s.length > this.#q.maxStringContentLength) throw stringTooLong(s.length, this.#q.maxStringContentLength, at);
    return s;
  }

  #chars(len: number, at: number): TextValue {
    // A UTF-8 string never has more UTF-16 code units than bytes, so a short byte length needs no decoding to pass.
    if (len > this.#q.maxStringContentLength * 3) throw stringTooLong(len, this.#q.maxStringContentLength, at);
    return { type: 'string', value: this.#checkString(this.#r.utf8(len, 'a Chars text record'), at) };
  }

  #unicode(len: number, at: number): TextValue {
    if (len / 2 > this.#q.maxStringContentLength) throw stringTooLong(len / 2, this.#q.maxStringContentLength, at);
    return { type: 'string', value: this.#r.utf16(len, 'a UnicodeChars text record') };
  }

  #bytes(len: number, at: number): TextValue {
    if (len > this.#q.maxArrayLength) throw arrayTooLong(len, this.#q.maxArrayLength, at);
    return { type: 'bytes', value: new Uint8Array(this.#r.bytes(len, 'a Bytes text record')) };
  }

  /** Reads the payload of the (even) text record `t`; `at` is the offset of its type byte. */
  #text(t: number, inAttribute: boolean, at: number): TextValue {
    const r = this.#r;
    switch (t) {
      case Rec.ZeroText:
        return ZERO;
      case Rec.OneText:
        return ONE;
      case Rec.FalseText:
        return FALSE;
      case Rec.TrueText:
        return TRUE;
      case Rec.Int8Text:
        return { type: 'int', value: BigInt(r.i8()) };
      case Rec.Int16Text:
        return { type: 'int', value: BigInt(r.i16()) };
      case Rec.Int32Text:
        return { type: 'int', value: BigInt(r.i32()) };
      case Rec.Int64Text:
        return { type: 'int', value: r.i64() };
      case Rec.FloatText:
        return { type: 'float', value: r.f32() };
      case Rec.DoubleText:
        return { type: 'double', value: r.f64() };
      case Rec.DecimalText:
        return { type: 'decimal', value: decodeDecimal(r.bytes(16, 'a DecimalText value')) };
      case Rec.DateTimeText:
        return { type: 'dateTime', value: NetDateTime.fromBinary(r.i64()) };
      case Rec.Chars8Text:
        return this.#chars(r.u8('a Chars8 length'), at);
      case Rec.Chars16Text:
        return this.#chars(r.u16('a Chars16 length'), at);
      case Rec.Chars32Text:
        return this.#chars(nonNegative(r.i32('a Chars32 length'), at), at);
      case Rec.Bytes8Text:
        return this.#bytes(r.u8('a Bytes8 length'), at);
      case Rec.Bytes16Text:
        return this.#bytes(r.u16('a Bytes16 length'), at);
      case Rec.Bytes32Text:
        return this.#bytes(nonNegative(r.i32('a Bytes32 length'), at), at);
      case Rec.StartListText:
        return this.#list(inAttribute, at);
      case Rec.EmptyText:
        return EMPTY;
      case Rec.DictionaryText: {
        const { value, dict } = this.#dict('a DictionaryText');
        return { type: 'string', value: this.#checkString(value, at), dict };
      }
      case Rec.UniqueIdText:
        return { type: 'uniqueId', value: bytesToGuid(r.bytes(16, 'a UniqueIdText value')) };
      case Rec.TimeSpanText:
        return { type: 'timeSpan', value: new TimeSpan(r.i64()) };
      case Rec.UuidText:
        return { type: 'guid', value: bytesToGuid(r.bytes(16, 'a UuidText value')) };
      case Rec.UInt64Text:
        return { type: 'uint64', value: r.u64() };
      case Rec.BoolText: {
        const b = r.u8('a BoolText value');
        // [MC-NBFX] 2.2.3.26: the byte is 0 or 1.
        if (b > 1) throw malformed(`BoolText at offset ${at} holds ${b}; only 0 and 1 are valid.`);
        return b === 1 ? TRUE : FALSE;
      }
      case Rec.UnicodeChars8Text:
        return this.#unicode(r.u8('a UnicodeChars8 length'), at);
      case Rec.UnicodeChars16Text:
        return this.#unicode(r.u16('a UnicodeChars16 length'), at);
      case Rec.UnicodeChars32Text:
        // docs/protocol.md §18: the length is a 4-byte int32, not the MB31 the spec prose says.
        return this.#unicode(nonNegative(r.i32('a UnicodeChars32 length'), at), at);
      case Rec.QNameDictionaryText: {
        const p = r.u8('a QName prefix');
        // [MC-NBFX] 2.2.3.30: prefix index 0..25 ('a'..'z'), then a DictionaryString.
        if (p > 25) throw malformed(`QNameDictionaryText at offset ${at} has prefix index ${p}; only 0..25 (a..z) are valid.`);
        const { value, dict } = this.#dict('a QName local name');
        return { type: 'qname', prefix: String.fromCharCode(0x61 + p), localName: value, dict };
      }
      default:
        // 0xA6 EndListText without StartList, and the reserved 0xA5/0xA7 ([MC-NBFX] 2.1.1).
        throw malformed(`Record 0x${hex(t)} at offset ${at} is not a valid text record here.`);
    }
  }

  /** StartListText: text records up to EndListText, no nesting ([MC-NBFX] 2.2.3.19). */
  #list(inAttribute: boolean, at: number): TextValue {
    const items: TextValue[] = [];
    for (;;) {
      const p = this.#r.position;
      const t = this.#r.u8('a list item');
      if (t === Rec.EndListText) break;
      if (t < Rec.ZeroText || t > Rec.QNameDictionaryText || (t & 1) === 1 || t === Rec.StartListText) {
        throw malformed(`Record 0x${hex(t)} at offset ${p} cannot be an item of the list that starts at offset ${at}.`);
      }
      items.push(this.#text(t, inAttribute, p));
    }
    return { type: 'list', items };
  }

  // ---- arrays --------------------------------------------------------------------------------

  /** [MC-NBFX] 2.3.3 Array record. */
  #array(start: number): void {
    const r = this.#r;
    const t = r.u8('the element of an Array record');
    if (t < Rec.ShortElement || t > Rec.PrefixElementZ) {
      throw malformed(`The Array record at offset ${start} must start with an element record, found 0x${hex(t)}.`);
    }
    const frame = this.#startTag(t, start);
    const end = r.u8('the EndElement of an Array record');
    if (end !== Rec.EndElement) throw malformed(`The Array record at offset ${start} lacks the EndElement after its element.`);
    const itemByte = r.u8('the item type of an Array record');
    const info = (ARRAY_ITEM_TYPES as Record<number, { type: XmlArrayValues['type']; size: number } | undefined>)[itemByte];
    if (!info) throw malformed(`The Array record at offset ${start} has item type 0x${hex(itemByte)}, which is not allowed in arrays.`);
    const count = r.mb31('the count of an Array record');
    if (count < 1) throw malformed(`The Array record at offset ${start} has count 0; the count must be at least 1.`);
    if (count > this.#q.maxArrayLength) throw arrayTooLong(count, this.#q.maxArrayLength, start);
    if (count * info.size > r.remaining) {
      throw malformed(`The Array record at offset ${start} declares ${count} items of ${info.size} bytes but only ${r.remaining} bytes remain.`);
    }
    const node: XmlArray = { kind: 'array', element: frame.el, items: this.#arrayValues(info.type, count) };
    this.#append(node);
  }

  #arrayValues(type: XmlArrayValues['type'], count: number): XmlArrayValues {
    const r = this.#r;
    const n = Array.from({ length: count });
    switch (type) {
      case 'bool':
        return {
          type,
          values: n.map(() => {
            const b = r.u8();
            if (b > 1) throw malformed(`A bool array item holds ${b}; only 0 and 1 are valid.`);
            return b === 1;
          }),
        };
      case 'int16':
        return { type, values: n.map(() => r.i16()) };
      case 'int32':
        return { type, values: n.map(() => r.i32()) };
      case 'int64':
        return { type, values: n.map(() => r.i64()) };
      case 'float':
        return { type, values: n.map(() => r.f32()) };
      case 'double':
        return { type, values: n.map(() => r.f64()) };
      case 'decimal':
        return { type, values: n.map(() => decodeDecimal(r.bytes(16))) };
      case 'dateTime':
        return { type, values: n.map(() => NetDateTime.fromBinary(r.i64())) };
      case 'timeSpan':
        return { type, values: n.map(() => new TimeSpan(r.i64())) };
      case 'guid':
        return { type, values: n.map(() => bytesToGuid(r.bytes(16))) };
    }
  }
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}

function qname(el: { prefix: string; localName: string }): string {
  return el.prefix ? `${el.prefix}:${el.localName}` : el.localName;
}

function nonNegative(n: number, at: number): number {
  if (n < 0) throw malformed(`The text record at offset ${at} has a negative length (${n}).`);
  return n;
}

function malformed(detail: string): SoapError {
  return new SoapError(SoapErrorCodes.MALFORMED, `Malformed binary XML: ${detail} The sender wrote data that is not valid [MC-NBFX].`);
}

function undefinedId(id: number, at: number, where: string): SoapError {
  return new SoapError(
    SoapErrorCodes.UNDEFINED_DICTIONARY_ID,
    `DictionaryString id ${id} at offset ${at} is not defined in the ${where}. The peer refers to a string it never sent; the session is out of step.`,
  );
}

function stringTooLong(len: number, max: number, at: number): SoapError {
  return new SoapError(
    SoapErrorCodes.STRING_CONTENT_TOO_LONG,
    `A string of ${len} characters at offset ${at} exceeds maxStringContentLength (${max}). Raise the reader quota maxStringContentLength if the peer is trusted.`,
  );
}

function arrayTooLong(len: number, max: number, at: number): SoapError {
  return new SoapError(
    SoapErrorCodes.ARRAY_TOO_LONG,
    `An array of ${len} items at offset ${at} exceeds maxArrayLength (${max}). Raise the reader quota maxArrayLength if the peer is trusted.`,
  );
}
