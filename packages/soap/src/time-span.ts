import { SoapError, SoapErrorCodes } from './errors.js';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const TICKS_PER_SECOND = 10_000_000n;
const TICKS_PER_MINUTE = 60n * TICKS_PER_SECOND;
const TICKS_PER_HOUR = 60n * TICKS_PER_MINUTE;
const TICKS_PER_DAY = 24n * TICKS_PER_HOUR;

/** A .NET System.TimeSpan: a signed 64-bit count of 100 ns ticks. */
export class TimeSpan {
  readonly ticks: bigint;

  constructor(ticks: bigint) {
    if (ticks < INT64_MIN || ticks > INT64_MAX) {
      throw new SoapError(
        SoapErrorCodes.INVALID_VALUE,
        `TimeSpan ticks ${ticks} do not fit in 64 bits. Pass a duration within about ±29,227 years.`,
      );
    }
    this.ticks = ticks;
  }

  static fromMilliseconds(ms: number): TimeSpan {
    if (!Number.isFinite(ms)) {
      throw new SoapError(SoapErrorCodes.INVALID_VALUE, `TimeSpan.fromMilliseconds needs a finite number, got ${ms}.`);
    }
    return new TimeSpan(BigInt(Math.round(ms * 10_000)));
  }

  static fromSeconds(s: number): TimeSpan {
    return TimeSpan.fromMilliseconds(s * 1000);
  }

  get totalMilliseconds(): number {
    return Number(this.ticks) / 10_000;
  }

  equals(other: TimeSpan): boolean {
    return this.ticks === other.ticks;
  }

  /** xs:duration as .NET's XmlConvert.ToString(TimeSpan) writes it, e.g. `PT1M30S`, `-P1DT2H`, `PT0S`. */
  toString(): string {
    if (this.ticks === 0n) return 'PT0S';
    const neg = this.ticks < 0n;
    let t = neg ? -this.ticks : this.ticks;
    const days = t / TICKS_PER_DAY;
    t %= TICKS_PER_DAY;
    const hours = t / TICKS_PER_HOUR;
    t %= TICKS_PER_HOUR;
    const minutes = t / TICKS_PER_MINUTE;
    t %= TICKS_PER_MINUTE;
    const seconds = t / TICKS_PER_SECOND;
    const frac = t % TICKS_PER_SECOND;
    let out = neg ? '-P' : 'P';
    if (days > 0n) out += `${days}D`;
    if (hours > 0n || minutes > 0n || seconds > 0n || frac > 0n) {
      out += 'T';
      if (hours > 0n) out += `${hours}H`;
      if (minutes > 0n) out += `${minutes}M`;
      if (seconds > 0n || frac > 0n) {
        out += seconds.toString();
        if (frac > 0n) out += '.' + frac.toString().padStart(7, '0').replace(/0+$/, '');
        out += 'S';
      }
    }
    return out;
  }

  /**
   * Parses xs:duration as .NET's XmlConvert.ToTimeSpan does: years count 365 days and months 30
   * days; fractions of a second beyond 7 digits are dropped.
   */
  static parse(text: string): TimeSpan {
    const m = /^\s*(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d*))?S)?)?\s*$/.exec(text);
    // A bare "P" or "PT" holds no component and is not a valid duration.
    if (!m || /P$|T$/.test(text.trim())) {
      throw new SoapError(
        SoapErrorCodes.DESERIALIZATION_FAILED,
        `'${text.slice(0, 64)}' is not a valid xs:duration. Send durations like PT1M30S or -P1DT2H.`,
      );
    }
    const [, neg, y = '0', mo = '0', d = '0', h = '0', mi = '0', s = '0', frac = ''] = m;
    let ticks =
      BigInt(y) * 365n * TICKS_PER_DAY +
      BigInt(mo) * 30n * TICKS_PER_DAY +
      BigInt(d) * TICKS_PER_DAY +
      BigInt(h) * TICKS_PER_HOUR +
      BigInt(mi) * TICKS_PER_MINUTE +
      BigInt(s) * TICKS_PER_SECOND +
      BigInt((frac + '0000000').slice(0, 7));
    if (neg) ticks = -ticks;
    if (ticks < INT64_MIN || ticks > INT64_MAX) {
      throw new SoapError(
        SoapErrorCodes.DESERIALIZATION_FAILED,
        `The duration '${text.slice(0, 64)}' does not fit in a TimeSpan. Send a shorter duration.`,
      );
    }
    return new TimeSpan(ticks);
  }
}
