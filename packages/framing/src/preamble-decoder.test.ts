import { describe, expect, it } from 'vitest';
import { encodePreamble } from './encoder.js';
import { FramingError, FramingErrorCodes } from './errors.js';
import { PreambleDecoder, type PreambleDecoderOptions } from './preamble-decoder.js';
import { FaultUri, FramingLimits } from './records.js';
import { encodeSize } from './size.js';
import { bytes, oneByteAtATime, SAMPLE_VIA, utf8 } from './testing/index.js';

const HEADER = bytes('00 01 00 01 02'); // Version 1.0, Mode duplex

function viaRecord(via: string | Buffer): Buffer {
  const raw = typeof via === 'string' ? utf8(via) : via;
  return bytes('02', encodeSize(raw.length), raw);
}

function failure(input: Uint8Array, options?: PreambleDecoderOptions): FramingError {
  const decoder = new PreambleDecoder(options);
  try {
    decoder.decode(input);
  } catch (error) {
    expect(error).toBeInstanceOf(FramingError);
    return error as FramingError;
  }
  throw new Error('expected the decoder to throw');
}

/** A via of exactly `length` UTF-8 bytes. */
function viaOfLength(length: number): string {
  const prefix = 'net.tcp://localhost/';
  return prefix + 'v'.repeat(length - prefix.length);
}

