// Random and mutated inputs through both decoders: the only thing they may throw is a
// FramingError, and the memory they hold never exceeds their configured limits.
import { describe, expect, it } from 'vitest';
import {
  FramingError,
  PreambleDecoder,
  RecordDecoder,
  type PreambleDecoderOptions,
  type RecordDecoderOptions,
} from '../src/index.js';
import {
  chunkRandomly,
  errorVectors,
  monoCalculatorPreamble,
  preambleVectors,
  recordVectors,
  seededRandom,
  type Random,
} from '../src/testing/index.js';

const ITERATIONS_PER_DECODER = 100_000;
const SEED = Number(process.env.FUZZ_SEED ?? 0x6e6d66);

const pick = <T>(rng: Random, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
const BOUNDARY_BYTES = [0x00, 0x01, 0x02, 0x07, 0x08, 0x0b, 0x0c, 0x7f, 0x80, 0x81, 0xf8, 0xff];

/** 1..4 random edits: bit flips, boundary bytes, insertions, deletions, truncation, a repeated slice. */
function mutate(source: Buffer, rng: Random): Buffer {
  let bytes = Buffer.from(source);
  const edits = 1 + Math.floor(rng() * 4);
  for (let n = 0; n < edits; n++) {
    const at = Math.floor(rng() * (bytes.length + 1));
    switch (Math.floor(rng() * 6)) {
      case 0:
        if (at < bytes.length) bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(rng() * 8));
        break;
      case 1:
        if (at < bytes.length) bytes[at] = pick(rng, BOUNDARY_BYTES);
        break;
      case 2:
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([Math.floor(rng() * 256)]), bytes.subarray(at)]);
        break;
      case 3:
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
        break;
      case 4:
        bytes = bytes.subarray(0, at);
        break;
      default: {
        const end = Math.min(bytes.length, at + Math.floor(rng() * 16));
        bytes = Buffer.concat([bytes.subarray(0, end), bytes.subarray(at, end), bytes.subarray(end)]);
      }
    }
  }
  return bytes;
}

/** Random bytes, often starting with a plausible prefix so the decoder gets past the first checks. */
function randomInput(rng: Random, prefixes: readonly Buffer[]): Buffer {
  const length = Math.floor(rng() * 48);
  const body = Buffer.from(Array.from({ length }, () => (rng() < 0.3 ? pick(rng, BOUNDARY_BYTES) : Math.floor(rng() * 256))));
  return rng() < 0.6 ? Buffer.concat([pick(rng, prefixes), body]) : body;
}

/**
 * The invariants after every decode call, checked without `expect` (which is too slow for this
 * many calls): the count taken is within the chunk, and the memory held is within the limits.
 */
function check(input: Buffer, taken: number, available: number, buffered: number, limit: number): void {
  if (taken < 0 || taken > available || buffered > limit) {
    throw new Error(
      `invariant broken for input ${input.toString('hex')}: took ${taken} of ${available}, holds ${buffered} > ${limit}?`,
    );
  }
}

/** Runs `step` and lets only FramingErrors through; anything else fails the test with the input. */
function expectOnlyFramingErrors(input: Buffer, step: () => void): void {
  try {
    step();
  } catch (error) {
    if (!(error instanceof FramingError)) {
      throw new Error(`non-FramingError for input ${input.toString('hex')}: ${String(error)}`, { cause: error });
    }
  }
}

