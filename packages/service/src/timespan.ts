/**
 * Durations written as .NET TimeSpan strings, as SMSvcHost.exe.config writes them
 * (receiveTimeout="00:00:30"), read the way System.TimeSpan.Parse reads them.
 *
 * What TimeSpan.Parse accepts (learn.microsoft.com, "System.TimeSpan.Parse method"; the parser
 * is System/Globalization/TimeSpanParse.cs in dotnet/runtime):
 *
 *   [ws][-]{ d | [d.]hh:mm[:ss[.fffffff]] }[ws]      invariant ("c") forms
 *   [ws][-]d:hh:mm:ss[.fffffff][ws]                   the general ("g"/"G") form, days before a colon
 *
 * d is 0..10675199 days; hh 0..23, mm 0..59, ss 0..59, each any number of digits with leading
 * zeros ("00:00:059" is 59 s); the fraction is one to seven digits (ticks of 100 ns). A lone
 * number is DAYS ("30" is thirty days, not seconds). A component out of range is an
 * OverflowException, so "00:00:99" is refused, not read as 99 s.
 *
 * Where we refuse what .NET accepts, on purpose:
 * - "24:00:00": .NET, finding 24 out of the hours range, re-reads three numbers as d:hh:mm and
 *   returns 24 DAYS. Nobody who writes that means it; we refuse it and name "1.00:00:00".
 * - a negative sign: no setting here takes a negative duration.
 * - "Infinite" (WCF's TimeSpanOrInfiniteConverter): every limit here is finite.
 * - "hh:mm:.f", a form TimeSpanParse.cs keeps for compatibility only.
 * - fractions finer than a millisecond: settings are whole milliseconds.
 * A number (not a string) is milliseconds.
 */

const MAX_DAYS = 10_675_199;

/** [-][d.]h:m[:s[.f]] */
const INVARIANT = /^(-)?(?:(\d+)\.)?(\d+):(\d+)(?::(\d+)(?:\.(\d+))?)?$/;
/** [-]d:h:m:s[.f] */
const GENERAL = /^(-)?(\d+):(\d+):(\d+):(\d+)(?:\.(\d+))?$/;
/** [-]d */
const DAYS_ONLY = /^(-)?(\d+)$/;

export type TimeSpanResult = { ok: true; ms: number } | { ok: false; reason: string };

/** Parses a TimeSpan string to whole milliseconds, or says why not. */
export function parseTimeSpan(text: string): TimeSpanResult {
  // [ws]: TimeSpan.Parse skips white space around the value (Char.IsWhiteSpace).
  const s = text.trim();
  if (/^[-+]?infinite$/i.test(s)) return { ok: false, reason: '"Infinite" is not accepted: every limit here is finite' };
  let sign: string | undefined;
  let d = '0';
  let h: string;
  let m: string;
  let sec = '0';
  let frac: string | undefined;
  let match: RegExpExecArray | null;
  if ((match = DAYS_ONLY.exec(s))) {
    [, sign, d = '0'] = match;
    h = '0';
    m = '0';
  } else if ((match = GENERAL.exec(s))) {
    [, sign, d = '0', h = '0', m = '0', sec = '0', frac] = match;
  } else if ((match = INVARIANT.exec(s))) {
    [, sign, d = '0', h = '0', m = '0', sec = '0', frac] = match;
  } else {
    return { ok: false, reason: 'is not a TimeSpan ([d.]hh:mm:ss[.fffffff], e.g. "00:00:30")' };
  }
  if (sign) return { ok: false, reason: 'must not be negative' };
  const days = Number(d);
  const hours = Number(h);
  const minutes = Number(m);
  const seconds = Number(sec);
  if (days > MAX_DAYS) return { ok: false, reason: `has ${d} days; TimeSpan allows at most ${MAX_DAYS}` };
  if (hours > 23) {
    return { ok: false, reason: `has ${h} hours; hours must be 0-23 (write days before a dot: "1.00:00:00" is one day)` };
  }
  if (minutes > 59) return { ok: false, reason: `has ${m} minutes; minutes must be 0-59` };
  if (seconds > 59) return { ok: false, reason: `has ${sec} seconds; seconds must be 0-59` };
  let fractionMs = 0;
  if (frac !== undefined) {
    if (frac.length > 7) return { ok: false, reason: 'has more than 7 fraction digits (TimeSpan counts 100 ns ticks)' };
    const ticks = Number(frac.padEnd(7, '0'));
    if (ticks % 10_000 !== 0) return { ok: false, reason: 'has a fraction finer than a millisecond; settings are whole milliseconds' };
    fractionMs = ticks / 10_000;
  }
  return { ok: true, ms: (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000 + fractionMs };
}
