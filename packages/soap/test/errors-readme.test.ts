import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PortshareError } from '@portshare/framing';
import { describe, expect, it } from 'vitest';
import { SoapError, SoapErrorCodes } from '../src/errors.js';
import { FaultException } from '../src/fault.js';

describe('error catalogue', () => {
  it('the README "Errors" table lists exactly the codes of SoapErrorCodes', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const section = readme.split(/^## Errors$/m)[1]?.split(/^## /m)[0] ?? '';
    const documented = [...section.matchAll(/^\|\s*`(SOAP_ERR_[A-Z_]+)`\s*\|/gm)].map((m) => m[1]);
    expect(documented.length).toBeGreaterThan(0);
    expect([...documented].sort()).toEqual(Object.values(SoapErrorCodes).sort());
  });

  it('codes follow SOAP_ERR_<NAME> and match their keys', () => {
    for (const [k, v] of Object.entries(SoapErrorCodes)) expect(v).toBe(`SOAP_ERR_${k}`);
  });

  it('SoapError and FaultException belong to the one PortshareError hierarchy', () => {
    const e = new SoapError(SoapErrorCodes.MALFORMED, 'x');
    expect(e).toBeInstanceOf(PortshareError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('SoapError');
    const f = new FaultException('boom');
    expect(f).toBeInstanceOf(SoapError);
    expect(f).toBeInstanceOf(PortshareError);
    expect(f.name).toBe('FaultException');
    expect(f.code).toBe('SOAP_ERR_FAULT');
    expect(new FaultException('x')).not.toBeInstanceOf(RangeError);
    expect({ code: 'SOAP_ERR_FAULT' }).not.toBeInstanceOf(SoapError);
  });
});
