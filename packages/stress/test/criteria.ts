import { expect } from 'vitest';
import type { Criterion } from '../src/report.js';

/** Asserts the criterion whose name starts with `name` held, showing its figures when it did not. */
export function expectCriterion(criteria: readonly Criterion[], name: string): void {
  const found = criteria.find((c) => c.name.startsWith(name));
  expect(found, `no criterion "${name}" among: ${criteria.map((c) => c.name).join(' | ')}`).toBeDefined();
  const c = found as Criterion;
  expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
}
