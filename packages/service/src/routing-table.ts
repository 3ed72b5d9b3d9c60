import { isIP } from 'node:net';
import type { HostNameComparisonMode } from '@portshare/control';

/**
 * SMSvcHost's routing table (wcf-port-sharing notes §2.2; [SMS] RoutingTable.cs, [RS] UriPrefixTable.cs):
 * a trie over `[scheme, host-segment, port, ...path segments]`, compared case-insensitively
 * (StringComparer.OrdinalIgnoreCase), returning the deepest registered node on the path, so the
 * match is a longest prefix on whole segments. Empty segments are skipped, so duplicate and
 * trailing slashes do not matter; the query and fragment are ignored.
 */

export interface RouteKey {
  scheme: string;
  /** Host as written in the URI (brackets stripped for IPv6). */
  host: string;
  port: number;
  /** Escaped absolute path. */
  path: string;
}

interface Node<T> {
  children: Map<string, Node<T>> | undefined;
  value: T | undefined;
}

export interface RouteEntry<T> {
  value: T;
  mode: HostNameComparisonMode;
  host: string;
}

const HOST_SEGMENT: Record<HostNameComparisonMode, (host: string) => string> = {
  StrongWildcard: () => '+',
  Exact: (host) => host.toLowerCase(),
  WeakWildcard: () => '*',
};

export function pathSegments(path: string): string[] {
  const q = path.search(/[?#]/);
  const p = q === -1 ? path : path.slice(0, q);
  return p.split('/').filter((s) => s !== '').map((s) => s.toLowerCase());
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function normalizeAddress(address: string): string {
  const a = address.toLowerCase();
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

export class RoutingTable<T> {
  readonly #root: Node<RouteEntry<T>> = { children: undefined, value: undefined };
  #size = 0;

  get size(): number {
    return this.#size;
  }

  #keyOf(key: RouteKey, mode: HostNameComparisonMode): string[] {
    return [key.scheme.toLowerCase(), HOST_SEGMENT[mode](stripBrackets(key.host)), String(key.port), ...pathSegments(key.path)];
  }

  /** Adds a route; returns false when that exact node (same URI and comparison mode) is taken. */
  add(key: RouteKey, mode: HostNameComparisonMode, value: T): boolean {
    let node = this.#root;
    for (const seg of this.#keyOf(key, mode)) {
      node.children ??= new Map();
      let next = node.children.get(seg);
      if (!next) {
        next = { children: undefined, value: undefined };
        node.children.set(seg, next);
      }
      node = next;
    }
    if (node.value !== undefined) return false;
    node.value = { value, mode, host: stripBrackets(key.host) };
    this.#size++;
    return true;
  }

  /** Removes the route if it holds `value`; prunes empty branches. */
  remove(key: RouteKey, mode: HostNameComparisonMode, value: T): boolean {
    const segs = this.#keyOf(key, mode);
    const trail: [Node<RouteEntry<T>>, string][] = [];
    let node = this.#root;
    for (const seg of segs) {
      const next = node.children?.get(seg);
      if (!next) return false;
      trail.push([node, seg]);
      node = next;
    }
    if (node.value?.value !== value) return false;
    node.value = undefined;
    this.#size--;
    for (let i = trail.length - 1; i >= 0; i--) {
      const [parent, seg] = trail[i]!;
      const child = parent.children!.get(seg)!;
      if (child.value !== undefined || (child.children && child.children.size > 0)) break;
      parent.children!.delete(seg);
    }
    return true;
  }

  /** Is that exact node registered (WCF UriPrefixTable.IsRegistered)? */
  has(key: RouteKey, mode: HostNameComparisonMode): boolean {
    let node: Node<RouteEntry<T>> | undefined = this.#root;
    for (const seg of this.#keyOf(key, mode)) {
      node = node.children?.get(seg);
      if (!node) return false;
    }
    return node.value !== undefined;
  }

  #deepest(segs: string[]): RouteEntry<T> | undefined {
    let node: Node<RouteEntry<T>> | undefined = this.#root;
    let best: RouteEntry<T> | undefined;
    for (const seg of segs) {
      node = node.children?.get(seg);
      if (!node) break;
      if (node.value !== undefined) best = node.value;
    }
    return best;
  }

  /**
   * SMSvcHost's lookup order ([SMS] RoutingTable.Lookup): StrongWildcard with the via rebuilt on the
   * accepting socket's local port, then Exact with the via as sent, then WeakWildcard on the local
   * port. After each step an IP-literal registration must match the local address (or be an any
   * address), else that step is a miss. So comparison mode outranks path length.
   */
  lookup(via: RouteKey, localAddress: string, localPort: number): RouteEntry<T> | undefined {
    const path = pathSegments(via.path);
    const scheme = via.scheme.toLowerCase();
    const local = normalizeAddress(localAddress);
    const steps: [string, number][] = [
      ['+', localPort],
      [stripBrackets(via.host).toLowerCase(), via.port],
      ['*', localPort],
    ];
    for (const [hostSeg, port] of steps) {
      const hit = this.#deepest([scheme, hostSeg, String(port), ...path]);
      if (hit && addressMatches(hit.host, local)) return hit;
    }
    return undefined;
  }

  *entries(): IterableIterator<RouteEntry<T>> {
    const stack: Node<RouteEntry<T>>[] = [this.#root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.value !== undefined) yield node.value;
      if (node.children) stack.push(...node.children.values());
    }
  }
}

function addressMatches(registeredHost: string, localAddress: string): boolean {
  if (isIP(registeredHost) === 0) return true;
  const reg = normalizeAddress(registeredHost);
  if (reg === '0.0.0.0' || reg === '::') return true;
  return reg === localAddress || expandV6(reg) === expandV6(localAddress);
}

function expandV6(a: string): string {
  if (isIP(a) !== 6) return a;
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((x) => x.replace(/^0+(?=.)/, '')).join(':');
}
