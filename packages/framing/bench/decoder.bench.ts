// Decoder throughput. vitest reports operations per second; each group says how many bytes one
// operation processes, so MB/s = hz × that size. The baseline rows do no framing at all (they only
// copy or slice the same bytes), so the numbers read as ratios against plain memory traffic.
import { bench, describe } from 'vitest';
import { encodePreamble, encodeSizedEnvelope, PreambleDecoder, RecordDecoder } from '../src/index.js';
import { SAMPLE_VIA } from '../src/testing/index.js';

const preamble = encodePreamble({ via: SAMPLE_VIA });
const preambleChunks = [preamble.subarray(0, 5), preamble.subarray(5, 20), preamble.subarray(20)];

describe(`preamble (${preamble.length} bytes per op)`, () => {
  const reused = new PreambleDecoder();
  bench('PreambleDecoder, one chunk, reset() between preambles', () => {
    reused.reset();
    reused.decode(preamble);
  });
  bench('PreambleDecoder, new decoder per preamble', () => {
    new PreambleDecoder().decode(preamble);
  });
  const split = new PreambleDecoder();
  bench('PreambleDecoder, three chunks (via split)', () => {
    split.reset();
    for (const chunk of preambleChunks) split.decode(chunk);
  });
  bench('baseline: Buffer.from copy of the preamble', () => {
    Buffer.from(preamble);
  });
});

/** `count` envelopes of `size` bytes as one stream, cut into chunks of `chunkSize`. */
function envelopeStream(count: number, size: number, chunkSize: number): Buffer[] {
  const payload = Buffer.alloc(size, 0x56);
  const stream = Buffer.concat(Array.from({ length: count }, () => encodeSizedEnvelope(payload)));
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length; at += chunkSize) chunks.push(stream.subarray(at, at + chunkSize));
  return chunks;
}

function decodeStream(chunks: readonly Buffer[]): number {
  const decoder = new RecordDecoder({ role: 'server' });
  let total = 0;
  for (const chunk of chunks) {
    decoder.decode(chunk, (record) => {
      if (record.type === 'sized-envelope') total += record.payload.length;
    });
  }
  return total;
}

for (const { size, chunkSize } of [
  { size: 4096, chunkSize: 65536 }, // envelopes inside chunks: zero-copy views
  { size: 6000, chunkSize: 16384 }, // envelopes straddling chunks: assembled copies
]) {
  const chunks = envelopeStream(256, size, chunkSize);
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  describe(`envelopes: 256 × ${size} B in ${chunkSize / 1024} KiB chunks (${(bytes / 1048576).toFixed(2)} MiB per op)`, () => {
    bench('RecordDecoder (server, duplex)', () => {
      decodeStream(chunks);
    });
    bench('baseline: Buffer.concat of the chunks (one copy, no framing)', () => {
      Buffer.concat(chunks);
    });
  });
}
