import { SoapError, SoapErrorCodes } from './errors.js';

/**
 * Text forms of numbers as .NET's XmlConvert writes and reads them. The wire carries numbers in
 * typed records (docs/protocol.md §14), so these matter for rendering XML and for peers that send
 * numbers as plain text (docs/protocol.md §13).
 */

function formatShortest(digits: string, exponent: number, negative: boolean, sciFrom: number): string {
  // .NET's "R" format: scientific notation when the decimal exponent is below -4 or >= the type's
  // precision threshold (15 for double, 7 for float), two-digit minimum exponent.
  let out: string;
  if (exponent < -4 || exponent >= sciFrom) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exponent).toString().padStart(2, '0');
    out = `${mant}E${exponent < 0 ? '-' : '+'}${e}`;
  } else if (exponent < 0) {
    out = `0.${'0'.repeat(-exponent - 1)}${digits}`;
  } else if (digits.length <= exponent + 1) {
    out = digits + '0'.repeat(exponent + 1 - digits.length);
  } else {
    out = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  }
  return negative ? `-${out}` : out;
}

function splitExponential(s: string): { digits: string; exponent: number; negative: boolean } {
  // s is like "-1.2345e+20"
  const negative = s.startsWith('-');
  const body = negative ? s.slice(1) : s;
  const [mant = '', exp = '0'] = body.split('e');
  return { digits: mant.replace('.', ''), exponent: Number(exp), negative };
}

/** Shortest round-trip text of a double: `INF`, `-INF`, `NaN`, `-0`, `15.99`, `1E+300`. */
export function formatDouble(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'INF';
  if (d === -Infinity) return '-INF';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const { digits, exponent, negative } = splitExponential(d.toExponential());
  return formatShortest(digits, exponent, negative, 15);
}

/** Shortest text that reads back as the same single-precision value (.NET float "R"). */
export function formatFloat(f: number): string {
  const v = Math.fround(f);
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'INF';
  if (v === -Infinity) return '-INF';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  for (let p = 1; p <= 9; p++) {
    const s = v.toExponential(p - 1);
    if (Math.fround(Number(s)) === v) {
      const { digits, exponent, negative } = splitExponential(s);
      return formatShortest(digits.replace(/0+$/, '') || '0', exponent, negative, 7);
    }
  }
  /* Nine significant digits always identify a float; this line is a safety net. */
  return formatDouble(v);
}

const FLOAT_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses xs:double text (also `INF`, `-INF`, `NaN`); surrounding whitespace is allowed, as in XmlConvert. */
export function parseDoubleText(text: string): number {
  const t = text.trim();
  if (t === 'INF' || t === '+INF') return Infinity;
  if (t === '-INF') return -Infinity;
  if (t === 'NaN') return NaN;
  if (!FLOAT_RE.test(t)) {
    throw new SoapError(SoapErrorCodes.DESERIALIZATION_FAILED, `'${text.slice(0, 64)}' is not a valid xs:double. Send a number such as 15.99, 1E+300, INF or NaN.`);
  }
  return Number(t);
}

/** Parses xs:integer text into a bigint, checked against [min, max]. */
export function parseIntegerText(text: string, min: bigint, max: bigint, typeName: string): bigint {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) {
    throw new SoapError(SoapErrorCodes.DESERIALIZATION_FAILED, `'${text.slice(0, 64)}' is not a valid ${typeName}. Send an integer in decimal digits.`);
  }
  const v = BigInt(t);
  if (v < min || v > max) {
    throw new SoapError(SoapErrorCodes.DESERIALIZATION_FAILED, `${t.slice(0, 64)} is outside the range of ${typeName} (${min}..${max}).`);
  }
  return v;
}

/** Parses xs:boolean text: `true`, `false`, `1`, `0`. */
export function parseBooleanText(text: string): boolean {
  const t = text.trim();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw new SoapError(SoapErrorCodes.DESERIALIZATION_FAILED, `'${text.slice(0, 64)}' is not a valid xs:boolean. Send true, false, 1 or 0.`);
}
