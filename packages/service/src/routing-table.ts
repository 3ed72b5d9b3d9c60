import { isIP } from 'node:net';
import type { HostNameComparisonMode } from '@portshare/control';

/**
 * SMSvcHost's routing table (docs/protocol.md §3; [SMS] RoutingTable.cs, [RS] UriPrefixTable.cs):
 * keys are `[scheme, host-segment, port, ...path segments]`, compared case-insensitively
 * (StringComparer.OrdinalIgnoreCase), and a lookup returns the deepest registered prefix of the
 * via on whole segments. Empty segments are skipped, so duplicate and trailing slashes do not
 * matter; the query and fragment are ignored.
 *
 * UriPrefixTable walks a trie one segment at a time. Here each origin (scheme, host segment, port)
 * holds one hash map from the canonical path (lowercased segments joined by '/') to its route,
 * and a lookup probes the via's prefixes from the longest, trying only the segment counts some
 * route has: same answers, but with 10,000 services a lookup touches one or two map entries
 * instead of a chain of trie nodes scattered through the heap (docs/benchmarks.md, route lookups).
 *
 * Two departures from SMSvcHost, both so that a connection reaches only what it could reach by
 * the port it arrived on (issue #13):
 *
 * - UriPrefixTable.GetSegments writes the host segment as "+" for StrongWildcard, "*" for
 *   WeakWildcard and the host itself for Exact, in one trie, so an Exact lookup of a via whose
 *   host is "+" or "*" lands on the wildcard registrations, and an Exact registration on the host
 *   "+" takes the StrongWildcard node. Here each comparison mode has its own origins: "+" and "*"
 *   are host names like any other.
 * - The port rule: see {@link RoutingTable.lookup}.
 */

export interface RouteKey {
  scheme: string;
  /** Host as written in the URI (brackets stripped for IPv6). */
  host: string;
  port: number;
  /** Escaped absolute path. */
  path: string;
}

export interface RouteEntry<T> {
  value: T;
  mode: HostNameComparisonMode;
  host: string;
}

/**
 * A route as stored: with the local address it requires worked out when it is added, so a lookup
 * compares two strings instead of parsing the registered host.
 */
interface StoredRoute<T> extends RouteEntry<T> {
  /** The expanded IP literal the accepting socket's address must equal; undefined: any address. */
  readonly requiredAddress: string | undefined;
}

/** The routes under one scheme, host segment and port. */
interface Origin<T> {
  readonly routes: Map<string, StoredRoute<T>>;
  /** depthCounts[d]: how many routes have d path segments; lookups skip the counts no route has. */
  readonly depthCounts: number[];
}

