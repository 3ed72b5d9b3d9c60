import { describe, expect, it } from 'vitest';
import {
  encodeEnd,
  encodeFault,
  encodePreamble,
  encodePreambleAck,
  encodePreambleEnd,
  encodeRecord,
  encodeSizedEnvelope,
  encodeSizedEnvelopeHeader,
  encodeUnsizedChunkHeader,
  encodeUnsizedEnvelope,
  encodeUnsizedEnvelopeEnd,
  encodeUnsizedEnvelopeStart,
  encodeUpgradeRequest,
  encodeUpgradeResponse,
} from './encoder.js';
import { FramingErrorCodes } from './errors.js';
import { KNOWN_ENCODING_CONTENT_TYPES, UpgradeProtocol } from './records.js';
import { bytes, SAMPLE_VIA, utf8 } from './testing/index.js';

const invalidArgument = expect.objectContaining({ code: FramingErrorCodes.INVALID_ARGUMENT });

describe('encoders', () => {
  it('single-byte records', () => {
    expect(encodePreambleAck()).toEqual(bytes('0b'));
    expect(encodePreambleEnd()).toEqual(bytes('0c'));
    expect(encodeEnd()).toEqual(bytes('07'));
    expect(encodeUpgradeResponse()).toEqual(bytes('0a'));
  });

  it('each call returns a fresh buffer', () => {
    const first = encodeEnd();
    first[0] = 0xff;
    expect(encodeEnd()).toEqual(bytes('07'));
  });

  it('upgrade request and fault', () => {
    expect(encodeUpgradeRequest(UpgradeProtocol.SslTls)).toEqual(bytes('09 13', utf8('application/ssl-tls')));
    expect(encodeFault('urn:x')).toEqual(bytes('08 05', utf8('urn:x')));
  });

  it('sized envelope with its payload, or only the header for a vectored write', () => {
    const payload = Buffer.alloc(300, 0x2a);
    expect(encodeSizedEnvelope(payload)).toEqual(bytes('06 ac 02', payload));
    expect(encodeSizedEnvelopeHeader(300)).toEqual(bytes('06 ac 02'));
    expect(encodeSizedEnvelope(new Uint8Array(0))).toEqual(bytes('06 00'));
  });

  it('unsized envelope skips empty chunks, which would end it early', () => {
    expect(encodeUnsizedEnvelope([utf8('ab'), Buffer.alloc(0), utf8('c')])).toEqual(bytes('05 02 6162 01 63 00'));
    expect(encodeUnsizedEnvelope([])).toEqual(bytes('05 00'));
  });

  it('maps each known content type string to its KnownEncoding byte', () => {
    KNOWN_ENCODING_CONTENT_TYPES.forEach((contentType, byte) => {
      const preamble = encodePreamble({ via: SAMPLE_VIA, encoding: contentType });
      expect(preamble.subarray(-3)).toEqual(Buffer.from([0x03, byte, 0x0c]));
    });
  });

  it('sends other content types as ExtensibleEncoding', () => {
    const preamble = encodePreamble({ via: SAMPLE_VIA, encoding: 'text/xml; charset=utf-16' });
    expect(preamble.subarray(-27)).toEqual(bytes('04 18', utf8('text/xml; charset=utf-16'), '0c'));
  });

  it('defaults the encoding to what NetTcpBinding sends for the mode', () => {
    expect(encodePreamble({ via: SAMPLE_VIA }).subarray(-3)).toEqual(bytes('03 08 0c'));
    expect(encodePreamble({ mode: 1, via: SAMPLE_VIA }).subarray(-3)).toEqual(bytes('03 07 0c'));
    expect(encodePreamble({ mode: 3, via: SAMPLE_VIA }).subarray(-2)).toEqual(bytes('03 07'));
  });

  it('encodeRecord covers every record type', () => {
    expect(encodeRecord({ type: 'sized-envelope', payload: utf8('a') })).toEqual(bytes('06 01 61'));
    expect(encodeRecord({ type: 'unsized-envelope', chunks: [utf8('a')] })).toEqual(bytes('05 01 61 00'));
    expect(encodeRecord({ type: 'octets', payload: utf8('a') })).toEqual(bytes('61'));
    expect(encodeRecord({ type: 'end' })).toEqual(bytes('07'));
    expect(encodeRecord({ type: 'fault', uri: 'urn:y' })).toEqual(bytes('08 05', utf8('urn:y')));
    expect(encodeRecord({ type: 'preamble-ack' })).toEqual(bytes('0b'));
    expect(encodeRecord({ type: 'upgrade-response' })).toEqual(bytes('0a'));
  });

  it('refuses values the wire cannot carry', () => {
    expect(() => encodePreamble({ via: 'not a uri' })).toThrowError(
      expect.objectContaining({ code: FramingErrorCodes.VIA_NOT_URI }),
    );
    expect(() => encodePreamble({ via: SAMPLE_VIA, mode: 0 as 1 })).toThrowError(invalidArgument);
    expect(() => encodePreamble({ via: SAMPLE_VIA, encoding: 256 })).toThrowError(invalidArgument);
    expect(() => encodePreamble({ via: SAMPLE_VIA, version: { major: 1, minor: -1 } })).toThrowError(invalidArgument);
    expect(() => encodePreamble({ via: SAMPLE_VIA, mode: 3, upgrade: 'application/ssl-tls' })).toThrowError(
      invalidArgument,
    );
    expect(() => encodeFault('')).toThrowError(invalidArgument);
    expect(() => encodeSizedEnvelopeHeader(2 ** 31)).toThrowError(
      expect.objectContaining({ code: FramingErrorCodes.SIZE_TOO_LARGE }),
    );
  });
});

describe('streamed unsized envelope pieces', () => {
  it('start + chunk headers + end make the same bytes as encodeUnsizedEnvelope', () => {
    const a = Buffer.from('ab');
    const b = Buffer.alloc(300, 1);
    const streamed = Buffer.concat([encodeUnsizedEnvelopeStart(a.length), a, encodeUnsizedChunkHeader(b.length), b, encodeUnsizedEnvelopeEnd()]);
    expect(streamed).toEqual(encodeUnsizedEnvelope([a, b]));
    expect(encodeUnsizedEnvelopeStart()).toEqual(Buffer.from([0x05]));
  });

  it('a data chunk of zero bytes is refused, since it would end the envelope', () => {
    expect(() => encodeUnsizedChunkHeader(0)).toThrow(expect.objectContaining({ code: FramingErrorCodes.INVALID_ARGUMENT }));
    expect(() => encodeUnsizedEnvelopeStart(0)).toThrow(expect.objectContaining({ code: FramingErrorCodes.INVALID_ARGUMENT }));
  });

  it('encodeRecord writes a streamed piece as one data chunk and unsized-end as the terminator', () => {
    expect(encodeRecord({ type: 'unsized-piece', payload: Buffer.from('abc') })).toEqual(Buffer.from([3, 0x61, 0x62, 0x63]));
    expect(encodeRecord({ type: 'unsized-end' })).toEqual(Buffer.from([0]));
  });
});
