/**
 * [MC-NBFX] record types (2.1.1; .NET XmlBinaryNodeType.cs). A document is a sequence
 * of records:
 *
 *   document   = *( element | text | comment | array | EndElement )
 *   element    = element-record *attribute-record
 *   attribute  = 0x04..0x3F record, only right after an element or another attribute
 *   text       = 0x80..0xBD; an odd type byte is the even record followed by an implicit EndElement
 *   array      = 0x03 element-record *attribute-record 0x01 item-type MB31(count >= 1) count*item
 *
 * Strings are MB31 length + UTF-8; DictionaryStrings are one MB31 id, even = static [MC-NBFS],
 * odd = session [MC-NBFSE].
 */
export const Rec = {
  EndElement: 0x01,
  Comment: 0x02,
  Array: 0x03,

  ShortAttribute: 0x04,
  Attribute: 0x05,
  ShortDictionaryAttribute: 0x06,
  DictionaryAttribute: 0x07,
  ShortXmlnsAttribute: 0x08,
  XmlnsAttribute: 0x09,
  ShortDictionaryXmlnsAttribute: 0x0a,
  DictionaryXmlnsAttribute: 0x0b,
  PrefixDictionaryAttributeA: 0x0c,
  PrefixDictionaryAttributeZ: 0x25,
  PrefixAttributeA: 0x26,
  PrefixAttributeZ: 0x3f,

  ShortElement: 0x40,
  Element: 0x41,
  ShortDictionaryElement: 0x42,
  DictionaryElement: 0x43,
  PrefixDictionaryElementA: 0x44,
  PrefixDictionaryElementZ: 0x5d,
  PrefixElementA: 0x5e,
  PrefixElementZ: 0x77,

  ZeroText: 0x80,
  OneText: 0x82,
  FalseText: 0x84,
  TrueText: 0x86,
  Int8Text: 0x88,
  Int16Text: 0x8a,
  Int32Text: 0x8c,
  Int64Text: 0x8e,
  FloatText: 0x90,
  DoubleText: 0x92,
  DecimalText: 0x94,
  DateTimeText: 0x96,
  Chars8Text: 0x98,
  Chars16Text: 0x9a,
  Chars32Text: 0x9c,
  Bytes8Text: 0x9e,
  Bytes16Text: 0xa0,
  Bytes32Text: 0xa2,
  StartListText: 0xa4,
  EndListText: 0xa6,
  EmptyText: 0xa8,
  DictionaryText: 0xaa,
  UniqueIdText: 0xac,
  TimeSpanText: 0xae,
  UuidText: 0xb0,
  UInt64Text: 0xb2,
  BoolText: 0xb4,
  UnicodeChars8Text: 0xb6,
  UnicodeChars16Text: 0xb8,
  UnicodeChars32Text: 0xba,
  QNameDictionaryText: 0xbc,
} as const;

/** Item type bytes allowed in an Array record ([MC-NBFX] 2.3.3) and their item sizes. */
export const ARRAY_ITEM_TYPES = {
  0xb5: { type: 'bool', size: 1 },
  0x8b: { type: 'int16', size: 2 },
  0x8d: { type: 'int32', size: 4 },
  0x8f: { type: 'int64', size: 8 },
  0x91: { type: 'float', size: 4 },
  0x93: { type: 'double', size: 8 },
  0x95: { type: 'decimal', size: 16 },
  0x97: { type: 'dateTime', size: 8 },
  0xaf: { type: 'timeSpan', size: 8 },
  0xb1: { type: 'guid', size: 16 },
} as const;

/** Array item type byte for each item type (the WithEndElement form of the matching text record). */
export const ARRAY_TYPE_BYTES = {
  bool: 0xb5,
  int16: 0x8b,
  int32: 0x8d,
  int64: 0x8f,
  float: 0x91,
  double: 0x93,
  decimal: 0x95,
  dateTime: 0x97,
  timeSpan: 0xaf,
  guid: 0xb1,
} as const;

/** True for a single lowercase ASCII letter, the prefixes the Prefix* records encode in the type byte. */
export function isLetterPrefix(prefix: string): boolean {
  return prefix.length === 1 && prefix >= 'a' && prefix <= 'z';
}
