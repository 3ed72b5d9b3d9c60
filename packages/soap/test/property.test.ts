import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinarySessionEncoder } from '../src/message-encoder.js';
import { readNbfx } from '../src/nbfx-reader.js';
import { writeNbfx } from '../src/nbfx-writer.js';
import { canonical, tree } from './support/arbitraries.js';

const UNLIMITED = {
  maxReceivedMessageSize: 1 << 30,
  maxDepth: 1000,
  maxStringContentLength: 1 << 30,
  maxArrayLength: 1 << 30,
  maxBytesPerRead: 1 << 30,
  maxNameTableCharCount: 1 << 30,
  maxSessionSize: 1 << 30,
};

describe('property: write → read preserves random XML trees', () => {
  it('without a session (dictionary-marked strings go inline or static)', () => {
    fc.assert(
      fc.property(tree, (t) => {
        const back = readNbfx(writeNbfx(t), { quotas: UNLIMITED });
        expect(back.map(canonical)).toEqual([canonical(t)]);
      }),
      { numRuns: 400 },
    );
  });

  it('over a session: several messages share one dictionary per direction', () => {
    fc.assert(
      fc.property(fc.array(tree, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 4096 }), (trees, sessionSize) => {
        const writer = new BinarySessionEncoder({ writerSessionSize: sessionSize });
        const reader = new BinarySessionEncoder({ quotas: UNLIMITED });
        for (const t of trees) {
          const back = reader.decode(writer.encode(t));
          expect(back.map(canonical)).toEqual([canonical(t)]);
        }
        // The writer never defines more than its quota allows (docs/protocol.md §15).
        expect(writer.writerSession.size).toBeLessThanOrEqual(sessionSize);
        expect(reader.readerSession.size).toBe(writer.writerSession.size);
      }),
      { numRuns: 200 },
    );
  });

  it('re-encoding a decoded document gives the same bytes (the writer is deterministic)', () => {
    fc.assert(
      fc.property(tree, (t) => {
        const once = writeNbfx(t);
        const twice = writeNbfx(readNbfx(once, { quotas: UNLIMITED }));
        expect(twice.equals(once)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