describe('PreambleDecoder stages', () => {
  it('walks version → mode → via → encoding → upgrade-or-end → complete', () => {
    const decoder = new PreambleDecoder();
    const input = encodePreamble({ via: SAMPLE_VIA });
    const seen: string[] = [decoder.stage];
    for (const chunk of oneByteAtATime(input)) {
      expect(decoder.decode(chunk)).toBe(1);
      if (seen.at(-1) !== decoder.stage) seen.push(decoder.stage);
    }
    expect(seen).toEqual(['version', 'mode', 'via', 'encoding', 'upgrade-or-end', 'complete']);
    expect(decoder.consumed).toBe(input.length);
    expect(decoder.complete).toBe(true);
  });

  it('reports via and encoding as soon as each is known (the daemon routes on them)', () => {
    const decoder = new PreambleDecoder();
    const input = encodePreamble({ via: SAMPLE_VIA });
    const viaEnd = 5 + 2 + SAMPLE_VIA.length;
    decoder.decode(input.subarray(0, viaEnd - 1));
    expect(decoder.viaKnown).toBe(false);
    expect(decoder.via).toBeUndefined();
    decoder.decode(input.subarray(viaEnd - 1, viaEnd));
    expect(decoder.viaKnown).toBe(true);
    expect(decoder.parsedVia?.path).toBe('/calculator/4381');
    expect(decoder.encodingKnown).toBe(false);
    decoder.decode(input.subarray(viaEnd, viaEnd + 2));
    expect(decoder.encodingKnown).toBe(true);
    expect(decoder.complete).toBe(false);
  });

  it('never consumes past PreambleEnd', () => {
    const decoder = new PreambleDecoder();
    const preamble = encodePreamble({ via: SAMPLE_VIA });
    const input = bytes(preamble, '06 01 41 07');
    expect(decoder.decode(input)).toBe(preamble.length);
    expect(decoder.decode(input.subarray(preamble.length))).toBe(0);
    expect(decoder.consumed).toBe(preamble.length);
  });

  it('stops at an UpgradeRequest and resumes after the upgrade', () => {
    const decoder = new PreambleDecoder();
    const preamble = encodePreamble({ via: SAMPLE_VIA, upgrade: 'application/negotiate' });
    const input = bytes(preamble, '16 03 01'); // a TLS-looking byte after the request
    expect(decoder.decode(input)).toBe(preamble.length);
    expect(decoder.stage).toBe('upgrade-requested');
    expect(decoder.upgrade).toBe('application/negotiate');
    expect(decoder.decode(bytes('0c'))).toBe(0);
    decoder.resumeAfterUpgrade();
    expect(decoder.stage).toBe('upgrade-or-end');
    // A second upgrade, then PreambleEnd, as they would arrive inside the upgraded stream.
    expect(decoder.decode(bytes('09 13', utf8('application/ssl-tls')))).toBe(21);
    expect(decoder.upgrade).toBe('application/ssl-tls');
    decoder.resumeAfterUpgrade();
    expect(decoder.decode(bytes('0c 06'))).toBe(1);
    expect(decoder.complete).toBe(true);
  });

  it('accepts an empty upgrade name (the server then answers UpgradeInvalid)', () => {
    const decoder = new PreambleDecoder();
    decoder.decode(bytes(HEADER, viaRecord(SAMPLE_VIA), '03 08 09 00'));
    expect(decoder.stage).toBe('upgrade-requested');
    expect(decoder.upgrade).toBe('');
  });

  it('resumeAfterUpgrade outside the upgrade stage is a usage error', () => {
    const decoder = new PreambleDecoder();
    expect(() => decoder.resumeAfterUpgrade()).toThrowError(
      expect.objectContaining({ code: FramingErrorCodes.INVALID_ARGUMENT }),
    );
  });

  it('modes 3 and 4 complete right after the encoding', () => {
    for (const mode of [3, 4] as const) {
      const decoder = new PreambleDecoder();
      const preamble = encodePreamble({ mode, via: SAMPLE_VIA });
      expect(decoder.decode(bytes(preamble, '0c'))).toBe(preamble.length);
      expect(decoder.complete).toBe(true);
      expect(decoder.mode).toBe(mode);
    }
  });

  it('decodes a UTF-8 via that straddles chunks inside a multi-byte character', () => {
    const via = 'net.tcp://localhost/caf\u00e9/\u6771\u4eac';
    const input = encodePreamble({ via });
    const cut = input.indexOf(0xc3) + 1; // between the two bytes of "é"
    const decoder = new PreambleDecoder();
    decoder.decode(input.subarray(0, cut));
    decoder.decode(input.subarray(cut));
    expect(decoder.via).toBe(via);
    expect(decoder.parsedVia?.path).toBe('/caf%C3%A9/%E6%9D%B1%E4%BA%AC');
  });

  it('reset() readies the decoder for the next preamble on a pooled connection', () => {
    const decoder = new PreambleDecoder();
    decoder.decode(encodePreamble({ via: SAMPLE_VIA }));
    decoder.reset();
    expect(decoder.stage).toBe('version');
    expect(decoder.consumed).toBe(0);
    expect(decoder.via).toBeUndefined();
    expect(decoder.version).toBeUndefined();
    decoder.decode(encodePreamble({ mode: 1, via: 'net.tcp://other/x' }));
    expect(decoder.mode).toBe(1);
    expect(decoder.parsedVia?.host).toBe('other');
  });

  it('keeps failing with the same error after bad input, until reset', () => {
    const decoder = new PreambleDecoder();
    let first: unknown;
    try {
      decoder.decode(bytes('00 09'));
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(FramingError);
    expect(() => decoder.decode(bytes('00'))).toThrow(first as Error);
    expect(() => decoder.end()).toThrow(first as Error);
    decoder.reset();
    expect(decoder.decode(bytes('00 01 00'))).toBe(3);
  });

  it('accepts empty chunks in every stage', () => {
    const decoder = new PreambleDecoder();
    for (const chunk of oneByteAtATime(encodePreamble({ via: SAMPLE_VIA }))) {
      expect(decoder.decode(Buffer.alloc(0))).toBe(0);
      decoder.decode(chunk);
    }
    expect(decoder.complete).toBe(true);
  });

  it('accepts a plain Uint8Array', () => {
    const decoder = new PreambleDecoder();
    const input = new Uint8Array(encodePreamble({ via: SAMPLE_VIA }));
    expect(decoder.decode(input)).toBe(input.length);
    expect(decoder.via).toBe(SAMPLE_VIA);
  });
});

describe('PreambleDecoder end of stream', () => {
  it('an EOF before any byte is quiet (an idle pooled connection closing)', () => {
    expect(() => new PreambleDecoder().end()).not.toThrow();
  });

  it('an EOF inside the preamble is NMF_ERR_PREMATURE_EOF', () => {
    const decoder = new PreambleDecoder();
    decoder.decode(bytes(HEADER, '02 28 6e'));
    expect(() => decoder.end()).toThrowError(
      expect.objectContaining({ code: FramingErrorCodes.PREMATURE_EOF, position: 8 }),
    );
  });

  it('an EOF after the preamble or at an upgrade is fine', () => {
    const complete = new PreambleDecoder();
    complete.decode(encodePreamble({ via: SAMPLE_VIA }));
    expect(() => complete.end()).not.toThrow();
    const upgrading = new PreambleDecoder();
    upgrading.decode(encodePreamble({ via: SAMPLE_VIA, upgrade: 'application/ssl-tls' }));
    expect(() => upgrading.end()).not.toThrow();
  });
});

describe('PreambleDecoder limits (each at and one past the edge)', () => {
  it('via: 2048 bytes pass, 2049 fail with ViaTooLong before any via byte is read', () => {
    const atLimit = new PreambleDecoder();
    const via = viaOfLength(FramingLimits.maxViaBytes);
    atLimit.decode(bytes(HEADER, viaRecord(via), '03 08 0c'));
    expect(atLimit.via).toBe(via);
    expect(atLimit.bufferedBytes).toBe(0);

    // Only the record type and the size: the limit trips before the bytes arrive.
    const error = failure(bytes(HEADER, '02', encodeSize(2049)));
    expect(error.code).toBe(FramingErrorCodes.VIA_TOO_LONG);
    expect(error.faultUri).toBe(FaultUri.ViaTooLong);
    expect(error.message).toContain('The framing via size (2049) exceeds the quota.');
  });

  it('via limit is an option', () => {
    const via = viaOfLength(30);
    const ok = new PreambleDecoder({ maxViaBytes: 30 });
    ok.decode(bytes(HEADER, viaRecord(via)));
    expect(ok.via).toBe(via);
    expect(failure(bytes(HEADER, viaRecord(viaOfLength(31))), { maxViaBytes: 30 }).code).toBe(
      FramingErrorCodes.VIA_TOO_LONG,
    );
  });

  it('content type: 256 bytes pass, 257 fail with ContentTypeTooLong', () => {
    const ok = new PreambleDecoder();
    const contentType = 'c'.repeat(256);
    ok.decode(bytes(HEADER, viaRecord(SAMPLE_VIA), '04', encodeSize(256), utf8(contentType), '0c'));
    expect(ok.encoding).toEqual({ known: undefined, contentType });
    expect(ok.complete).toBe(true);

    const error = failure(bytes(HEADER, viaRecord(SAMPLE_VIA), '04', encodeSize(257)));
    expect(error.code).toBe(FramingErrorCodes.CONTENT_TYPE_TOO_LONG);
    expect(error.faultUri).toBe(FaultUri.ContentTypeTooLong);
  });

  it('content type limit is an option', () => {
    const ok = new PreambleDecoder({ maxContentTypeBytes: 4 });
    ok.decode(bytes(HEADER, viaRecord(SAMPLE_VIA), '04 04', utf8('a/bc')));
    expect(ok.encoding?.contentType).toBe('a/bc');
    const input = bytes(HEADER, viaRecord(SAMPLE_VIA), '04 05', utf8('a/bcd'));
    expect(failure(input, { maxContentTypeBytes: 4 }).code).toBe(FramingErrorCodes.CONTENT_TYPE_TOO_LONG);
  });

  it('upgrade name: 256 bytes pass, 257 fail', () => {
    const ok = new PreambleDecoder();
    ok.decode(bytes(HEADER, viaRecord(SAMPLE_VIA), '03 08 09', encodeSize(256), utf8('u'.repeat(256))));
    expect(ok.upgrade).toBe('u'.repeat(256));

    const error = failure(bytes(HEADER, viaRecord(SAMPLE_VIA), '03 08 09', encodeSize(257)));
    expect(error.code).toBe(FramingErrorCodes.UPGRADE_TOO_LONG);
    expect(error.faultUri).toBe(FaultUri.ContentTypeTooLong);
  });

  it('upgrade limit is an option', () => {
    const input = bytes(HEADER, viaRecord(SAMPLE_VIA), '03 08 09 13', utf8('application/ssl-tls'));
    expect(failure(input, { maxUpgradeBytes: 18 }).code).toBe(FramingErrorCodes.UPGRADE_TOO_LONG);
    const ok = new PreambleDecoder({ maxUpgradeBytes: 19 });
    ok.decode(input);
    expect(ok.upgrade).toBe('application/ssl-tls');
  });

  it('buffers no more than the record being read, even byte by byte', () => {
    const decoder = new PreambleDecoder();
    const via = viaOfLength(2048);
    let peak = 0;
    for (const chunk of oneByteAtATime(bytes(HEADER, viaRecord(via), '03 08 0c'))) {
      decoder.decode(chunk);
      peak = Math.max(peak, decoder.bufferedBytes);
    }
    expect(decoder.via).toBe(via);
    expect(peak).toBeLessThanOrEqual(2048);
    expect(peak).toBeGreaterThan(0);
  });

  it('rejects invalid limit options', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 31]) {
      expect(() => new PreambleDecoder({ maxViaBytes: bad })).toThrowError(
        expect.objectContaining({ code: FramingErrorCodes.INVALID_ARGUMENT }),
      );
    }
  });
});

