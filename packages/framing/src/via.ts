/**
 * Parsing of the Via record's URI.
 *
 * WCF requires the via to parse as an absolute `System.Uri` (FramingDecoders.cs
 * `ViaStringDecoder.OnComplete`). We use the WHATWG URL parser and then fill in what it leaves out
 * compared with .NET: the scheme's default port (a Node `URL` has an empty port for
 * `net.tcp://host/x`, .NET knows net.tcp's default is 808) and "/" for an empty path.
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

function viaNotUri(uri: string, cause: unknown, position: number | undefined): FramingError {
  return new FramingError(
    FramingErrorCodes.VIA_NOT_URI,
    `The framing via (${uri}) is not a valid URI. The client must send an absolute URI such as net.tcp://host:port/path.`,
    { cause, position },
  );
}
