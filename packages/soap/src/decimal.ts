import { SoapError, SoapErrorCodes } from './errors.js';

const MAX_MANTISSA = (1n << 96n) - 1n;
const MAX_SCALE = 28;
const DECIMAL_RE = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/;

/**
 * Normalises a System.Decimal given as text (JavaScript has no 128-bit decimal) and checks that it
 * fits: at most 96 bits of mantissa and 28 fraction digits. Trailing fraction zeros are kept, as
 * .NET keeps the scale ("1.50" stays "1.50").
 */
export function normalizeDecimal(text: string): string {
  const { negative, mantissa, scale } = parseDecimal(text, SoapErrorCodes.INVALID_VALUE);
  return formatDecimal(negative, mantissa, scale);
}

/** True when `text` is a decimal this layer can encode. */
export function isDecimal(text: string): boolean {
  try {
    parseDecimal(text, SoapErrorCodes.INVALID_VALUE);
    return true;
  } catch {
    return false;
  }
}

interface DecimalParts {
  readonly negative: boolean;
  readonly mantissa: bigint;
  readonly scale: number;
}

function parseDecimal(text: string, code: typeof SoapErrorCodes.INVALID_VALUE | typeof SoapErrorCodes.DESERIALIZATION_FAILED): DecimalParts {
  const m = DECIMAL_RE.exec(text);
  const intPart = m?.[2] ?? '';
  let frac = m?.[3] ?? '';
  if (!m || (intPart === '' && frac === '')) {
    throw new SoapError(code, `'${text.slice(0, 64)}' is not a decimal. Pass digits with an optional sign and decimal point, e.g. "-123.45".`);
  }
  // System.Decimal keeps at most 28 fraction digits; drop extra zeros rather than fail on them.
  if (frac.length > MAX_SCALE) {
    const trimmed = frac.replace(/0+$/, '');
    if (trimmed.length > MAX_SCALE) {
      throw new SoapError(code, `The decimal '${text.slice(0, 64)}' has more than 28 fraction digits, more than System.Decimal holds. Round it first.`);
    }
    frac = frac.slice(0, MAX_SCALE);
  }
  const mantissa = BigInt((intPart + frac).replace(/^0+(?=\d)/, '') || '0');
  if (mantissa > MAX_MANTISSA) {
    throw new SoapError(code, `The decimal '${text.slice(0, 64)}' needs more than 96 bits, more than System.Decimal holds (±79228162514264337593543950335).`);
  }
  return { negative: m[1] === '-', mantissa, scale: frac.length };
}

function formatDecimal(negative: boolean, mantissa: bigint, scale: number): string {
  let digits = mantissa.toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  // .NET prints negative zero without the sign.
  return negative && mantissa !== 0n ? `-${digits}` : digits;
}

/**
 * The 16-byte DecimalText payload: .NET's in-memory System.Decimal, i.e. flags (scale in bits 16–23,
 * sign in bit 31), hi32, lo32, mid32, each little-endian ([MC-NBFX] 2.2.3.11; [MS-OAUT] 2.2.26 DECIMAL).
 */
export function encodeDecimal(text: string): Buffer {
  const { negative, mantissa, scale } = parseDecimal(text, SoapErrorCodes.INVALID_VALUE);
  const out = Buffer.alloc(16);
  out.writeUInt32LE(((negative ? 0x80000000 : 0) | (scale << 16)) >>> 0, 0);
  out.writeUInt32LE(Number((mantissa >> 64n) & 0xffffffffn), 4);
  out.writeUInt32LE(Number(mantissa & 0xffffffffn), 8);
  out.writeUInt32LE(Number((mantissa >> 32n) & 0xffffffffn), 12);
  return out;
}

/** Decodes a DecimalText payload; rejects the flag bits .NET rejects (anything but scale ≤ 28 and the sign). */
export function decodeDecimal(b: Uint8Array): string {
  const buf = Buffer.from(b.buffer, b.byteOffset, 16);
  const flags = buf.readUInt32LE(0);
  const scale = (flags >>> 16) & 0xff;
  if ((flags & 0x7f00ffff) !== 0 || scale > MAX_SCALE) {
    throw new SoapError(
      SoapErrorCodes.MALFORMED,
      `DecimalText has invalid flags 0x${flags.toString(16).padStart(8, '0')} (scale ${scale}); System.Decimal allows only a sign bit and a scale up to 28.`,
    );
  }
  const hi = BigInt(buf.readUInt32LE(4));
  const lo = BigInt(buf.readUInt32LE(8));
  const mid = BigInt(buf.readUInt32LE(12));
  return formatDecimal((flags & 0x80000000) !== 0, (hi << 64n) | (mid << 32n) | lo, scale);
}

/** Parses decimal text received from a peer (errors are deserialization failures, not caller mistakes). */
export function parseDecimalText(text: string): string {
  const { negative, mantissa, scale } = parseDecimal(text, SoapErrorCodes.DESERIALIZATION_FAILED);
  return formatDecimal(negative, mantissa, scale);
}
