import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WorkerErrorCodes } from '../src/errors.js';
import { SessionErrorCodes } from '../src/session/index.js';

describe('README error catalogue', () => {
  it('lists exactly the listener codes the package defines', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const documented = [...readme.slice(readme.indexOf('## Errors')).matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.values(WorkerErrorCodes).sort());
  });
  it('listener and session codes never collide', () => {
    const listener = new Set<string>(Object.values(WorkerErrorCodes));
    for (const code of Object.values(SessionErrorCodes)) expect(listener.has(code)).toBe(false);
  });
});
