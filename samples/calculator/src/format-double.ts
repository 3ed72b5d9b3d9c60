/**
 * Formats a double the way .NET Framework's Double.ToString() does: the "G" format, 15 significant
 * digits, trailing zeros dropped, scientific notation when the exponent is below -4 or at least 15
 * ("1E+15", "1.5E-05"). JavaScript's default prints the shortest round-trip form instead
 * (3.142857142857143 where .NET prints 3.14285714285714), so the sample's output needs this.
 */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return '0'; // .NET Framework prints negative zero as "0"
  const [mantissa, expPart] = value.toExponential(14).split('e') as [string, string];
  const exponent = Number(expPart);
  let digits = mantissa.replace('-', '').replace('.', '').replace(/0+$/, '');
  if (digits === '') digits = '0';
  const sign = value < 0 ? '-' : '';
  if (exponent >= 15 || exponent < -4) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exponent).toString().padStart(2, '0');
    return `${sign}${m}E${exponent < 0 ? '-' : '+'}${e}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return `${sign}${digits}${'0'.repeat(exponent + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}
