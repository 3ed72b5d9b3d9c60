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

  it.each(['', 'localhost/MyService', '/calculator', 'net.tcp://host:99999/x', ' net.tcp://host/x'])(
    'rejects %j as not an absolute URI',
    (uri) => {
      const error = rejection(uri);
      expect(error.message).toContain(`The framing via (${uri}) is not a valid URI.`);
    },
  );

  // The WHATWG URL parser deletes tab, LF and CR anywhere and trims C0 controls at either end, so
  // without this check each of these would route as net.tcp://localhost:9000/app/admin.
  it.each([
    ['a tab in the path', 'net.tcp://localhost:9000/app/ad\tmin', 'ad\\u0009min', 31],
    ['a line feed in the path', 'net.tcp://localhost:9000/app/ad\nmin', 'ad\\u000amin', 31],
    ['a carriage return in the path', 'net.tcp://localhost:9000/app/ad\rmin', 'ad\\u000dmin', 31],
    ['a tab in the host', 'net.tcp://local\thost:9000/app/admin', 'local\\u0009host', 15],
    ['a tab in the scheme', 'net.t\tcp://localhost:9000/app/admin', 'net.t\\u0009cp', 5],
    ['a trailing NUL', 'net.tcp://localhost:9000/app/admin\0', 'admin\\u0000', 34],
    ['a trailing line feed', 'net.tcp://localhost:9000/app/admin\n', 'admin\\u000a', 34],
    ['a leading NUL', '\0net.tcp://localhost:9000/app/admin', '(\\u0000net.tcp', 0],
    ['an escape in the query', 'net.tcp://localhost:9000/app/admin?\x1b[2J', '?\\u001b[2J', 35],
    ['a DEL', 'net.tcp://localhost:9000/app/ad\x7fmin', 'ad\\u007fmin', 31],
    ['a lone surrogate', 'net.tcp://localhost:9000/app/admin\ud800', 'admin\\ud800', 34],
    ['a lone low surrogate', 'net.tcp://localhost:9000/app/\u{1f600}\udc00', '\u{1f600}\\udc00', 31],
  ])('rejects a via with %s, naming the character and escaping it in the message', (_name, uri, shown, index) => {
    const error = rejection(uri);
    expect(error.message).toContain('is not a valid URI');
    expect(error.message).toContain(shown);
    expect(error.message).toContain(`at index ${index}`);
    // The message never carries the raw control character into a log line.
    expect([...error.message].filter((c) => c.charCodeAt(0) < 0x20 || c === '\x7f')).toEqual([]);
  });

  it('still takes what System.Uri takes and escapes the same way: spaces, non-ASCII, paired surrogates', () => {
    expect(parseVia('net.tcp://localhost:9000/my service').path).toBe('/my%20service');
    expect(parseVia('net.tcp://localhost:9000/caf\u00e9').path).toBe('/caf%C3%A9');
    expect(parseVia('net.tcp://localhost:9000/\u{1f600}').path).toBe('/%F0%9F%98%80');
    expect(parseVia('net.tcp://localhost:9000/a%09b').path).toBe('/a%09b');
  });
});

function rejection(uri: string): FramingError {
  try {
    parseVia(uri);
  } catch (error) {
    expect(error).toBeInstanceOf(FramingError);
    expect((error as FramingError).code).toBe(FramingErrorCodes.VIA_NOT_URI);
    return error as FramingError;
  }
  return expect.unreachable(`parseVia accepted ${JSON.stringify(uri)}`);
}
