import { describe, expect, it } from 'vitest';
import { SessionDictionary, encodeStringTable } from '../src/session-dictionary.js';
import { hex } from './support/fixtures.js';

describe('SessionDictionary ([MC-NBFSE])', () => {
  it('numbers strings 1, 3, 5, … across StringTables and returns the document offset', () => {
    const s = new SessionDictionary();
    const first = hex('06 02 6e 31 02 6e 32 56 02');
    expect(s.readStringTable(first)).toBe(7);
    expect(s.readStringTable(hex('00 56 02'))).toBe(1);
    expect(s.readStringTable(hex('04 03 6d 73 67'))).toBe(5);
    expect([1, 3, 5].map((id) => s.lookup(id))).toEqual(['n1', 'n2', 'msg']);
    expect(s.lookup(7)).toBeUndefined();
    expect(s.lookup(2)).toBeUndefined();
    expect(s.idOf('n2')).toBe(3);
    expect(s.count).toBe(3);
    expect(s.size).toBe(10);
  });

  it('writer side: interned strings are unique, go into the next StringTable once, and can be rolled back', () => {
    const s = new SessionDictionary();
    expect(s.intern('Add')).toBe(1);
    expect(s.intern('ns')).toBe(3);
    expect(s.intern('Add')).toBe(1);
    expect(s.commitStringTable()).toEqual(encodeStringTable(['Add', 'ns']));
    expect(s.commitStringTable()).toEqual(hex('00'));
    expect(s.intern('tmp')).toBe(5);
    s.rollback();
    expect(s.idOf('tmp')).toBeUndefined();
    expect(s.intern('next')).toBe(5);
    expect(s.commitStringTable()).toEqual(encodeStringTable(['next']));
  });

  it('the StringTable encoding matches the calculator capture', () => {
    expect(encodeStringTable(['n1', 'n2'])).toEqual(hex('06 02 6e 31 02 6e 32'));
    expect(encodeStringTable([])).toEqual(hex('00'));
  });
});
