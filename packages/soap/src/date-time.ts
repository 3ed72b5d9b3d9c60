import { SoapError, SoapErrorCodes } from './errors.js';

/** System.DateTimeKind. */
export const DateTimeKind = {
  Unspecified: 'Unspecified',
  Utc: 'Utc',
  Local: 'Local',
} as const;
export type DateTimeKind = (typeof DateTimeKind)[keyof typeof DateTimeKind];

/** Ticks (100 ns) from 0001-01-01T00:00:00 to 1970-01-01T00:00:00. */
const EPOCH_TICKS = 621_355_968_000_000_000n;
/** DateTime.MaxValue.Ticks (9999-12-31T23:59:59.9999999). */
export const MAX_DATETIME_TICKS = 3_155_378_975_999_999_999n;
const TICKS_PER_MS = 10_000n;
const TICKS_MASK = (1n << 62n) - 1n;

/**
 * A .NET System.DateTime: 100 ns ticks since 0001-01-01 plus a kind. JavaScript's Date has only
 * millisecond precision and no kind, so the serializer uses this type to round-trip DateTime exactly.
 *
 * For kind Local the ticks are the UTC instant, as .NET's DateTime.ToBinary() puts them on the wire
 * ([MC-NBFX] 2.2.3.12 DateTimeText); `toString()` renders them in this
 * process's time zone with its offset.
 */
export class NetDateTime {
  readonly ticks: bigint;
  readonly kind: DateTimeKind;

  constructor(ticks: bigint, kind: DateTimeKind = DateTimeKind.Unspecified) {
    if (ticks < 0n || ticks > MAX_DATETIME_TICKS) {
      throw new SoapError(
        SoapErrorCodes.INVALID_VALUE,
        `DateTime ticks ${ticks} are outside 0..${MAX_DATETIME_TICKS} (0001-01-01 to 9999-12-31). Pass a date inside .NET's DateTime range.`,
      );
    }
    this.ticks = ticks;
    this.kind = kind;
  }

  /** A UTC (or other kind) NetDateTime for a JavaScript Date. */
  static fromDate(date: Date, kind: DateTimeKind = DateTimeKind.Utc): NetDateTime {
    const ms = date.getTime();
    if (!Number.isFinite(ms)) {
      throw new SoapError(SoapErrorCodes.INVALID_VALUE, 'Cannot convert an invalid Date to a DateTime. Pass a valid Date.');
    }
    return new NetDateTime(BigInt(ms) * TICKS_PER_MS + EPOCH_TICKS, kind);
  }

  /** The instant as a JavaScript Date (sub-millisecond ticks are dropped; Unspecified is read as UTC). */
  toDate(): Date {
    return new Date(Number((this.ticks - EPOCH_TICKS) / TICKS_PER_MS));
  }

  /** The int64 DateTimeText payload: ticks in bits 0–61, kind in bits 62–63 ([MC-NBFX] 2.2.3.12). */
  toBinary(): bigint {
    const kindBits = this.kind === DateTimeKind.Utc ? 1n : this.kind === DateTimeKind.Local ? 2n : 0n;
    return BigInt.asIntN(64, this.ticks | (kindBits << 62n));
  }

  /** Decodes a DateTimeText payload. Kind 3 is .NET's "local, ambiguous DST" and reads as Local. */
  static fromBinary(raw: bigint): NetDateTime {
    const u = BigInt.asUintN(64, raw);
    const kindBits = u >> 62n;
    const ticks = u & TICKS_MASK;
    if (ticks > MAX_DATETIME_TICKS) {
      // .NET DateTime.FromBinary throws for ticks past MaxValue.
      throw new SoapError(
        SoapErrorCodes.MALFORMED,
        `DateTimeText holds ${ticks} ticks, past DateTime.MaxValue. The sender wrote an invalid DateTime.`,
      );
    }
    const kind = kindBits === 0n ? DateTimeKind.Unspecified : kindBits === 1n ? DateTimeKind.Utc : DateTimeKind.Local;
    return new NetDateTime(ticks, kind);
  }

  equals(other: NetDateTime): boolean {
    return this.ticks === other.ticks && this.kind === other.kind;
  }

