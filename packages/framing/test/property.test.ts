// Property tests: random records → encode → random chunking → decode gives back the input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodePreamble,
  encodeRecord,
  KNOWN_ENCODING_CONTENT_TYPES,
  knownEncodingContentType,
  knownEncodingOf,
  PreambleDecoder,
  RecordDecoder,
  type FramingRecord,
  type Mode,
  type RecordDecoderOptions,
} from '../src/index.js';
import { chunkRandomly, normalizeRecords, runPreamble, runRecords, seededRandom } from '../src/testing/index.js';

const RUNS = 300;

/** A random chunking of `bytes`, reproducible from the two numbers fast-check shrinks. */
const chunking = fc.record({ seed: fc.integer(), maxChunk: fc.integer({ min: 1, max: 64 }) });
function cut(bytes: Buffer, how: { seed: number; maxChunk: number }): Buffer[] {
  return chunkRandomly(bytes, seededRandom(how.seed), how.maxChunk);
}

const text = (maxLength: number, minLength = 0): fc.Arbitrary<string> =>
  fc.string({ unit: 'binary', minLength, maxLength });

const via = fc
  .record({
    host: fc.domain(),
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    segments: fc.array(fc.webSegment(), { maxLength: 5 }),
  })
  .map(({ host, port, segments }) => ({
    uri: `net.tcp://${host}${port === undefined ? '' : `:${port}`}/${segments.join('/')}`,
    host: host.toLowerCase(),
    port: port ?? 808,
  }));

const encoding = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.constantFrom(...KNOWN_ENCODING_CONTENT_TYPES),
  text(60),
);

describe('preamble round trip', () => {
  it('encodePreamble → any chunking → PreambleDecoder gives back the options', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Mode>(1, 2, 3, 4),
        via,
        encoding,
        fc.option(text(60), { nil: undefined }),
        fc.integer({ min: 0, max: 255 }),
        chunking,
        (mode, target, enc, upgradeOption, minor, how) => {
          const upgrade = mode === 1 || mode === 2 ? upgradeOption : undefined;
          const bytes = encodePreamble({
            mode,
            via: target.uri,
            encoding: enc,
            version: { major: 1, minor },
            ...(upgrade === undefined ? {} : { upgrade }),
          });
          const run = runPreamble(new PreambleDecoder(), cut(bytes, how));
          const decoder = run.result;
          expect(run.consumed).toBe(bytes.length);
          expect(decoder.version).toEqual({ major: 1, minor });
          expect(decoder.mode).toBe(mode);
          expect(decoder.via).toBe(target.uri);
          expect(decoder.parsedVia).toMatchObject({ scheme: 'net.tcp', host: target.host, port: target.port });
          const known = typeof enc === 'number' ? enc : knownEncodingOf(enc);
          expect(decoder.encoding).toEqual({
            known,
            contentType: known === undefined ? enc : knownEncodingContentType(known),
          });
          expect(decoder.upgrade).toBe(upgrade);
          expect(decoder.stage).toBe(upgrade === undefined ? 'complete' : 'upgrade-requested');
        },
      ),
      { numRuns: RUNS },
    );
  });
});

const END: FramingRecord = { type: 'end' };
const ACK: FramingRecord = { type: 'preamble-ack' };
const UPGRADE: FramingRecord = { type: 'upgrade-response' };
const payload = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));
const sized = payload.map((p): FramingRecord => ({ type: 'sized-envelope', payload: p }));
const unsized = fc
  .array(
    fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => Buffer.from(b)),
    { maxLength: 5 },
  )
  .map((chunks): FramingRecord => ({ type: 'unsized-envelope', chunks }));
const fault = text(60, 1).map((uri): FramingRecord => ({ type: 'fault', uri }));
const upgrades = fc.integer({ min: 0, max: 3 }).map((n) => Array.from({ length: n }, () => UPGRADE));

/** A fault, optionally followed by End (the server closes right after a fault). */
const faultTail = fc.tuple(fault, fc.boolean()).map(([f, end]) => (end ? [f, END] : [f]));

const streams: readonly { name: string; options: RecordDecoderOptions; records: fc.Arbitrary<FramingRecord[]> }[] = [
  {
    name: 'server, duplex',
    options: { role: 'server', mode: 2 },
    records: fc.tuple(fc.array(sized, { maxLength: 8 }), fc.boolean()).map(([m, end]) => (end ? [...m, END] : m)),
  },
  {
    name: 'server, simplex',
    options: { role: 'server', mode: 3 },
    records: fc.tuple(fc.array(sized, { maxLength: 8 }), fc.boolean()).map(([m, end]) => (end ? [...m, END] : m)),
  },
  {
    name: 'server, singleton-unsized',
    options: { role: 'server', mode: 1 },
    records: fc.tuple(unsized, fc.boolean()).map(([u, end]) => (end ? [u, END] : [u])),
  },
  {
    name: 'server, singleton-sized',
    options: { role: 'server', mode: 4 },
    records: fc
      .uint8Array({ minLength: 1, maxLength: 600 })
      .map((b): FramingRecord[] => [{ type: 'octets', payload: Buffer.from(b) }]),
  },
  {
    name: 'client, duplex',
    options: { role: 'client', mode: 2 },
    records: fc
      .tuple(
        upgrades,
        fc.oneof(
          faultTail,
          fc
            .tuple(fc.array(sized, { maxLength: 6 }), fc.oneof(fc.constant([END]), fc.constant([]), faultTail))
            .map(([m, tail]) => [ACK, ...m, ...tail]),
        ),
      )
      .map(([u, rest]) => [...u, ...rest]),
  },
  {
    name: 'client, singleton',
    options: { role: 'client', mode: 1 },
    records: fc
      .tuple(
        upgrades,
        fc.oneof(
          faultTail,
          fc.option(unsized, { nil: undefined }).map((u) => (u === undefined ? [ACK, END] : [ACK, u, END])),
        ),
      )
      .map(([u, rest]) => [...u, ...rest]),
  },
];

describe.each(streams)('record round trip: $name', ({ options, records }) => {
  it('encode → any chunking → RecordDecoder gives back the records', () => {
    fc.assert(
      fc.property(records, chunking, (input, how) => {
        const bytes = Buffer.concat(input.map(encodeRecord));
        const run = runRecords(new RecordDecoder(options), cut(bytes, how));
        expect(run.consumed).toBe(bytes.length);
        expect(normalizeRecords(run.result)).toEqual(normalizeRecords(input));
      }),
      { numRuns: RUNS },
    );
  });
});
