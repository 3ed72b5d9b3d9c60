import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HostErrorCodes } from '../src/index.js';

describe('README error catalogue', () => {
  it('lists exactly the codes the package defines', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const documented = [...readme.slice(readme.indexOf('## Errors')).matchAll(/^\| `(HOST_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.values(HostErrorCodes).sort());
  });
});
