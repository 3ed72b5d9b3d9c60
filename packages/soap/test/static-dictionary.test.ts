import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { StaticIds, staticDictionaryId, staticDictionaryString } from '../src/dictionary.js';
import { STATIC_DICTIONARY_SIZE, STATIC_DICTIONARY_STRINGS } from '../src/static-dictionary.js';

const root = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));

describe('[MC-NBFS] static dictionary', () => {
  it('src/static-dictionary.ts is exactly what the generator makes from data/nbfs-dictionary.tsv', async () => {
    const gen = (await import(new URL('../scripts/gen-dictionary.mjs', import.meta.url).href)) as {
      parseDictionaryTsv(t: string): string[];
      renderModule(s: string[]): string;
    };
    const strings = gen.parseDictionaryTsv(readFileSync(root('data/nbfs-dictionary.tsv'), 'utf8'));
    expect(gen.renderModule(strings)).toBe(readFileSync(root('src/static-dictionary.ts'), 'utf8'));
  });

  it('has 487 entries with wire ids 0..972, including the two tricky ones', () => {
    expect(STATIC_DICTIONARY_SIZE).toBe(487);
    expect(STATIC_DICTIONARY_STRINGS).toHaveLength(487);
    expect(staticDictionaryString(972)).toBe('detail');
    expect(staticDictionaryString(974)).toBeUndefined();
    expect(staticDictionaryString(3)).toBeUndefined();
    // id 162 is the empty string; id 424 keeps its leading space (docs/protocol.md §17).
    expect(staticDictionaryString(162)).toBe('');
    expect(staticDictionaryString(424)).toBe(' http://schemas.xmlsoap.org/ws/2005/02/trust/tlsnego');
  });

  it('the SOAP/WS-Addressing ids agree with the captures', () => {
    const expected: Record<keyof typeof StaticIds, string> = {
      mustUnderstand: 'mustUnderstand',
      Envelope: 'Envelope',
      SoapEnvelopeNs: 'http://www.w3.org/2003/05/soap-envelope',
      AddressingNs: 'http://www.w3.org/2005/08/addressing',
      Header: 'Header',
      Action: 'Action',
      To: 'To',
      Body: 'Body',
      RelatesTo: 'RelatesTo',
      Anonymous: 'http://www.w3.org/2005/08/addressing/anonymous',
      MessageID: 'MessageID',
      Address: 'Address',
      ReplyTo: 'ReplyTo',
      Fault: 'Fault',
      Code: 'Code',
      Reason: 'Reason',
      Text: 'Text',
      Detail: 'Detail',
      Value: 'Value',
      Subcode: 'Subcode',
    };
    for (const [k, v] of Object.entries(expected)) {
      expect(staticDictionaryString(StaticIds[k as keyof typeof StaticIds])).toBe(v);
      expect(staticDictionaryId(v)).toBe(StaticIds[k as keyof typeof StaticIds]);
    }
    expect(staticDictionaryId('http://www.w3.org/2001/XMLSchema-instance')).toBe(882);
    expect(staticDictionaryId('no such string')).toBeUndefined();
  });
});
