import type { NetDateTime } from './date-time.js';
import { formatDouble, formatFloat } from './number-text.js';
import type { TimeSpan } from './time-span.js';

/**
 * How a name or string is (or should be) written as a [MC-NBFX] DictionaryString:
 * `static` = the [MC-NBFS] static dictionary (even ids), `session` = the [MC-NBFSE] session
 * dictionary (odd ids). A string without a mark is written inline.
 *
 * .NET decides by dictionary identity, not by value (docs/protocol.md §14): only the fixed SOAP and
 * WS-Addressing vocabulary uses static ids; names from contracts use session ids.
 */
export type DictKind = 'static' | 'session';

/**
 * The value of one [MC-NBFX] text record (2.2.3). Records that stand for the same kind
 * of value share a variant (Zero/One/Int8/16/32/64 are all `int`; Chars and UnicodeChars are both
 * `string`); the writer picks the record as .NET does (docs/protocol.md §14).
 */
export type TextValue =
  | { readonly type: 'string'; readonly value: string; readonly dict?: DictKind }
  | { readonly type: 'int'; readonly value: bigint }
  | { readonly type: 'uint64'; readonly value: bigint }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'double'; readonly value: number }
  | { readonly type: 'decimal'; readonly value: string }
  | { readonly type: 'dateTime'; readonly value: NetDateTime }
  | { readonly type: 'timeSpan'; readonly value: TimeSpan }
  | { readonly type: 'uniqueId'; readonly value: string }
  | { readonly type: 'guid'; readonly value: string }
  | { readonly type: 'bytes'; readonly value: Uint8Array }
  | { readonly type: 'qname'; readonly prefix: string; readonly localName: string; readonly dict: DictKind }
  | { readonly type: 'list'; readonly items: readonly TextValue[] };

/** The XML text a value stands for, as .NET's reader reports it. */
export function textOf(v: TextValue): string {
  switch (v.type) {
    case 'string':
    case 'decimal':
    case 'guid':
      return v.value;
    case 'int':
    case 'uint64':
      return v.value.toString();
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'float':
      return formatFloat(v.value);
    case 'double':
      return formatDouble(v.value);
    case 'dateTime':
    case 'timeSpan':
      return v.value.toString();
    case 'uniqueId':
      return `urn:uuid:${v.value}`;
    case 'bytes':
      return Buffer.from(v.value.buffer, v.value.byteOffset, v.value.byteLength).toString('base64');
    case 'qname':
      return `${v.prefix}:${v.localName}`;
    case 'list':
      return v.items.map(textOf).join(' ');
  }
}

/** A string text value; `dict` marks it for a DictionaryString. */
export function str(value: string, dict?: DictKind): TextValue {
  return dict === undefined ? { type: 'string', value } : { type: 'string', value, dict };
}
