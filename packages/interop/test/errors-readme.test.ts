import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PortshareError } from '@portshare/framing';
import { describe, expect, it } from 'vitest';
import { InteropError, InteropErrorCodes } from '../src/index.js';

describe('error catalogue', () => {
  it('the README "Errors" table lists exactly the codes of InteropErrorCodes', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const section = readme.split(/^## Errors$/m)[1]?.split(/^## /m)[0] ?? '';
    const documented = [...section.matchAll(/^\|\s*`(INTEROP_ERR_[A-Z_]+)`\s*\|/gm)].map((m) => m[1]);
    expect(documented.length).toBeGreaterThan(0);
    expect([...documented].sort()).toEqual(Object.values(InteropErrorCodes).sort());
  });

  it('codes follow INTEROP_ERR_<NAME> and match their keys', () => {
    for (const [k, v] of Object.entries(InteropErrorCodes)) expect(v).toBe(`INTEROP_ERR_${k}`);
  });

  it('InteropError belongs to the one PortshareError hierarchy', () => {
    const e = new InteropError(InteropErrorCodes.TIMEOUT, 'x');
    expect(e).toBeInstanceOf(PortshareError);
    expect(e.name).toBe('InteropError');
    expect(e.code).toBe('INTEROP_ERR_TIMEOUT');
  });
});