describe('PreambleDecoder grammar checks', () => {
  it('names the expected and found record types as WCF does', () => {
    const error = failure(bytes('01 02'));
    expect(error.code).toBe(FramingErrorCodes.RECORD_TYPE_MISMATCH);
    expect(error.message).toContain("Expected record type 'Version', found 'Mode'.");
    const other = failure(bytes(HEADER, viaRecord(SAMPLE_VIA), 'ff'));
    expect(other.message).toContain("Expected record type 'ExtensibleEncoding', found '255'.");
  });

  it('only the major version matters', () => {
    const decoder = new PreambleDecoder();
    decoder.decode(bytes('00 01 ff 01 02'));
    expect(decoder.version).toEqual({ major: 1, minor: 255 });
    const error = failure(bytes('00 00'));
    expect(error.code).toBe(FramingErrorCodes.UNSUPPORTED_VERSION);
    expect(error.message).toContain('Framing major version 0 is not supported.');
  });

  it('modes 1..4 pass and others fail with UnsupportedMode', () => {
    for (const mode of [1, 2, 3, 4]) {
      const decoder = new PreambleDecoder();
      decoder.decode(bytes('00 01 00 01', mode.toString(16).padStart(2, '0')));
      expect(decoder.mode).toBe(mode);
    }
    for (const mode of [0, 5, 0xff]) {
      const error = failure(bytes('00 01 00 01', mode.toString(16).padStart(2, '0')));
      expect(error.code).toBe(FramingErrorCodes.UNSUPPORTED_MODE);
      expect(error.faultUri).toBe(FaultUri.UnsupportedMode);
      expect(error.message).toContain(`Framing mode ${mode} is not supported.`);
    }
  });

  it('after the encoding, a byte other than 0x09 must be PreambleEnd', () => {
    const error = failure(bytes(HEADER, viaRecord(SAMPLE_VIA), '03 08 07'));
    expect(error.code).toBe(FramingErrorCodes.RECORD_TYPE_MISMATCH);
    expect(error.message).toContain("Expected record type 'PreambleEnd', found 'End'.");
  });

  it('rejects a via that is not an absolute URI, at the end of the via', () => {
    const error = failure(bytes(HEADER, viaRecord('calculator/4381')));
    expect(error.code).toBe(FramingErrorCodes.VIA_NOT_URI);
    expect(error.position).toBe(HEADER.length + 2 + 'calculator/4381'.length);
  });
});