describe('fuzzing', () => {
  it(`PreambleDecoder: ${ITERATIONS_PER_DECODER} inputs, only FramingError, bounded memory`, () => {
    const rng = seededRandom(SEED);
    const seeds = [...preambleVectors.map((v) => v.bytes), monoCalculatorPreamble.bytes];
    for (const vector of errorVectors) if (vector.decoder.kind === 'preamble') seeds.push(vector.bytes);
    const prefixes = [Buffer.from('0001000102', 'hex'), Buffer.from('0001000101', 'hex'), Buffer.from('00010001020208', 'hex')];
    const limitChoices = [0, 1, 8, 64, 256, 2048];
    let failures = 0;
    for (let n = 0; n < ITERATIONS_PER_DECODER; n++) {
      const input = rng() < 0.6 ? mutate(pick(rng, seeds), rng) : randomInput(rng, prefixes);
      const options: PreambleDecoderOptions =
        rng() < 0.5
          ? {}
          : {
              maxViaBytes: pick(rng, limitChoices),
              maxContentTypeBytes: pick(rng, limitChoices),
              maxUpgradeBytes: pick(rng, limitChoices),
            };
      const limit = Math.max(options.maxViaBytes ?? 2048, options.maxContentTypeBytes ?? 256, options.maxUpgradeBytes ?? 256);
      const decoder = new PreambleDecoder(options);
      let threw = true;
      expectOnlyFramingErrors(input, () => {
        for (const chunk of chunkRandomly(input, rng, 1 + Math.floor(rng() * 32))) {
          let at = 0;
          while (at < chunk.length) {
            const taken = decoder.decode(chunk.subarray(at));
            check(input, taken, chunk.length - at, decoder.bufferedBytes, limit);
            at += taken;
            if (decoder.stage === 'upgrade-requested') decoder.resumeAfterUpgrade();
            else if (taken === 0) break;
          }
        }
        decoder.end();
        threw = false;
      });
      if (threw) failures++;
    }
    // The corpus must exercise both outcomes, or the fuzzer is not reaching the decoder's depths.
    expect(failures).toBeGreaterThan(ITERATIONS_PER_DECODER / 10);
    expect(failures).toBeLessThan(ITERATIONS_PER_DECODER);
  });

  it(`RecordDecoder: ${ITERATIONS_PER_DECODER} inputs, only FramingError, bounded memory`, () => {
    const rng = seededRandom(SEED + 1);
    const seeds = recordVectors.map((v) => ({ bytes: v.bytes, options: v.decoder }));
    for (const vector of errorVectors) {
      if (vector.decoder.kind === 'records') seeds.push({ bytes: vector.bytes, options: vector.decoder.options });
    }
    const configs: RecordDecoderOptions[] = [
      { role: 'server', mode: 1 },
      { role: 'server', mode: 2 },
      { role: 'server', mode: 3 },
      { role: 'server', mode: 4 },
      { role: 'client', mode: 1 },
      { role: 'client', mode: 2 },
    ];
    const prefixes = [Buffer.from('0b', 'hex'), Buffer.from('06', 'hex'), Buffer.from('05', 'hex'), Buffer.from('0a0b06', 'hex')];
    const messageLimits = [0, 1, 16, 300, 65536];
    const faultLimits = [0, 1, 16, 256];
    let failures = 0;
    for (let n = 0; n < ITERATIONS_PER_DECODER; n++) {
      const seed = pick(rng, seeds);
      const mutated = rng() < 0.6;
      const input = mutated ? mutate(seed.bytes, rng) : randomInput(rng, prefixes);
      const base = mutated && rng() < 0.7 ? seed.options : pick(rng, configs);
      const options: RecordDecoderOptions =
        rng() < 0.5 ? base : { ...base, maxMessageSize: pick(rng, messageLimits), maxFaultBytes: pick(rng, faultLimits) };
      const limit = Math.max(options.maxMessageSize ?? 65536, options.maxFaultBytes ?? 256);
      const decoder = new RecordDecoder(options);
      let threw = true;
      expectOnlyFramingErrors(input, () => {
        for (const chunk of chunkRandomly(input, rng, 1 + Math.floor(rng() * 32))) {
          let at = 0;
          while (at < chunk.length && !decoder.ended) {
            const taken = decoder.decode(chunk.subarray(at), () => undefined);
            check(input, taken, chunk.length - at, decoder.bufferedBytes, limit);
            at += taken;
            if (decoder.upgradePending) decoder.resumeAfterUpgrade();
            else if (taken === 0) break;
          }
        }
        decoder.end();
        threw = false;
      });
      if (threw) failures++;
    }
    expect(failures).toBeGreaterThan(ITERATIONS_PER_DECODER / 10);
    expect(failures).toBeLessThan(ITERATIONS_PER_DECODER);
  });
});
