// The error class and the README "Errors" table, which must list exactly HandoffErrorCodes.
import { readFileSync } from 'node:fs';
import { PortshareError } from '@portshare/framing';
import { describe, expect, it } from 'vitest';
import { HandoffError, HandoffErrorCodes } from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function errorsTable(): string[] {
  const section = readme.split(/^## Errors$/m)[1]?.split(/^## /m)[0] ?? '';
  const codes: string[] = [];
  for (const line of section.split('\n')) {
    const match = /^\| `(HANDOFF_ERR_[A-Z_]+)` \|.+\|$/.exec(line.trim());
    if (match?.[1] !== undefined) codes.push(match[1]);
  }
  return codes;
}

describe('errors', () => {
  it('the README Errors table lists exactly the codes of HandoffErrorCodes, once each', () => {
    const table = errorsTable();
    expect(table.length).toBeGreaterThan(0);
    expect([...table].sort()).toEqual(Object.values(HandoffErrorCodes).sort());
  });

  it('every code follows HANDOFF_ERR_<KEY>', () => {
    for (const [key, code] of Object.entries(HandoffErrorCodes)) expect(code).toBe(`HANDOFF_ERR_${key}`);
  });

  it('HandoffError is a PortshareError with code, errno and cause', () => {
    const cause = new Error('sendmsg failed');
    const err = new HandoffError(HandoffErrorCodes.SEND, 'could not send', { cause, errno: 'EPIPE' });
    expect(err).toBeInstanceOf(PortshareError);
    expect(err).toBeInstanceOf(HandoffError);
    expect(err.name).toBe('HandoffError');
    expect(err.code).toBe('HANDOFF_ERR_SEND');
    expect(err.errno).toBe('EPIPE');
    expect(err.cause).toBe(cause);
    expect(new HandoffError(HandoffErrorCodes.CLOSED, 'closed').errno).toBeUndefined();
    expect(new PortshareError('NMF_ERR_AT_END', 'x')).not.toBeInstanceOf(HandoffError);
  });
});
