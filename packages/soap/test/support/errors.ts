import { expect } from 'vitest';
import { SoapError, type SoapErrorCode } from '../../src/errors.js';

/** Runs `f` and returns the code of the SoapError it throws (failing if it throws anything else). */
export function codeOf(f: () => unknown): SoapErrorCode | undefined {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(SoapError);
    return (err as SoapError).code;
  }
  return undefined;
}
