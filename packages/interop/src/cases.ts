import { DateTimeKind, NetDateTime, TimeSpan } from '@portshare/soap';
import type { EchoType, EchoValues } from './canon.js';

/** One value sent through an echo operation. */
export interface EchoCase<T extends EchoType = EchoType> {
  /** Unique; names the case in the C# program's output and in test titles. */
  readonly label: string;
  readonly type: T;
  readonly value: EchoValues[T];
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
/** 2024-01-02T03:04:05 in ticks. */
const T2024 = 638397614450000000n;
const MAX_TICKS = 3155378975999999999n;

function c<T extends EchoType>(label: string, type: T, value: EchoValues[T]): EchoCase {
  return { label, type, value } as EchoCase;
}

const fill = (n: number, f: (i: number) => number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => f(i));

/**
 * The values both directions send (Mono client → TypeScript service and TypeScript client → Mono
 * service): every type of ITest with the values at the edges of the binary XML records that carry
 * them ([MC-NBFX] 2.2.3: Zero/One/Int8/Int16/Int32/Int64 text, Float/Double, Decimal, DateTime,
 * UniqueId, TimeSpan, Bytes8/16, Chars8/16) and null for every reference type.
 */
export const ECHO_CASES: readonly EchoCase[] = [
  c('string plain', 'string', 'hello'),
  c('string empty', 'string', ''),
  c('string null', 'string', null),
  c('string unicode', 'string', 'héllo wörld ✓ 日本語 😀'),
  c('string xml specials', 'string', '<a href="x">&amp;</a> \'q\' line1\nline2\ttab'),
  c('string CR LF and spaces', 'string', '  a\r\nb\rc  '),
  c('string 300 chars', 'string', Array.from({ length: 300 }, (_, i) => String.fromCharCode(0x21 + (i % 90))).join('')),
  c('string 300 non-ASCII', 'string', 'ü✓'.repeat(150)),
  c('int 0', 'int', 0),
  c('int 1', 'int', 1),
  c('int -1', 'int', -1),
  c('int 127', 'int', 127),
  c('int 128', 'int', 128),
  c('int -128', 'int', -128),
  c('int -129', 'int', -129),
  c('int 200', 'int', 200),
  c('int 32767', 'int', 32767),
  c('int 32768', 'int', 32768),
  c('int 70000', 'int', 70000),
  c('int MinValue', 'int', INT32_MIN),
  c('int MaxValue', 'int', INT32_MAX),
  c('long 0', 'long', 0n),
  c('long 2147483648', 'long', 2147483648n),
  c('long 5000000000', 'long', 5000000000n),
  c('long -5000000000', 'long', -5000000000n),
  c('long MaxValue', 'long', INT64_MAX),
  c('long MinValue', 'long', INT64_MIN),
  c('bool true', 'bool', true),
  c('bool false', 'bool', false),
  c('float 1.5', 'float', 1.5),
  c('float 0.1', 'float', Math.fround(0.1)),
  c('float -0.25', 'float', -0.25),
  c('float 16777216', 'float', 16777216),
  c('float MaxValue', 'float', Math.fround(3.4028234663852886e38)),
  c('float Epsilon', 'float', Math.fround(1.401298464324817e-45)),
  c('float +Infinity', 'float', Number.POSITIVE_INFINITY),
  c('float -Infinity', 'float', Number.NEGATIVE_INFINITY),
  c('float NaN', 'float', Number.NaN),
  c('double 0.75', 'double', 0.5 + 0.25),
  c('double 15.99', 'double', 15.99),
  c('double 100', 'double', 100),
  c('double 0.1', 'double', 0.1),
  c('double 1/3', 'double', 1 / 3),
  c('double -1.5', 'double', -1.5),
  c('double 1e300', 'double', 1e300),
  c('double 2^53+2', 'double', 2 ** 53 + 2),
  c('double Epsilon', 'double', Number.MIN_VALUE),
  c('double MaxValue', 'double', Number.MAX_VALUE),
  c('double MinValue', 'double', -Number.MAX_VALUE),
  c('double +Infinity', 'double', Number.POSITIVE_INFINITY),
  c('double -Infinity', 'double', Number.NEGATIVE_INFINITY),
  c('double NaN', 'double', Number.NaN),
  c('decimal 123.45', 'decimal', '123.45'),
  c('decimal 0', 'decimal', '0'),
  c('decimal -1', 'decimal', '-1'),
  c('decimal 1.10 (scale kept)', 'decimal', '1.10'),
  c('decimal 0.0000000001', 'decimal', '0.0000000001'),
  c('decimal MaxValue', 'decimal', '79228162514264337593543950335'),
  c('decimal MinValue', 'decimal', '-79228162514264337593543950335'),
  c('DateTime UTC', 'dateTime', new NetDateTime(T2024, DateTimeKind.Utc)),
  c('DateTime UTC with ticks', 'dateTime', new NetDateTime(T2024 + 1234567n, DateTimeKind.Utc)),
  c('DateTime Local', 'dateTime', new NetDateTime(T2024, DateTimeKind.Local)),
  c('DateTime Unspecified', 'dateTime', new NetDateTime(T2024, DateTimeKind.Unspecified)),
  c('DateTime MinValue', 'dateTime', new NetDateTime(0n, DateTimeKind.Unspecified)),
  c('DateTime MaxValue UTC', 'dateTime', new NetDateTime(MAX_TICKS, DateTimeKind.Utc)),
  c('Guid', 'guid', '6cfa4773-a265-4275-87ea-4ae505d01e3e'),
  c('Guid empty', 'guid', '00000000-0000-0000-0000-000000000000'),
  c('Guid all ones', 'guid', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
  c('TimeSpan 90 s', 'timeSpan', new TimeSpan(900_000_000n)),
  c('TimeSpan zero', 'timeSpan', new TimeSpan(0n)),
  c('TimeSpan 1 tick', 'timeSpan', new TimeSpan(1n)),
  c('TimeSpan -1.5 days', 'timeSpan', new TimeSpan(-1_296_000_000_000n)),
  c('TimeSpan MaxValue', 'timeSpan', new TimeSpan(INT64_MAX)),
  c('TimeSpan MinValue', 'timeSpan', new TimeSpan(INT64_MIN)),
  c('byte[] 1,2,3,250', 'bytes', Uint8Array.from([1, 2, 3, 250])),
  c('byte[] empty', 'bytes', new Uint8Array(0)),
  c('byte[] null', 'bytes', null),
  c('byte[] one', 'bytes', Uint8Array.from([0])),
  c('byte[] 1000', 'bytes', fill(1000, (i) => (i * 7) & 255)),
  c('int[] 1,2,300', 'ints', [1, 2, 300]),
  c('int[] edges', 'ints', [INT32_MIN, -1, 0, 1, INT32_MAX]),
  c('int[] empty', 'ints', []),
  c('int[] 20000 (one Array record past the default MaxArrayLength)', 'ints', Array.from({ length: 20_000 }, (_, i) => i * 65_537 - 600_000_000)),
  c('int[] null', 'ints', null),
  c('string[] a,bc', 'strings', ['a', 'bc']),
  c('string[] with empty and null', 'strings', ['', null, 'ü✓']),
  c('string[] empty', 'strings', []),
  c('string[] null', 'strings', null),
  c('Person nested', 'person', {
    Name: 'Ada Lovelace',
    Age: 36,
    Scores: [1.5, 0.1, -2, 1e300],
    Address: { Street: '12 St James’s Square', City: 'London', Zip: 10001 },
  }),
  c('Person nulls', 'person', { Name: null, Age: 0, Scores: null, Address: null }),
  c('Person 3000 scores', 'person', { Name: 'n', Age: 1, Scores: Array.from({ length: 3000 }, (_, i) => i / 7), Address: null }),
  c('Person empty scores', 'person', { Name: '', Age: -1, Scores: [], Address: { Street: null, City: '', Zip: 0 } }),
  c('Person null', 'person', null),
  c('byte 0', 'byte', 0),
  c('byte 255', 'byte', 255),
  c('sbyte -128', 'sbyte', -128),
  c('sbyte 127', 'sbyte', 127),
  c('short -32768', 'short', -32768),
  c('short 32767', 'short', 32767),
  c('ushort 65535', 'ushort', 65535),
  c('uint 4294967295', 'uint', 4294967295),
  c('uint 2147483648', 'uint', 2147483648),
  c('ulong 0', 'ulong', 0n),
  c('ulong MaxValue (past Int64)', 'ulong', 18446744073709551615n),
  c('ulong 2^63', 'ulong', 9223372036854775808n),
  c('char A', 'char', 'A'),
  c('char U+00E9', 'char', 'é'),
  c('char U+2713', 'char', '✓'),
  c('char NUL', 'char', '\0'),
  // As Uri.ToString() gives them back: Mono writes a Uri in that form (a bare host gains a '/').
  c('Uri absolute', 'uri', 'http://example.org/a?b=c'),
  c('Uri net.tcp', 'uri', 'net.tcp://host:9000/service/'),
  c('Uri null', 'uri', null),
  c('int? 5', 'nullableInt', 5),
  c('int? null', 'nullableInt', null),
  c('enum Red (0)', 'color', 'Red'),
  c('enum Blue', 'color', 'Blue'),
  c('[Flags] None', 'access', 0),
  c('[Flags] Read Delete', 'access', 5),
  c('[Flags] all', 'access', 7),
  c('Dictionary<string,int> two', 'dictionary', new Map([['one', 1], ['two', -2]])),
  c('Dictionary<string,int> empty', 'dictionary', new Map()),
  c('Dictionary<string,int> null', 'dictionary', null),
  c('DateTimeOffset +01:00', 'dateTimeOffset', { DateTime: new NetDateTime(T2024, DateTimeKind.Utc), OffsetMinutes: 60 }),
  c('DateTimeOffset -05:30', 'dateTimeOffset', { DateTime: new NetDateTime(T2024 + 1234567n, DateTimeKind.Utc), OffsetMinutes: -330 }),
  c('DateTimeOffset UTC', 'dateTimeOffset', { DateTime: new NetDateTime(T2024, DateTimeKind.Utc), OffsetMinutes: 0 }),
];

/** The large message: this many characters of `largeText` (about 1.2 MB as UTF-8). */
export const LARGE_MESSAGE_CHARS = 1_000_000;

/** The message-size quota both sides raise for the large message (MaxReceivedMessageSize). */
export const LARGE_MESSAGE_QUOTA = 4 * 1024 * 1024;
