import { createHash } from 'node:crypto';
import type { DateTimeOffset, InstanceOf, NetDateTime, TimeSpan } from '@portshare/soap';
import type { Address, Person } from './test-contract.js';

/**
 * The canonical text of values, written the same way by csharp/Canon.cs: each side prints what it
 * sent and what it received in this form, and the tests compare texts. Strings are UTF-8 hex,
 * float and double their IEEE bits (every NaN is "NaN"), DateTime its ticks (the UTC instant for
 * Local) and kind, TimeSpan its ticks, null "~"; structures are `{Key=value;…}`, arrays `[a,b,…]`.
 */

/** The value types ITest echoes, by the name the C# client's `echo` command takes. */
export interface EchoValues {
  string: string | null;
  int: number;
  long: bigint;
  bool: boolean;
  float: number;
  double: number;
  decimal: string;
  dateTime: NetDateTime;
  guid: string;
  timeSpan: TimeSpan;
  bytes: Uint8Array | null;
  ints: number[] | null;
  strings: (string | null)[] | null;
  person: InstanceOf<typeof Person> | null;
  byte: number;
  sbyte: number;
  short: number;
  ushort: number;
  uint: number;
  ulong: bigint;
  char: string;
  uri: string | null;
  nullableInt: number | null;
  color: 'Red' | 'Green' | 'Blue';
  access: number;
  dictionary: Map<string | null, number> | null;
  dateTimeOffset: InstanceOf<typeof DateTimeOffset> | null;
}

export type EchoType = keyof EchoValues;

/** The ITest operation that echoes each type. */
export const EchoOperations = {
  string: 'EchoString',
  int: 'EchoInt',
  long: 'EchoLong',
  bool: 'EchoBool',
  float: 'EchoFloat',
  double: 'EchoDouble',
  decimal: 'EchoDecimal',
  dateTime: 'EchoDateTime',
  guid: 'EchoGuid',
  timeSpan: 'EchoTimeSpan',
  bytes: 'EchoBytes',
  ints: 'EchoInts',
  strings: 'EchoStrings',
  person: 'EchoPerson',
  byte: 'EchoByte',
  sbyte: 'EchoSByte',
  short: 'EchoShort',
  ushort: 'EchoUShort',
  uint: 'EchoUInt',
  ulong: 'EchoULong',
  char: 'EchoChar',
  uri: 'EchoUri',
  nullableInt: 'EchoNullableInt',
  color: 'EchoColor',
  access: 'EchoAccess',
  dictionary: 'EchoDictionary',
  dateTimeOffset: 'EchoDateTimeOffset',
} as const satisfies Record<EchoType, string>;

const NULL = '~';

export function canonString(s: string | null): string {
  return s === null ? NULL : Buffer.from(s, 'utf8').toString('hex');
}

export function canonBytes(b: Uint8Array | null): string {
  return b === null ? NULL : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function canonFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  const b = Buffer.alloc(4);
  b.writeFloatBE(f);
  return b.toString('hex');
}

export function canonDouble(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  const b = Buffer.alloc(8);
  b.writeDoubleBE(d);
  return b.toString('hex');
}

export function canonList<T>(items: readonly T[] | null, each: (item: T) => string): string {
  return items === null ? NULL : `[${items.map(each).join(',')}]`;
}

export function canonAddress(a: InstanceOf<typeof Address> | null): string {
  return a === null ? NULL : `{Street=${canonString(a.Street)};City=${canonString(a.City)};Zip=${a.Zip}}`;
}

export function canonPerson(p: InstanceOf<typeof Person> | null): string {
  if (p === null) return NULL;
  return `{Name=${canonString(p.Name)};Age=${p.Age};Scores=${canonList(p.Scores, canonDouble)};Address=${canonAddress(p.Address)}}`;
}

const writers: { [T in EchoType]: (v: EchoValues[T]) => string } = {
  string: canonString,
  int: (v) => String(v),
  long: (v) => v.toString(),
  bool: (v) => (v ? 'true' : 'false'),
  float: canonFloat,
  double: canonDouble,
  decimal: (v) => v,
  dateTime: (v) => `${v.ticks}/${v.kind}`,
  guid: (v) => v.toLowerCase(),
  timeSpan: (v) => v.ticks.toString(),
  bytes: canonBytes,
  ints: (v) => canonList(v, String),
  strings: (v) => canonList(v, canonString),
  person: canonPerson,
  byte: String,
  sbyte: String,
  short: String,
  ushort: String,
  uint: String,
  ulong: (v) => v.toString(),
  char: (v) => String(v.charCodeAt(0)),
  uri: canonString,
  nullableInt: (v) => (v === null ? NULL : String(v)),
  color: (v) => v,
  access: String,
  dictionary: (v) => (v === null ? NULL : `{${[...v].map(([k, n]) => `${canonString(k)}=${n}`).join(';')}}`),
  dateTimeOffset: (v) => (v === null ? NULL : `${v.DateTime.ticks}/${v.OffsetMinutes}`),
};

/** The canonical text of a value of an echo type. */
export function canon<T extends EchoType>(type: T, value: EchoValues[T]): string {
  return writers[type](value);
}

/** The large-message text (Canon.LargeText in C#): a fixed pattern with non-ASCII characters, cut to `length` UTF-16 units. */
export function largeText(length: number): string {
  const pattern = 'portshare ünïcödé ✓ 0123456789 ';
  return pattern.repeat(Math.ceil(length / pattern.length)).slice(0, length);
}

/** SHA-256 of the UTF-8 bytes, lowercase hex (Canon.Sha256 in C#). */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
