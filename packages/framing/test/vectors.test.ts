// Golden vectors, checked three ways (decode, encode, round trip) and at every chunking: each
// two-way split point and one byte at a time.
import { describe, expect, it } from 'vitest';
import {
  encodePreamble,
  encodeRecord,
  FramingError,
  PreambleDecoder,
  RecordDecoder,
  type FramingRecord,
} from '../src/index.js';
import {
  errorVectors,
  MONO_CALCULATOR_CLIENT_SEGMENTS,
  MONO_CALCULATOR_SEGMENTS,
  MONO_CALCULATOR_SERVER_SEGMENTS,
  monoCalculatorPreamble,
  normalizeRecords,
  oneByteAtATime,
  preambleVectors,
  recordVectors,
  runPreamble,
  runRecords,
  splitEverywhere,
  type ErrorVector,
  type PreambleVector,
} from '../src/testing/index.js';

const allPreambles = [...preambleVectors, monoCalculatorPreamble];

function preambleFields(decoder: PreambleDecoder): PreambleVector['expected'] {
  return {
    version: decoder.version as PreambleVector['expected']['version'],
    mode: decoder.mode as PreambleVector['expected']['mode'],
    via: decoder.via as string,
    parsedVia: decoder.parsedVia as PreambleVector['expected']['parsedVia'],
    encoding: decoder.encoding as PreambleVector['expected']['encoding'],
    upgrade: decoder.upgrade,
    stage: decoder.stage as PreambleVector['expected']['stage'],
  };
}

function chunkings(bytes: Buffer): Buffer[][] {
  return [[bytes], ...splitEverywhere(bytes), oneByteAtATime(bytes)];
}

describe.each(allPreambles)('preamble vector: $name', (vector) => {
  it('decodes to the expected fields', () => {
    const run = runPreamble(new PreambleDecoder(), [vector.bytes]);
    expect(preambleFields(run.result)).toEqual(vector.expected);
    expect(run.consumed).toBe(vector.bytes.length);
  });

  it('encodes to the same bytes', () => {
    if (vector.canonical) {
      expect(encodePreamble(vector.options)).toEqual(vector.bytes);
    } else {
      expect(encodePreamble(vector.options)).not.toEqual(vector.bytes);
    }
  });

  it('round-trips through the encoder', () => {
    const run = runPreamble(new PreambleDecoder(), [encodePreamble(vector.options)]);
    expect(preambleFields(run.result)).toEqual(vector.expected);
  });

  it('decodes the same at every split point and one byte at a time', () => {
    for (const chunks of chunkings(vector.bytes)) {
      const run = runPreamble(new PreambleDecoder(), chunks);
      expect(preambleFields(run.result)).toEqual(vector.expected);
      expect(run.consumed).toBe(vector.bytes.length);
    }
  });

  it('does not consume the bytes that follow it', () => {
    const trailing = Buffer.from([0x06, 0x01, 0x41, 0x07]);
    const run = runPreamble(new PreambleDecoder(), [Buffer.concat([vector.bytes, trailing])]);
    expect(run.consumed).toBe(vector.bytes.length);
    expect(run.rest).toEqual(trailing);
  });
});

describe.each(recordVectors)('record vector: $name', (vector) => {
  const decode = (chunks: readonly Uint8Array[]): { records: FramingRecord[]; consumed: number } => {
    const run = runRecords(new RecordDecoder(vector.decoder), chunks);
    return { records: normalizeRecords(run.result), consumed: run.consumed };
  };

  it('decodes to the expected records', () => {
    expect(decode([vector.bytes])).toEqual({ records: vector.records, consumed: vector.bytes.length });
  });

  it('encodes to the same bytes', () => {
    const encoded = Buffer.concat(vector.records.map(encodeRecord));
    if (vector.canonical) {
      expect(encoded).toEqual(vector.bytes);
    } else {
      expect(encoded).not.toEqual(vector.bytes);
    }
  });

  it('round-trips through the encoder', () => {
    expect(decode([Buffer.concat(vector.records.map(encodeRecord))]).records).toEqual(vector.records);
  });

  it('decodes the same at every split point and one byte at a time', () => {
    for (const chunks of chunkings(vector.bytes)) {
      expect(decode(chunks)).toEqual({ records: vector.records, consumed: vector.bytes.length });
    }
  });
});

function expectFailure(vector: ErrorVector, chunks: readonly Buffer[]): void {
  let caught: unknown;
  try {
    if (vector.decoder.kind === 'preamble') {
      runPreamble(new PreambleDecoder(vector.decoder.options), chunks);
    } else {
      runRecords(new RecordDecoder(vector.decoder.options), chunks);
    }
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(FramingError);
  const error = caught as FramingError;
  expect(error.code).toBe(vector.code);
  expect(error.faultUri).toBe(vector.faultUri);
  expect(error.position).toBe(vector.position);
}

describe.each(errorVectors)('error vector: $name', (vector) => {
  it('fails with the expected code, fault and position, at every chunking', () => {
    for (const chunks of chunkings(vector.bytes)) expectFailure(vector, chunks);
  });
});

describe('mono-calculator.pcap conversation', () => {
  it('holds both directions in wire order', () => {
    expect(MONO_CALCULATOR_SEGMENTS.map((s) => s.from)).toEqual([
      'client',
      'server',
      'client',
      'server',
      'client',
      'server',
      'client',
    ]);
  });

  it("decodes the client's side with its real TCP segmentation", () => {
    const preamble = new PreambleDecoder();
    const [first, ...rest] = MONO_CALCULATOR_CLIENT_SEGMENTS;
    expect(preamble.decode(first as Buffer)).toBe((first as Buffer).length);
    expect(preamble.complete).toBe(true);
    expect(preamble.parsedVia?.port).toBe(9000);
    const run = runRecords(new RecordDecoder({ role: 'server', mode: preamble.mode ?? 2 }), rest);
    expect(run.result.map((r) => r.type)).toEqual(['sized-envelope', 'sized-envelope', 'end']);
    expect(run.result.map((r) => (r.type === 'sized-envelope' ? r.payload.length : 0))).toEqual([270, 263, 0]);
  });

  it("decodes the server's side with its real TCP segmentation", () => {
    const run = runRecords(new RecordDecoder({ role: 'client' }), MONO_CALCULATOR_SERVER_SEGMENTS);
    expect(run.result.map((r) => r.type)).toEqual(['preamble-ack', 'sized-envelope', 'sized-envelope']);
    expect(run.result.map((r) => (r.type === 'sized-envelope' ? r.payload.length : 0))).toEqual([0, 179, 188]);
  });
});
