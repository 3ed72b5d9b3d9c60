/**
 * Validation of the decoders' limit options.
 *
 * @module
 * @internal
 */

import { FramingError, FramingErrorCodes } from './errors.js';
import { FramingLimits } from './records.js';

/** A limit option: a non-negative integer a size can express, or the default when omitted. */
export function limitOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > FramingLimits.maxSize) {
    throw new FramingError(
      FramingErrorCodes.INVALID_ARGUMENT,
      `Option ${name} must be an integer from 0 to 2147483647, got ${String(value)}. Omit it to use the default (${fallback}).`,
    );
  }
  return value;
}