  /** The XmlConvert round-trip form: `yyyy-MM-ddTHH:mm:ss[.fffffff]` plus `Z` (Utc) or `±hh:mm` (Local). */
  toString(): string {
    let ticks = this.ticks;
    let suffix = '';
    if (this.kind === DateTimeKind.Utc) suffix = 'Z';
    if (this.kind === DateTimeKind.Local) {
      const offsetMin = -new Date(Number((ticks - EPOCH_TICKS) / TICKS_PER_MS)).getTimezoneOffset();
      ticks += BigInt(offsetMin) * 60n * 10_000_000n;
      if (ticks < 0n) ticks = 0n;
      if (ticks > MAX_DATETIME_TICKS) ticks = MAX_DATETIME_TICKS;
      const sign = offsetMin < 0 ? '-' : '+';
      const abs = Math.abs(offsetMin);
      suffix = `${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
    }
    return formatTicks(ticks) + suffix;
  }

  /**
   * Parses the xs:dateTime forms .NET accepts with XmlDateTimeSerializationMode.RoundtripKind: no
   * zone → Unspecified, `Z` → Utc, an offset → Local (the instant, as .NET converts it).
   */
  static parse(text: string): NetDateTime {
    const m = /^\s*(-?\d{4,})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}:\d{2})?\s*$/.exec(text);
    if (!m) throw invalidText(text);
    const [, ys, mos, ds, hs = '0', mis = '0', ss = '0', frac = '', zone] = m;
    const year = Number(ys);
    const month = Number(mos);
    const day = Number(ds);
    const hour = Number(hs);
    const minute = Number(mis);
    const second = Number(ss);
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw invalidText(text);
    if (hour > 24 || minute > 59 || second > 59 || (hour === 24 && (minute > 0 || second > 0 || /[1-9]/.test(frac)))) {
      throw invalidText(text);
    }
    const fracTicks = BigInt((frac + '0000000').slice(0, 7));
    let ticks =
      BigInt(daysBefore(year, month) + day - 1) * 864_000_000_000n +
      BigInt(hour * 3600 + minute * 60 + second) * 10_000_000n +
      fracTicks;
    if (zone === undefined) return new NetDateTime(clampCheck(ticks, text), DateTimeKind.Unspecified);
    if (zone === 'Z') return new NetDateTime(clampCheck(ticks, text), DateTimeKind.Utc);
    const sign = zone.startsWith('-') ? -1n : 1n;
    const offMin = BigInt(Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    ticks -= sign * offMin * 600_000_000n;
    return new NetDateTime(clampCheck(ticks, text), DateTimeKind.Local);
  }
}

function clampCheck(ticks: bigint, text: string): bigint {
  if (ticks < 0n || ticks > MAX_DATETIME_TICKS) throw invalidText(text);
  return ticks;
}

function invalidText(text: string): SoapError {
  return new SoapError(
    SoapErrorCodes.DESERIALIZATION_FAILED,
    `'${text.slice(0, 64)}' is not a valid xs:dateTime. Send dates as yyyy-MM-ddTHH:mm:ss[.fffffff][Z|±hh:mm].`,
  );
}

function pad(n: number | bigint, width: number): string {
  return n.toString().padStart(width, '0');
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] as number;
}

/** Days from 0001-01-01 to the first of (year, month). */
function daysBefore(year: number, month: number): number {
  const y = year - 1;
  let days = y * 365 + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400);
  for (let m = 1; m < month; m++) days += daysInMonth(year, m);
  return days;
}

function formatTicks(ticks: bigint): string {
  let days = Number(ticks / 864_000_000_000n);
  const rem = ticks % 864_000_000_000n;
  // 400-year cycles keep the arithmetic exact (146097 days each).
  let year = 1 + 400 * Math.floor(days / 146_097);
  days %= 146_097;
  for (;;) {
    const len = isLeap(year) ? 366 : 365;
    if (days < len) break;
    days -= len;
    year++;
  }
  let month = 1;
  for (;;) {
    const len = daysInMonth(year, month);
    if (days < len) break;
    days -= len;
    month++;
  }
  const secs = rem / 10_000_000n;
  const frac = rem % 10_000_000n;
  const h = secs / 3600n;
  const mi = (secs % 3600n) / 60n;
  const s = secs % 60n;
  const fracText = frac === 0n ? '' : '.' + pad(frac, 7).replace(/0+$/, '');
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(days + 1, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${fracText}`;
}
