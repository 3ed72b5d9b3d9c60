import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ServiceErrorCodes } from '../src/errors.js';

describe('README error catalogue', () => {
  it('lists exactly the codes the package defines', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Errors'));
    const documented = [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.values(ServiceErrorCodes).sort());
  });
});
