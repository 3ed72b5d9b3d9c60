/**
 * The "Errors" table of SESSIONS.md and the SessionErrorCodes catalogue list the same codes, and
 * every fault URI maps to its own code.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FaultUri, PortshareError } from '@portshare/framing';
import { describe, expect, it } from 'vitest';
import { faultCode, SessionError, SessionErrorCodes } from '../src/session/index.js';

const doc = readFileSync(fileURLToPath(new URL('../SESSIONS.md', import.meta.url)), 'utf8');

function documentedCodes(): string[] {
  const section = doc.slice(doc.indexOf('\n## Errors'));
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  return rows.map((row) => /^\| `([A-Z_]+)` \|/.exec(row)?.[1] ?? row);
}

describe('session errors', () => {
  it('SESSIONS.md documents exactly the codes of SessionErrorCodes', () => {
    const documented = documentedCodes();
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual(Object.values(SessionErrorCodes).sort());
  });

  it('every code follows SESSION_ERR_<NAME>, its key: a prefix of its own, apart from the listener errors (WORKER_ERR_)', () => {
    for (const [key, code] of Object.entries(SessionErrorCodes)) expect(code).toBe(`SESSION_ERR_${key}`);
  });

  it('maps each fault URI to its own code', () => {
    const codes = Object.values(FaultUri).map((uri) => faultCode(uri));
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).not.toContain(SessionErrorCodes.SERVER_FAULT);
    expect(faultCode('urn:something-else')).toBe(SessionErrorCodes.SERVER_FAULT);
  });

  it('is a PortshareError with a stable code and an optional fault URI', () => {
    const error = new SessionError(SessionErrorCodes.ENDPOINT_NOT_FOUND, 'm', { faultUri: FaultUri.EndpointNotFound });
    expect(error).toBeInstanceOf(PortshareError);
    expect(error).toBeInstanceOf(SessionError);
    expect(error.name).toBe('SessionError');
    expect(error.code).toBe('SESSION_ERR_ENDPOINT_NOT_FOUND');
    expect(error.faultUri).toBe(FaultUri.EndpointNotFound);
  });
});