/** The path's non-empty segments, lowercased, without the query and fragment. */
export function pathSegments(path: string): string[] {
  let end = path.length;
  const q = path.indexOf('?');
  if (q !== -1) end = q;
  const f = path.indexOf('#');
  if (f !== -1 && f < end) end = f;
  const segs = path.slice(0, end).toLowerCase().split('/');
  let n = 0;
  for (const s of segs) if (s !== '') segs[n++] = s;
  segs.length = n;
  return segs;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function normalizeAddress(address: string): string {
  const a = address.toLowerCase();
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

/**
 * An origin's key within its mode: scheme and port, and for Exact the lowercased host. A scheme
 * and a port hold no '/', and the host comes last, so no two origins share a key.
 */
function originKey(mode: HostNameComparisonMode, scheme: string, port: number, host: string): string {
  return mode === 'Exact' ? `${scheme}/${port}/${host}` : `${scheme}/${port}`;
}

export class RoutingTable<T> {
  /** The origins of each comparison mode, apart: no host name can reach a wildcard origin. */
  readonly #origins: Readonly<Record<HostNameComparisonMode, Map<string, Origin<T>>>> = {
    StrongWildcard: new Map(),
    Exact: new Map(),
    WeakWildcard: new Map(),
  };
  #size = 0;

  get size(): number {
    return this.#size;
  }

  #place(key: RouteKey, mode: HostNameComparisonMode): { origins: Map<string, Origin<T>>; origin: string; path: string; depth: number } {
    const segs = pathSegments(key.path);
    return {
      origins: this.#origins[mode],
      origin: originKey(mode, key.scheme.toLowerCase(), key.port, stripBrackets(key.host).toLowerCase()),
      path: segs.join('/'),
      depth: segs.length,
    };
  }

  /** Adds a route; returns false when that exact node (same URI and comparison mode) is taken. */
  add(key: RouteKey, mode: HostNameComparisonMode, value: T): boolean {
    const at = this.#place(key, mode);
    let origin = at.origins.get(at.origin);
    if (origin === undefined) {
      origin = { routes: new Map(), depthCounts: [] };
      at.origins.set(at.origin, origin);
    }
    if (origin.routes.has(at.path)) return false;
    const host = stripBrackets(key.host);
    origin.routes.set(at.path, { value, mode, host, requiredAddress: requiredAddress(host) });
    while (origin.depthCounts.length <= at.depth) origin.depthCounts.push(0);
    origin.depthCounts[at.depth]!++;
    this.#size++;
    return true;
  }

  /** Removes the route if it holds `value`; forgets origins left empty. */
  remove(key: RouteKey, mode: HostNameComparisonMode, value: T): boolean {
    const at = this.#place(key, mode);
    const origin = at.origins.get(at.origin);
    if (origin?.routes.get(at.path)?.value !== value) return false;
    origin.routes.delete(at.path);
    origin.depthCounts[at.depth]!--;
    while (origin.depthCounts.length > 0 && origin.depthCounts[origin.depthCounts.length - 1] === 0) origin.depthCounts.pop();
    if (origin.routes.size === 0) at.origins.delete(at.origin);
    this.#size--;
    return true;
  }

  /** The value at that exact node (same URI and comparison mode), if any. */
  get(key: RouteKey, mode: HostNameComparisonMode): T | undefined {
    const at = this.#place(key, mode);
    return at.origins.get(at.origin)?.routes.get(at.path)?.value;
  }

  /** Is that exact node registered (WCF UriPrefixTable.IsRegistered)? */
  has(key: RouteKey, mode: HostNameComparisonMode): boolean {
    const at = this.#place(key, mode);
    return at.origins.get(at.origin)?.routes.has(at.path) ?? false;
  }

  /** The deepest route under `origin` whose path is a prefix of `segs` on whole segments. */
  #deepest(origin: Origin<T> | undefined, segs: readonly string[]): StoredRoute<T> | undefined {
    if (origin === undefined) return undefined;
    const counts = origin.depthCounts;
    for (let d = Math.min(segs.length, counts.length - 1); d >= 0; d--) {
      if (counts[d] === 0) continue;
      const hit = origin.routes.get(d === segs.length ? segs.join('/') : segs.slice(0, d).join('/'));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  /**
   * SMSvcHost's lookup order ([SMS] RoutingTable.Lookup): StrongWildcard, then Exact, then
   * WeakWildcard. After each step an IP-literal registration must match the local address (or be
   * an any address), else that step is a miss. So comparison mode outranks path length.
   *
   * Only registrations on `localPort`, the port the connection arrived on, can match. SMSvcHost
   * looks the wildcard steps up with the via rebuilt on the accepting port ("to support TCP
   * proxy"), so a via naming another port still reaches the accepting port's wildcard
   * registrations, as here. But its Exact step looks the via up as sent, on the via's own port,
   * in a table that holds every port: a client of port A reaches an Exact registration on port B
   * by naming B, around whatever made B reachable only to some (a firewall rule, a listener on
   * one address). Here the Exact step runs only when the via names the local port.
   */
  lookup(via: RouteKey, localAddress: string, localPort: number): RouteEntry<T> | undefined {
    const segs = pathSegments(via.path);
    const scheme = via.scheme.toLowerCase();
    let local: string | undefined;
    const accept = (hit: StoredRoute<T> | undefined): boolean =>
      hit !== undefined && (hit.requiredAddress === undefined || hit.requiredAddress === (local ??= expandAddress(localAddress)));
    const strong = this.#deepest(this.#origins.StrongWildcard.get(originKey('StrongWildcard', scheme, localPort, '')), segs);
    if (accept(strong)) return strong;
    if (via.port === localPort) {
      const host = stripBrackets(via.host).toLowerCase();
      const exact = this.#deepest(this.#origins.Exact.get(originKey('Exact', scheme, localPort, host)), segs);
      if (accept(exact)) return exact;
    }
    const weak = this.#deepest(this.#origins.WeakWildcard.get(originKey('WeakWildcard', scheme, localPort, '')), segs);
    if (accept(weak)) return weak;
    return undefined;
  }

  *entries(): IterableIterator<RouteEntry<T>> {
    for (const origins of Object.values(this.#origins)) for (const origin of origins.values()) yield* origin.routes.values();
  }
}

/**
 * The local address a route registered on `host` requires: none for a host name or an any
 * address, else the literal in one canonical form (IPv4-mapped IPv6 as IPv4, IPv6 expanded).
 */
function requiredAddress(host: string): string | undefined {
  if (isIP(host) === 0) return undefined;
  const a = expandAddress(host);
  return a === '0.0.0.0' || a === '0:0:0:0:0:0:0:0' ? undefined : a;
}

function expandAddress(address: string): string {
  return expandV6(normalizeAddress(address));
}

function expandV6(a: string): string {
  if (isIP(a) !== 6) return a;
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((x) => x.replace(/^0+(?=.)/, '')).join(':');
}
