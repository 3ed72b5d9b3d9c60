import { describe, expect, it } from 'vitest';
import { encodeFault, encodeSizedEnvelope, encodeUnsizedEnvelope } from './encoder.js';
import { type FramingRecord, RecordDecoder, type RecordDecoderOptions } from './record-decoder.js';
import { FramingError, FramingErrorCodes } from './errors.js';
import { DEFAULT_MAX_MESSAGE_SIZE, FaultUri, FramingLimits } from './records.js';
import { encodeSize } from './size.js';
import { bytes, oneByteAtATime, runRecords, utf8 } from './testing/index.js';

function decodeAll(options: RecordDecoderOptions, input: Uint8Array): FramingRecord[] {
  return runRecords(new RecordDecoder(options), [input]).result;
}

function failure(options: RecordDecoderOptions, chunks: readonly Uint8Array[]): FramingError {
  try {
    runRecords(new RecordDecoder(options), chunks);
  } catch (error) {
    expect(error).toBeInstanceOf(FramingError);
    return error as FramingError;
  }
  throw new Error('expected the decoder to throw');
}

describe('RecordDecoder, server role', () => {
  it('yields sized envelopes and stops after End, leaving the next preamble', () => {
    const decoder = new RecordDecoder({ role: 'server' });
    const records: FramingRecord[] = [];
    const input = bytes('06 02 6869 07', '00 01 00 01 02');
    expect(decoder.decode(input, (r) => records.push(r))).toBe(5);
    expect(records).toEqual([{ type: 'sized-envelope', payload: utf8('hi') }, { type: 'end' }]);
    expect(decoder.ended).toBe(true);
    expect(decoder.consumed).toBe(5);
  });

  it('after End, more bytes are NMF_ERR_AT_END; reset() starts a new stream', () => {
    const decoder = new RecordDecoder({ role: 'server' });
    decoder.decode(bytes('07'), () => undefined);
    expect(decoder.decode(Buffer.alloc(0), () => undefined)).toBe(0);
    expect(() => decoder.decode(bytes('06'), () => undefined)).toThrowError(
      expect.objectContaining({ code: FramingErrorCodes.AT_END, position: 1 }),
    );
    decoder.reset();
    const records: FramingRecord[] = [];
    decoder.decode(bytes('06 01 41'), (r) => records.push(r));
    expect(records).toEqual([{ type: 'sized-envelope', payload: utf8('A') }]);
  });

  it('hands out a zero-copy view when the envelope lies in one chunk', () => {
    const input = bytes('06 03 616263');
    const [record] = decodeAll({ role: 'server' }, input);
    expect(record?.type).toBe('sized-envelope');
    const payload = (record as { payload: Buffer }).payload;
    expect(payload.buffer).toBe(input.buffer);
    expect(payload.byteOffset).toBe(input.byteOffset + 2);
  });

  it('assembles an envelope split across chunks into its own buffer', () => {
    const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff));
    const input = encodeSizedEnvelope(payload);
    const decoder = new RecordDecoder({ role: 'server' });
    const records: FramingRecord[] = [];
    decoder.decode(input.subarray(0, 500), (r) => records.push(r));
    expect(records).toEqual([]);
    expect(decoder.bufferedBytes).toBeGreaterThanOrEqual(497);
    expect(decoder.bufferedBytes).toBeLessThanOrEqual(1000);
    decoder.decode(input.subarray(500), (r) => records.push(r));
    expect(records).toEqual([{ type: 'sized-envelope', payload }]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('an unsized envelope (singleton) yields its chunks, then End', () => {
    const input = bytes(encodeUnsizedEnvelope([utf8('ab'), utf8('cde')]), '07');
    expect(decodeAll({ role: 'server', mode: 1 }, input)).toEqual([
      { type: 'unsized-envelope', chunks: [utf8('ab'), utf8('cde')] },
      { type: 'end' },
    ]);
  });

  it('an unsized envelope with no chunks is an empty message', () => {
    expect(decodeAll({ role: 'server', mode: 1 }, bytes('05 00 07'))).toEqual([
      { type: 'unsized-envelope', chunks: [] },
      { type: 'end' },
    ]);
  });

  it('mode 4 delivers octets as they come and never ends', () => {
    const decoder = new RecordDecoder({ role: 'server', mode: 4 });
    const records: FramingRecord[] = [];
    decoder.decode(bytes('0102'), (r) => records.push(r));
    decoder.decode(bytes('07'), (r) => records.push(r));
    expect(records).toEqual([
      { type: 'octets', payload: bytes('0102') },
      { type: 'octets', payload: bytes('07') },
    ]);
    expect(decoder.ended).toBe(false);
    expect(() => decoder.end()).not.toThrow();
  });

  it('duplex: only SizedEnvelope and End are valid after the preamble', () => {
    for (const type of ['00', '05', '08', '0b', '0c']) {
      const error = failure({ role: 'server' }, [bytes(type)]);
      expect(error.code).toBe(FramingErrorCodes.RECORD_TYPE_MISMATCH);
      expect(error.message).toContain("Expected record type 'SizedEnvelope'");
    }
  });

  it('EOF between records is accepted; inside a record it is premature', () => {
    const clean = new RecordDecoder({ role: 'server' });
    clean.decode(bytes('06 01 41'), () => undefined);
    expect(() => clean.end()).not.toThrow();
    const cut = new RecordDecoder({ role: 'server' });
    cut.decode(bytes('06 05 41'), () => undefined);
    expect(() => cut.end()).toThrowError(expect.objectContaining({ code: FramingErrorCodes.PREMATURE_EOF }));
    const inSize = new RecordDecoder({ role: 'server' });
    inSize.decode(bytes('06 80'), () => undefined);
    expect(() => inSize.end()).toThrowError(expect.objectContaining({ code: FramingErrorCodes.PREMATURE_EOF }));
  });

  it('a callback that throws does not poison the decoder', () => {
    const decoder = new RecordDecoder({ role: 'server' });
    const input = bytes('06 01 41 06 01 42');
    expect(() =>
      decoder.decode(input, () => {
        throw new Error('consumer failed');
      }),
    ).toThrow('consumer failed');
    expect(decoder.consumed).toBe(3);
    const records: FramingRecord[] = [];
    decoder.decode(input.subarray(decoder.consumed), (r) => records.push(r));
    expect(records).toEqual([{ type: 'sized-envelope', payload: utf8('B') }]);
  });
});

describe('RecordDecoder, client role', () => {
  it('accepts PreambleAck, UpgradeResponse or Fault first', () => {
    expect(decodeAll({ role: 'client' }, bytes('0b'))).toEqual([{ type: 'preamble-ack' }]);
    expect(decodeAll({ role: 'client' }, bytes('0a 0b'))).toEqual([
      { type: 'upgrade-response' },
      { type: 'preamble-ack' },
    ]);
    expect(decodeAll({ role: 'client' }, encodeFault(FaultUri.EndpointNotFound))).toEqual([
      { type: 'fault', uri: FaultUri.EndpointNotFound },
    ]);
  });

  it('stops after an UpgradeResponse until resumeAfterUpgrade()', () => {
    const decoder = new RecordDecoder({ role: 'client' });
    const records: FramingRecord[] = [];
    expect(decoder.decode(bytes('0a 16 03 01'), (r) => records.push(r))).toBe(1);
    expect(decoder.upgradePending).toBe(true);
    expect(decoder.decode(bytes('16 03 01'), (r) => records.push(r))).toBe(0);
    expect(() => decoder.end()).not.toThrow();
    decoder.resumeAfterUpgrade();
    expect(decoder.decode(bytes('0b'), (r) => records.push(r))).toBe(1);
    expect(records).toEqual([{ type: 'upgrade-response' }, { type: 'preamble-ack' }]);
    expect(() => decoder.resumeAfterUpgrade()).toThrowError(
      expect.objectContaining({ code: FramingErrorCodes.INVALID_ARGUMENT }),
    );
  });

  it("says WCF's words when the server does not speak .NET Framing", () => {
    const plain = failure({ role: 'client' }, [bytes('00')]);
    expect(plain.code).toBe(FramingErrorCodes.NOT_FRAMING);
    expect(plain.message).toBe('You have tried to create a channel to a service that does not support .Net Framing.');
    for (const first of ['H', 'h']) {
      const http = failure({ role: 'client' }, [utf8(`${first}TTP/1.1 200 OK`)]);
      expect(http.code).toBe(FramingErrorCodes.NOT_FRAMING);
      expect(http.message).toBe(
        'You have tried to create a channel to a service that does not support .Net Framing. It is possible that you are encountering an HTTP endpoint.',
      );
    }
  });

  it('stops after a fault; only End may follow', () => {
    const decoder = new RecordDecoder({ role: 'client' });
    const records: FramingRecord[] = [];
    const fault = encodeFault(FaultUri.ServerTooBusy);
    expect(decoder.decode(bytes(fault, '07'), (r) => records.push(r))).toBe(fault.length);
    expect(decoder.faulted).toBe(true);
    expect(() => decoder.end()).not.toThrow();
    expect(decoder.decode(bytes('07'), (r) => records.push(r))).toBe(1);
    expect(records).toEqual([{ type: 'fault', uri: FaultUri.ServerTooBusy }, { type: 'end' }]);
  });

  it('an EOF before the server answered is premature', () => {
    expect(() => new RecordDecoder({ role: 'client' }).end()).toThrowError(
      expect.objectContaining({ code: FramingErrorCodes.PREMATURE_EOF }),
    );
  });

  it('singleton: after the ack an unsized reply, End or Fault', () => {
    expect(decodeAll({ role: 'client', mode: 1 }, bytes('0b 05 01 41 00 07'))).toEqual([
      { type: 'preamble-ack' },
      { type: 'unsized-envelope', chunks: [utf8('A')] },
      { type: 'end' },
    ]);
    const error = failure({ role: 'client', mode: 1 }, [bytes('0b 06 01 41')]);
    expect(error.message).toContain("Expected record type 'UnsizedEnvelope', found 'SizedEnvelope'.");
  });

  it('modes 3 and 4 have no server stream', () => {
    for (const mode of [3, 4] as const) {
      expect(() => new RecordDecoder({ role: 'client', mode })).toThrowError(
        expect.objectContaining({ code: FramingErrorCodes.INVALID_ARGUMENT }),
      );
    }
  });

  it('rejects bad options', () => {
    expect(() => new RecordDecoder({ role: 'peer' as 'server' })).toThrowError(
      expect.objectContaining({ code: FramingErrorCodes.INVALID_ARGUMENT }),
    );
    expect(() => new RecordDecoder({ role: 'server', mode: 7 as 1 })).toThrowError(
      expect.objectContaining({ code: FramingErrorCodes.INVALID_ARGUMENT }),
    );
    expect(() => new RecordDecoder({ role: 'server', maxMessageSize: -1 })).toThrowError(
      expect.objectContaining({ code: FramingErrorCodes.INVALID_ARGUMENT }),
    );
  });
});

describe('RecordDecoder limits (each at and one past the edge)', () => {
  it('sized envelope: 65536 bytes pass, 65537 fail before any payload byte', () => {
    const atLimit = Buffer.alloc(DEFAULT_MAX_MESSAGE_SIZE, 0x61);
    const records = decodeAll({ role: 'server' }, encodeSizedEnvelope(atLimit));
    expect(records).toEqual([{ type: 'sized-envelope', payload: atLimit }]);

    const decoder = new RecordDecoder({ role: 'server' });
    let error: unknown;
    try {
      decoder.decode(bytes('06', encodeSize(DEFAULT_MAX_MESSAGE_SIZE + 1)), () => undefined);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      code: FramingErrorCodes.MESSAGE_TOO_LARGE,
      faultUri: FaultUri.MaxMessageSizeExceeded,
      position: 3,
    });
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('the client role fails the same way but carries no fault to send', () => {
    const error = failure({ role: 'client', maxMessageSize: 4 }, [bytes('0b 06 05', utf8('hello'))]);
    expect(error.code).toBe(FramingErrorCodes.MESSAGE_TOO_LARGE);
    expect(error.faultUri).toBeUndefined();
  });

  it('maxMessageSize is an option', () => {
    expect(decodeAll({ role: 'server', maxMessageSize: 5 }, encodeSizedEnvelope(utf8('hello')))).toHaveLength(1);
    expect(failure({ role: 'server', maxMessageSize: 4 }, [encodeSizedEnvelope(utf8('hello'))]).code).toBe(
      FramingErrorCodes.MESSAGE_TOO_LARGE,
    );
  });

  it('unsized envelope: the sum of the chunks is bounded (at, and one past)', () => {
    const options = { role: 'server', mode: 1, maxMessageSize: 10 } as const;
    const ok = encodeUnsizedEnvelope([Buffer.alloc(4), Buffer.alloc(6)]);
    expect(decodeAll(options, ok)).toEqual([{ type: 'unsized-envelope', chunks: [Buffer.alloc(4), Buffer.alloc(6)] }]);
    const over = encodeUnsizedEnvelope([Buffer.alloc(4), Buffer.alloc(7)]);
    const error = failure(options, [over]);
    expect(error.code).toBe(FramingErrorCodes.MESSAGE_TOO_LARGE);
    expect(error.position).toBe(6); // the second chunk's size byte
  });

  it('mode 4: the octets are bounded (at, and one past)', () => {
    const options = { role: 'server', mode: 4, maxMessageSize: 3 } as const;
    expect(decodeAll(options, bytes('010203'))).toHaveLength(1);
    expect(failure(options, [bytes('0102'), bytes('0304')]).code).toBe(FramingErrorCodes.MESSAGE_TOO_LARGE);
  });

  it('fault: 256 bytes pass, 257 fail with WCF’s quota text', () => {
    const uri256 = `urn:${'f'.repeat(252)}`;
    expect(decodeAll({ role: 'client' }, encodeFault(uri256))).toEqual([{ type: 'fault', uri: uri256 }]);
    const error = failure({ role: 'client' }, [bytes('08', encodeSize(FramingLimits.maxFaultBytes + 1))]);
    expect(error.code).toBe(FramingErrorCodes.FAULT_TOO_LONG);
    expect(error.message).toContain('The framing fault size (257) exceeds the quota.');
  });

  it('maxFaultBytes is an option', () => {
    const fault = encodeFault('urn:x');
    expect(decodeAll({ role: 'client', maxFaultBytes: 5 }, fault)).toHaveLength(1);
    expect(failure({ role: 'client', maxFaultBytes: 4 }, [fault]).code).toBe(FramingErrorCodes.FAULT_TOO_LONG);
  });

  it('a fault of size 0 is refused ([MC-NMF] 2.2.5)', () => {
    expect(failure({ role: 'client' }, [bytes('08 00')]).code).toBe(FramingErrorCodes.ZERO_SIZE);
  });

  it('buffers at most one message, even fed one byte at a time', () => {
    const payload = Buffer.alloc(DEFAULT_MAX_MESSAGE_SIZE, 1);
    const decoder = new RecordDecoder({ role: 'server' });
    let peak = 0;
    let count = 0;
    for (const chunk of oneByteAtATime(bytes(encodeSizedEnvelope(payload), '07'))) {
      decoder.decode(chunk, () => count++);
      peak = Math.max(peak, decoder.bufferedBytes);
    }
    expect(count).toBe(2);
    expect(peak).toBeLessThanOrEqual(DEFAULT_MAX_MESSAGE_SIZE);
  });
});

describe('RecordDecoder, streamed unsized envelopes (streamUnsized)', () => {
  const streamed = { role: 'server', mode: 1, streamUnsized: true } as const;

  function joinPieces(records: FramingRecord[]): { data: Buffer; rest: FramingRecord['type'][] } {
    const pieces = records.filter((r) => r.type === 'unsized-piece').map((r) => (r as { payload: Buffer }).payload);
    expect(pieces.every((p) => p.length > 0)).toBe(true);
    return { data: Buffer.concat(pieces), rest: records.filter((r) => r.type !== 'unsized-piece').map((r) => r.type) };
  }

  it('delivers the bytes of each data chunk as they arrive, then unsized-end, then End', () => {
    const input = bytes(encodeUnsizedEnvelope([utf8('ab'), utf8('cde')]), '07');
    const whole = joinPieces(decodeAll(streamed, input));
    expect(whole.data.toString()).toBe('abcde');
    expect(whole.rest).toEqual(['unsized-end', 'end']);
    // One byte at a time: the same bytes, piece by piece, nothing held back.
    const decoder = new RecordDecoder(streamed);
    const records: FramingRecord[] = [];
    for (const b of oneByteAtATime(input)) {
      decoder.decode(b, (r) => records.push(r));
      expect(decoder.bufferedBytes).toBe(0);
    }
    const split = joinPieces(records);
    expect(split.data.toString()).toBe('abcde');
    expect(split.rest).toEqual(['unsized-end', 'end']);
  });

  it('an empty streamed envelope is unsized-end alone', () => {
    expect(decodeAll(streamed, bytes('05 00 07')).map((r) => r.type)).toEqual(['unsized-end', 'end']);
  });

  it('bounds the running total by maxMessageSize, at and one past the edge, before a byte of the chunk is delivered', () => {
    const at = decodeAll({ ...streamed, maxMessageSize: 5 }, bytes(encodeUnsizedEnvelope([utf8('ab'), utf8('cde')]), '07'));
    expect(joinPieces(at).data.toString()).toBe('abcde');
    const decoder = new RecordDecoder({ ...streamed, maxMessageSize: 5 });
    const records: FramingRecord[] = [];
    const past = bytes(encodeUnsizedEnvelope([utf8('ab'), utf8('cdef')]), '07');
    let error: unknown;
    try {
      decoder.decode(past, (r) => records.push(r));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FramingError);
    expect((error as FramingError).code).toBe(FramingErrorCodes.MESSAGE_TOO_LARGE);
    expect((error as FramingError).faultUri).toBe(FaultUri.MaxMessageSizeExceeded);
    expect(joinPieces(records).data.toString()).toBe('ab');
  });

  it('EOF inside a data chunk is premature; after unsized-end it is not', () => {
    const inside = new RecordDecoder(streamed);
    inside.decode(bytes('05 03 61'), () => {});
    expect(() => inside.end()).toThrow(expect.objectContaining({ code: FramingErrorCodes.PREMATURE_EOF }));
    const after = new RecordDecoder(streamed);
    after.decode(bytes('05 01 61 00'), () => {});
    expect(() => after.end()).not.toThrow();
  });

  it('a client-role decoder streams the reply the same way', () => {
    const records = decodeAll({ role: 'client', mode: 1, streamUnsized: true }, bytes('0b', encodeUnsizedEnvelope([utf8('xyz')]), '07'));
    expect(records.map((r) => r.type)).toEqual(['preamble-ack', 'unsized-piece', 'unsized-end', 'end']);
  });
});
