import { describe, expect, it } from 'vitest';
import { FramingError, FramingErrorCodes } from './errors.js';
import { parseVia } from './via.js';

describe('parseVia', () => {
  it('splits the sample via', () => {
    expect(parseVia('net.tcp://localhost:9000/calculator/4381')).toEqual({
      uri: 'net.tcp://localhost:9000/calculator/4381',
      scheme: 'net.tcp',
      host: 'localhost',
      port: 9000,
      path: '/calculator/4381',
    });
  });

  it('defaults the net.tcp port to 808, which URL leaves empty', () => {
    expect(parseVia('net.tcp://localhost/MyService').port).toBe(808);
    expect(parseVia('net.tcp://localhost:808/MyService').port).toBe(808);
  });

  it('knows the default ports of other schemes, and -1 for unknown ones', () => {
    expect(parseVia('http://example.org/x').port).toBe(80);
    expect(parseVia('https://example.org/x').port).toBe(443);
    expect(parseVia('net.pipe://localhost/x').port).toBe(-1);
  });

  it('lower-cases scheme and host, keeps the path escaped and drops query and fragment', () => {
    const via = parseVia('NET.TCP://LocalHost:9000/Calc%20Service/a b?x=1#frag');
    expect(via.scheme).toBe('net.tcp');
    expect(via.host).toBe('localhost');
    expect(via.path).toBe('/Calc%20Service/a%20b');
  });

  it('gives "/" for an empty path and keeps IPv6 brackets', () => {
    expect(parseVia('net.tcp://host').path).toBe('/');
    expect(parseVia('net.tcp://[::1]:9000/x')).toMatchObject({ host: '[::1]', port: 9000 });
    expect(parseVia('net.tcp://127.0.0.1/x').host).toBe('127.0.0.1');
  });

  it.each(['', 'localhost/MyService', '/calculator', 'net.tcp://host:99999/x', ' net.tcp://host/x', 'net.tcp://host/x\n'])(
    'rejects %j as not an absolute URI',
    (uri) => {
      try {
        parseVia(uri);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(FramingError);
        expect((error as FramingError).code).toBe(FramingErrorCodes.VIA_NOT_URI);
        expect((error as FramingError).message).toContain(`The framing via (${uri}) is not a valid URI.`);
      }
    },
  );
});
