// The Via Record rewrite of a static route ([MC-NMF] 2.2.3.3): the server gets the client's bytes
// with another via, everything around it unchanged, as the framing decoder reads it.
import { describe, expect, it } from 'vitest';
import { encodePreamble, Mode, PreambleDecoder } from '@portshare/framing';
import { rewriteViaRecord } from '../src/static-routes.js';

describe('rewriteViaRecord', () => {
  it.each([
    ['a longer via', 'net.tcp://localhost:808/a', 'net.tcp://backend.example:9000/some/much/longer/private/path'],
    ['a shorter via', `net.tcp://localhost:808/${'x'.repeat(200)}`, 'net.tcp://b:1/s'],
  ])('%s: the decoder reads the new via, the encoding and what followed, unchanged', (_, from, to) => {
    const preamble = encodePreamble({ mode: Mode.Duplex, via: from, encoding: 8 });
    const after = Buffer.from([0x0c, 0x06, 0x01, 0x02]); // PreambleEnd, then the start of an envelope
    const out = rewriteViaRecord(Buffer.concat([preamble, after]), to);
    const decoder = new PreambleDecoder({ maxViaBytes: 2048, maxContentTypeBytes: 256 });
    decoder.decode(out);
    expect(decoder.via).toBe(to);
    expect(decoder.mode).toBe(Mode.Duplex);
    expect(out.subarray(0, 6).equals(preamble.subarray(0, 6))).toBe(true);
    expect(out.subarray(out.length - after.length).equals(after)).toBe(true);
    expect(out.length - (preamble.length + after.length)).toBe(Buffer.byteLength(to) - Buffer.byteLength(from) + (to.length >= 128 ? 1 : 0) - (from.length >= 128 ? 1 : 0));
  });

  it('refuses bytes without a Via Record where [MC-NMF] puts it', () => {
    expect(() => rewriteViaRecord(Buffer.from([0, 1, 0, 1, 2, 3, 4]), 'net.tcp://b:1/')).toThrow(/no Via Record/);
  });
});
