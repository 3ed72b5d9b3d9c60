// The README's "Errors" table and the code catalogue list the same codes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StressErrorCodes } from '../src/errors.js';

describe('README Errors table', () => {
  it('lists exactly the codes of StressErrorCodes', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Errors'));
    const documented = [...section.matchAll(/^\| `(STRESS_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.values(StressErrorCodes).sort());
  });
});
