import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BenchErrorCodes } from '../src/errors.js';

describe('README error catalogue', () => {
  it('lists exactly the codes the package defines', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.split(/^## Errors$/m)[1]?.split(/^## /m)[0] ?? '';
    const documented = [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.values(BenchErrorCodes).sort());
  });
});
