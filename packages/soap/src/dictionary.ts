import { STATIC_DICTIONARY_SIZE, STATIC_DICTIONARY_STRINGS } from './static-dictionary.js';

const byValue = new Map<string, number>();
for (let i = 0; i < STATIC_DICTIONARY_SIZE; i++) {
  byValue.set(STATIC_DICTIONARY_STRINGS[i] as string, i * 2);
}

/** [MC-NBFS] 2.1: the string of an even (static) DictionaryString wire id, or undefined. */
export function staticDictionaryString(wireId: number): string | undefined {
  if (wireId % 2 !== 0) return undefined;
  return STATIC_DICTIONARY_STRINGS[wireId / 2];
}

/** [MC-NBFS] 2.1: the even wire id of `value` in the static dictionary, or undefined. */
export function staticDictionaryId(value: string): number | undefined {
  return byValue.get(value);
}

/** Static wire ids of the SOAP 1.2 / WS-Addressing 1.0 vocabulary ([MC-NBFS] 2.1; docs/protocol.md §17). */
export const StaticIds = {
  mustUnderstand: 0,
  Envelope: 2,
  SoapEnvelopeNs: 4,
  AddressingNs: 6,
  Header: 8,
  Action: 10,
  To: 12,
  Body: 14,
  RelatesTo: 18,
  Anonymous: 20,
  MessageID: 26,
  Address: 42,
  ReplyTo: 44,
  Fault: 134,
  Code: 142,
  Reason: 144,
  Text: 146,
  Detail: 152,
  Value: 154,
  Subcode: 156,
} as const;
