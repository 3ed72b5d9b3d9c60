// The C# and TypeScript sides must describe the same ITest: every name below is on the wire. This
// reads csharp/Contract.cs and compares it with src/test-contract.ts, and checks that the value
// cases cover every echo operation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CSHARP_DIR, ECHO_CASES, EchoOperations, ITest, InteropNames, largeText, Person, Address, MyFault } from '../src/index.js';
import { ITestOutRef } from './out-ref-contract.js';

const source = readFileSync(join(CSHARP_DIR, 'Contract.cs'), 'utf8');

/** Operations of the C# ITest: name → parameter names (and their `out`/`ref` modifiers). */
function csharpOperations(): Map<string, { params: string[]; directions: string[]; oneWay: boolean; faults: boolean }> {
  const ops = new Map<string, { params: string[]; directions: string[]; oneWay: boolean; faults: boolean }>();
  for (const m of source.matchAll(/\[OperationContract([^\]]*)\]\s*((?:\[[^\]]*\]\s*)*)[\w[\]?]+(?:<[^>]*>)?\s+(\w+)\(([^)]*)\);/g)) {
    // Commas inside a generic type's <…> do not separate parameters.
    const words = m[4]!.trim() === '' ? [] : m[4]!.split(/,(?![^<]*>)/).map((p) => p.trim().split(/\s+/));
    const params = words.map((w) => w.at(-1)!);
    const directions = words.map((w) => (w[0] === 'out' || w[0] === 'ref' ? w[0] : 'in'));
    ops.set(m[3]!, { params, directions, oneWay: /IsOneWay\s*=\s*true/.test(m[1]!), faults: /FaultContract/.test(m[2]!) });
  }
  return ops;
}

/** Members of a C# [DataContract] class. */
function csharpMembers(cls: string): string[] {
  const body = new RegExp(`class ${cls}\\s*\\{([^}]*)\\}`).exec(source)?.[1] ?? '';
  return [...body.matchAll(/\[DataMember\]\s*public\s+[\w[\]]+\s+(\w+);/g)].map((m) => m[1]!).sort();
}

describe('the C# and TypeScript contracts are twins', () => {
  it('namespaces', () => {
    expect(source).toContain(`Service = "${InteropNames.service}"`);
    expect(source).toContain(`Data = "${InteropNames.data}"`);
    expect(source).toContain(`Faults = "${InteropNames.faults}"`);
  });

  it('operations, parameter names and directions, one-way and fault contracts (NotImplementedHere is C# only, on purpose)', () => {
    const cs = csharpOperations();
    expect(cs.size).toBeGreaterThan(10);
    // The out and ref operations have their twin in test/out-ref-contract.ts.
    const twins = [ITest, ITestOutRef];
    expect([...cs.keys()].filter((k) => !twins.some((c) => c.operations.has(k)))).toEqual(['NotImplementedHere']);
    expect([...ITestOutRef.operations.keys()].filter((k) => ITest.operations.has(k))).toEqual([]);
    for (const contract of twins) {
      expect(contract.name).toBe('ITest');
      expect(contract.namespace).toBe(InteropNames.service);
      for (const [name, op] of contract.operations) {
        expect(cs.get(name), name).toEqual({
          params: op.params.map((p) => p.name),
          directions: op.params.map((p) => p.direction),
          oneWay: op.oneWay,
          faults: op.faults.length > 0,
        });
      }
    }
  });

  it('data contract members', () => {
    for (const dc of [Person, Address, MyFault]) {
      expect(csharpMembers(dc.name), dc.name).toEqual(dc.members.map((m) => m.name).sort());
    }
  });
});

describe('the value cases', () => {
  it('labels are unique and tab-free (they prefix the C# program lines)', () => {
    const labels = ECHO_CASES.map((c) => c.label);
    expect(new Set(labels).size).toBe(labels.length);
    for (const l of labels) expect(l).not.toMatch(/\t|\n/);
  });

  it('every echo type has cases, with null for every reference type', () => {
    const types = new Set(ECHO_CASES.map((c) => c.type));
    expect([...types].sort()).toEqual(Object.keys(EchoOperations).sort());
    for (const op of Object.values(EchoOperations)) expect(ITest.operations.has(op)).toBe(true);
    for (const t of ['string', 'bytes', 'ints', 'strings', 'person'] as const) {
      expect(ECHO_CASES.some((c) => c.type === t && c.value === null), t).toBe(true);
    }
  });

  it('largeText has the requested length and non-ASCII characters', () => {
    for (const n of [0, 1, 31, 32, 33, 1000]) expect(largeText(n)).toHaveLength(n);
    expect(Buffer.byteLength(largeText(1000))).toBeGreaterThan(1000);
  });
});
