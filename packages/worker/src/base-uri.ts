import type { HostNameComparisonMode } from '@portshare/control';
import { parseVia, type ParsedVia } from '@portshare/framing';
import { WorkerError, WorkerErrorCodes } from './errors.js';

function segments(path: string): string[] {
  return path.split(/[?#]/)[0]!.split('/').filter((s) => s !== '').map((s) => s.toLowerCase());
}

/** A listener's base address and how a via is compared with it (WCF's BaseUriWithWildcard). */
export class BaseUri {
  readonly uri: string;
  readonly parsed: ParsedVia;
  readonly mode: HostNameComparisonMode;
  readonly #segments: string[];

  constructor(uri: string, mode: HostNameComparisonMode) {
    let parsed: ParsedVia;
    try {
      parsed = parseVia(uri);
    } catch (err) {
      throw new WorkerError(WorkerErrorCodes.InvalidUri, `'${uri}' is not an absolute net.tcp URI.`, { cause: err });
    }
    if (parsed.scheme.toLowerCase() !== 'net.tcp') {
      throw new WorkerError(WorkerErrorCodes.InvalidUri, `'${uri}' is not a net.tcp URI; use net.tcp://host:port/path.`);
    }
    if (Buffer.byteLength(uri) > 2048) {
      throw new WorkerError(WorkerErrorCodes.UriTooLong, `The base URI is ${Buffer.byteLength(uri)} bytes; the limit is 2048 (MaxViaSize).`);
    }
    this.uri = uri;
    this.parsed = parsed;
    this.mode = mode;
    this.#segments = segments(parsed.path);
  }

  /**
   * Does a via belong to this listener? Path: whole-segment prefix, case-insensitive (WCF's
   * UriPrefixTable). Host: ignored for the wildcard modes, equal for Exact. Port: equal (the daemon
   * already routed on the local port; a direct listener accepts only its own port).
   */
  matches(via: ParsedVia): boolean {
    if (via.scheme.toLowerCase() !== 'net.tcp' || via.port !== this.parsed.port) return false;
    if (this.mode === 'Exact' && via.host.toLowerCase() !== this.parsed.host.toLowerCase()) return false;
    const theirs = segments(via.path);
    if (theirs.length < this.#segments.length) return false;
    return this.#segments.every((s, i) => theirs[i] === s);
  }
}
