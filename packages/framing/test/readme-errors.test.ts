// The README "Errors" table and the FramingErrorCodes catalogue must list the same codes, and the
// fault names in the table must be real fault URIs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FaultUri, FAULT_NAMESPACE, FramingErrorCodes } from '../src/index.js';
import { errorVectors } from '../src/testing/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function errorsTable(): Map<string, string> {
  const section = readme.split(/^## Errors$/m)[1]?.split(/^## /m)[0] ?? '';
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const match = /^\| `(NMF_ERR_[A-Z_]+)` \|.*\| (.+) \|$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) rows.set(match[1], match[2].trim());
  }
  return rows;
}

describe('README errors table', () => {
  const table = errorsTable();

  it('lists exactly the codes of FramingErrorCodes, once each', () => {
    expect([...table.keys()].sort()).toEqual(Object.values(FramingErrorCodes).sort());
  });

  it('names only fault URIs that exist', () => {
    const known = new Set<string>(Object.values(FaultUri).map((uri) => uri.slice(FAULT_NAMESPACE.length)));
    for (const cell of table.values()) {
      for (const [, name] of cell.matchAll(/`([A-Za-z]+)`/g)) expect(known).toContain(name);
    }
  });

  it('shows the fault URI each error vector really carries', () => {
    for (const vector of errorVectors) {
      const cell = table.get(vector.code) ?? '';
      if (vector.faultUri === undefined) continue;
      expect(cell).toContain(`\`${vector.faultUri.slice(FAULT_NAMESPACE.length)}\``);
    }
  });
});
