/**
 * Parsing of the Via record's URI.
 *
 * WCF requires the via to parse as an absolute `System.Uri` (FramingDecoders.cs
 * `ViaStringDecoder.OnComplete`). We use the WHATWG URL parser and then fill in what it leaves out
 * compared with .NET: the scheme's default port (a Node `URL` has an empty port for
 * `net.tcp://host/x`, .NET knows net.tcp's default is 808) and "/" for an empty path. What that
 * parser would silently delete, trim or replace (C0 controls, DEL, lone surrogates, leading and
 * trailing white space) is refused first, so a via routes as the bytes the peer sent read.
 *
 * @module
 */

import { FramingError, FramingErrorCodes } from './errors.js';
import { NET_TCP_DEFAULT_PORT } from './records.js';

/** A via URI split into the parts routing needs. */
export interface ParsedVia {
  /** The via exactly as received. */
  uri: string;
  /** Lower-case scheme without the colon, e.g. `net.tcp`. */
  scheme: string;
  /** Lower-case host; IPv6 literals keep their brackets (`[::1]`). Empty when the URI has none. */
  host: string;
  /** The explicit port, else the scheme's default (808 for net.tcp), else -1 as in .NET. */
  port: number;
  /** The escaped absolute path, e.g. `/calculator/4381`; "/" when the URI has no path. */
  path: string;
}

// Default ports .NET's UriParser knows for the schemes a via can plausibly carry (_UriSyntax.cs);
// net.tcp's is TcpUri.DefaultPort. Other schemes get -1, .NET's "no default port".
const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  'net.tcp': NET_TCP_DEFAULT_PORT,
  http: 80,
  https: 443,
  ws: 80,
  wss: 443,
  ftp: 21,
};

/**
 * Parses a via URI. Throws FramingError `NMF_ERR_VIA_NOT_URI` when it is not an absolute URI,
 * with WCF's text "The framing via ({0}) is not a valid URI.".
 */
export function parseVia(uri: string): ParsedVia {
  return parseViaAt(uri, undefined);
}

/**
 * {@link parseVia} for the decoder, which knows where in the stream the via ended.
 * @internal
 */
export function parseViaAt(uri: string, position: number | undefined): ParsedVia {
  // Checked before the URL parser sees the string: it deletes tab, LF and CR wherever they are,
  // trims C0 controls at either end and turns a lone surrogate into U+FFFD (WHATWG URL Standard,
  // "basic URL parser" and USVString conversion), so "/app/ad<TAB>min" would route as "/app/admin"
  // while anything that reads the bytes sees another path. A WCF client never sends one: it writes
  // the via as `Via.AbsoluteUri` (ClientFramingDuplexSessionChannel.CreatePreamble), escaped.
  const bad = forbiddenAt(uri);
  if (bad !== -1) {
    throw viaNotUri(uri, undefined, position, `It holds U+${hex4(uri.charCodeAt(bad)).toUpperCase()} at index ${bad}, which a client must percent-encode.`);
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch (cause) {
    throw viaNotUri(uri, cause, position);
  }
  // URL accepts leading/trailing C0 controls and spaces by trimming them; System.Uri would parse
  // something different from what the peer sent, so we reject such input instead of guessing.
  if (uri !== uri.trim()) throw viaNotUri(uri, undefined, position);
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  const port = url.port === '' ? (DEFAULT_PORTS[scheme] ?? -1) : Number(url.port);
  return {
    uri,
    scheme,
    host: url.hostname.toLowerCase(),
    port,
    path: url.pathname === '' ? '/' : url.pathname,
  };
}

/**
 * The index of the first C0 control, DEL or lone surrogate in `uri`, else -1: what the URL parser
 * would drop or replace rather than reject. (Spaces and the other characters it percent-encodes
 * are left to it: System.Uri escapes them the same way, so both read the same path.)
 */
function forbiddenAt(uri: string): number {
  for (let i = 0; i < uri.length; i++) {
    const c = uri.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || isLoneSurrogate(uri, i)) return i;
  }
  return -1;
}

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/** Is `s[i]` half of no surrogate pair? (charCodeAt out of range is NaN: neither half.) */
function isLoneSurrogate(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (isHigh(c)) return !isLow(s.charCodeAt(i + 1));
  return isLow(c) && !isHigh(s.charCodeAt(i - 1));
}

const hex4 = (code: number): string => code.toString(16).padStart(4, '0');

/** The via as it may appear in a message or a log line: C0, DEL, C1 and lone surrogates as `\uXXXX`. */
function printable(uri: string): string {
  let out = '';
  for (let i = 0; i < uri.length; i++) {
    const c = uri.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || isLoneSurrogate(uri, i)) {
      out += `\\u${hex4(c)}`;
    } else {
      out += uri[i];
    }
  }
  return out;
}

/** @internal The decoder's error for via bytes that are not UTF-8; `shown` is a lossy decoding. */
export function viaNotUtf8(shown: string, position: number | undefined): FramingError {
  return viaNotUri(shown, undefined, position, 'Its bytes are not valid UTF-8.');
}

function viaNotUri(uri: string, cause: unknown, position: number | undefined, why?: string): FramingError {
  // WCF's text first ("The framing via ({0}) is not a valid URI."), then what to do.
  return new FramingError(
    FramingErrorCodes.VIA_NOT_URI,
    `The framing via (${printable(uri)}) is not a valid URI.${why === undefined ? '' : ` ${why}`} The client must send an absolute URI such as net.tcp://host:port/path.`,
    { cause, position },
  );
}
