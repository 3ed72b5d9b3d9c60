import { describe, expect, it } from 'vitest';
import { formatDouble } from '../src/format-double.js';

describe('formatDouble (.NET Framework Double.ToString())', () => {
  it.each([
    [100 + 15.99, '115.99'],
    [145 - 76.54, '68.46'],
    [9 * 81.25, '731.25'],
    [22 / 7, '3.14285714285714'],
    [0.1 + 0.2, '0.3'],
    [1, '1'],
    [-2.5, '-2.5'],
    [123456789012345, '123456789012345'],
    [1e15, '1E+15'],
    [1234567890123456, '1.23456789012346E+15'],
    [0.0001, '0.0001'],
    [0.00001, '1E-05'],
    [0.000015, '1.5E-05'],
    [1.7976931348623157e308, '1.79769313486232E+308'],
    [5e-324, '4.94065645841247E-324'],
    [0, '0'],
    [-0, '0'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ])('%d → %s', (value, text) => {
    expect(formatDouble(value)).toBe(text);
  });
});