describe('PreambleDecoder via bytes (decoded as strict UTF-8, no control characters)', () => {
  const VIA = 'net.tcp://localhost:9000/app/admin';

  /** Fails `input` whole, split at every byte, and one byte at a time; all three must agree. */
  function failsEveryWay(input: Buffer): FramingError {
    const whole = failure(input);
    for (const chunks of [oneByteAtATime(input), [input.subarray(0, input.length - 3), input.subarray(input.length - 3)]]) {
      const decoder = new PreambleDecoder();
      let error: unknown;
      try {
        for (const chunk of chunks) decoder.decode(chunk);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(FramingError);
      expect((error as FramingError).code).toBe(whole.code);
      expect((error as FramingError).position).toBe(whole.position);
      expect(decoder.via).toBeUndefined();
      expect(decoder.parsedVia).toBeUndefined();
      expect(decoder.viaKnown).toBe(false);
    }
    return whole;
  }

  // Each would decode, with a replacement character, to a via under /app/admin.
  it.each([
    ['a lone 0xFF', 'ff'],
    ['an overlong "/" (C0 AF)', 'c0 af'],
    ['a sequence cut short (E2 82)', 'e2 82'],
    ['an encoded surrogate (ED A0 80)', 'ed a0 80'],
    ['a code point past U+10FFFF (F4 90 80 80)', 'f4 90 80 80'],
    ['a lone continuation byte (80)', '80'],
  ])('rejects invalid UTF-8: %s, at the end of the via', (_name, bad) => {
    const raw = bytes(utf8(`${VIA}/`), bad);
    const error = failsEveryWay(bytes(HEADER, viaRecord(raw), '03 08 0c'));
    expect(error.code).toBe(FramingErrorCodes.VIA_NOT_URI);
    expect(error.message).toContain('Its bytes are not valid UTF-8.');
    expect(error.position).toBe(HEADER.length + 2 + raw.length);
  });

  it('keeps a byte order mark instead of dropping it, so the via is refused', () => {
    const error = failsEveryWay(bytes(HEADER, viaRecord(bytes('ef bb bf', utf8(VIA))), '03 08 0c'));
    expect(error.code).toBe(FramingErrorCodes.VIA_NOT_URI);
  });

  it.each([
    ['tab', 'net.tcp://localhost:9000/app/ad\tmin'],
    ['line feed', 'net.tcp://localhost:9000/app/ad\nmin'],
    ['carriage return', 'net.tcp://localhost:9000/app/ad\rmin'],
    ['trailing NUL', `${VIA}\0`],
    ['DEL', 'net.tcp://localhost:9000/app/admin/\x7f'],
  ])('rejects a via with a %s, which the URL parser would have cleaned into one that routes', (_name, via) => {
    const error = failsEveryWay(bytes(HEADER, viaRecord(via), '03 08 0c'));
    expect(error.code).toBe(FramingErrorCodes.VIA_NOT_URI);
    expect(error.faultUri).toBeUndefined();
    expect(error.position).toBe(HEADER.length + 2 + Buffer.byteLength(via));
  });

  it('decodes multi-byte UTF-8 split across chunks, and stays usable after reset()', () => {
    const via = 'net.tcp://localhost:9000/caf\u00e9/\u{1f600}';
    const input = bytes(HEADER, viaRecord(via), '03 08 0c');
    const decoder = new PreambleDecoder();
    for (const chunk of oneByteAtATime(input)) decoder.decode(chunk);
    expect(decoder.via).toBe(via);
    expect(decoder.parsedVia?.path).toBe('/caf%C3%A9/%F0%9F%98%80');
    decoder.reset();
    expect(() => decoder.decode(bytes(HEADER, viaRecord(bytes(utf8(VIA), 'ff')), '03 08 0c'))).toThrow(FramingError);
    decoder.reset();
    decoder.decode(bytes(HEADER, viaRecord(VIA), '03 08 0c'));
    expect(decoder.complete).toBe(true);
    expect(decoder.parsedVia?.path).toBe('/app/admin');
  });
});
