import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseVia } from '@portshare/framing';
import { RoutingTable } from '../src/routing-table.js';

function table(entries: [string, 'StrongWildcard' | 'Exact' | 'WeakWildcard'][]) {
  const t = new RoutingTable<string>();
  for (const [uri, mode] of entries) expect(t.add(parseVia(uri), mode, `${mode}:${uri}`)).toBe(true);
  return t;
}
const look = (t: RoutingTable<string>, via: string, local = '127.0.0.1', port = 9000) => t.lookup(parseVia(via), local, port)?.value;

describe('routing table (SMSvcHost RoutingTable / UriPrefixTable)', () => {
  it('matches the longest prefix on whole segments, case-insensitively, ignoring empty segments', () => {
    const t = table([
      ['net.tcp://host:9000/a', 'StrongWildcard'],
      ['net.tcp://host:9000/a/b', 'StrongWildcard'],
    ]);
    expect(look(t, 'net.tcp://x:9000/a/b/c')).toBe('StrongWildcard:net.tcp://host:9000/a/b');
    expect(look(t, 'net.tcp://x:9000/A/B')).toBe('StrongWildcard:net.tcp://host:9000/a/b');
    expect(look(t, 'net.tcp://x:9000/a/bc')).toBe('StrongWildcard:net.tcp://host:9000/a');
    expect(look(t, 'net.tcp://x:9000//a///b/')).toBe('StrongWildcard:net.tcp://host:9000/a/b');
    expect(look(t, 'net.tcp://x:9000/ab')).toBeUndefined();
    expect(look(t, 'net.tcp://x:9000/a?q=1#f')).toBe('StrongWildcard:net.tcp://host:9000/a');
  });

  it('looks up Strong, then Exact, then Weak: the mode outranks the path length', () => {
    const t = table([
      ['net.tcp://host:9000/', 'StrongWildcard'],
      ['net.tcp://host:9000/a/b', 'Exact'],
      ['net.tcp://host:9000/a/b/c', 'WeakWildcard'],
    ]);
    expect(look(t, 'net.tcp://host:9000/a/b/c')).toBe('StrongWildcard:net.tcp://host:9000/');
    const t2 = table([
      ['net.tcp://host:9000/a/b', 'Exact'],
      ['net.tcp://host:9000/a/b/c', 'WeakWildcard'],
    ]);
    expect(look(t2, 'net.tcp://HOST:9000/a/b/c')).toBe('Exact:net.tcp://host:9000/a/b');
    expect(look(t2, 'net.tcp://other:9000/a/b/c')).toBe('WeakWildcard:net.tcp://host:9000/a/b/c');
  });

  it('only reaches registrations on the local port: wildcards use it, Exact needs the via to name it', () => {
    const strong = table([['net.tcp://host:9000/a', 'StrongWildcard']]);
    // A via naming another port (e.g. through a TCP proxy) still matches on the accepting port.
    expect(look(strong, 'net.tcp://host:1234/a', '127.0.0.1', 9000)).toBeDefined();
    expect(look(strong, 'net.tcp://host:9000/a', '127.0.0.1', 9001)).toBeUndefined();
    const exact = table([['net.tcp://host:9000/a', 'Exact']]);
    expect(look(exact, 'net.tcp://host:9000/a', '127.0.0.1', 9000)).toBe('Exact:net.tcp://host:9000/a');
    // SMSvcHost would look this one up on the via's port 9000; here it arrived on 1234: a miss.
    expect(look(exact, 'net.tcp://host:9000/a', '127.0.0.1', 1234)).toBeUndefined();
    expect(look(exact, 'net.tcp://host:1234/a', '127.0.0.1', 9000)).toBeUndefined();
    // net.tcp's default port is 808.
    const def = table([['net.tcp://host/a', 'Exact']]);
    expect(look(def, 'net.tcp://host:808/a', '127.0.0.1', 808)).toBeDefined();
    expect(look(def, 'net.tcp://host/a', '127.0.0.1', 808)).toBeDefined();
    expect(look(def, 'net.tcp://host/a', '127.0.0.1', 809)).toBeUndefined();
  });

  it('never lets a via reach another port\'s workers, whatever host it names (+, * or a name)', () => {
    const b = table([
      ['net.tcp://localhost:9001/x', 'StrongWildcard'],
      ['net.tcp://localhost:9001/x', 'Exact'],
      ['net.tcp://localhost:9001/x', 'WeakWildcard'],
    ]);
    for (const host of ['+', '*', 'localhost', '[::1]', '127.0.0.1']) {
      expect(look(b, `net.tcp://${host}:9001/x`, '127.0.0.1', 9000)).toBeUndefined();
      expect(look(b, `net.tcp://${host}:9000/x`, '127.0.0.1', 9000)).toBeUndefined();
    }
    // On port 9001 itself they route as before: StrongWildcard first.
    expect(look(b, 'net.tcp://+:9001/x', '127.0.0.1', 9001)).toBe('StrongWildcard:net.tcp://localhost:9001/x');
    expect(look(b, 'net.tcp://*:9001/x', '127.0.0.1', 9001)).toBe('StrongWildcard:net.tcp://localhost:9001/x');
  });

  it('treats "+" and "*" in a URI as host names, apart from the wildcard registrations', () => {
    // An Exact registration on the host "+" or "*" is not a wildcard one.
    const plus = table([['net.tcp://+:9000/a', 'Exact']]);
    expect(look(plus, 'net.tcp://localhost:9000/a')).toBeUndefined();
    expect(look(plus, 'net.tcp://+:9000/a')).toBe('Exact:net.tcp://+:9000/a');
    const star = table([['net.tcp://*:9000/a', 'Exact']]);
    expect(look(star, 'net.tcp://localhost:9000/a')).toBeUndefined();
    expect(look(star, 'net.tcp://*:9000/a')).toBe('Exact:net.tcp://*:9000/a');
    // Nor does it take the wildcard node: both register, each in its own mode.
    const t = new RoutingTable<string>();
    expect(t.add(parseVia('net.tcp://+:9000/a'), 'Exact', 'exact+')).toBe(true);
    expect(t.add(parseVia('net.tcp://*:9000/a'), 'Exact', 'exact*')).toBe(true);
    expect(t.has(parseVia('net.tcp://h:9000/a'), 'StrongWildcard')).toBe(false);
    expect(t.has(parseVia('net.tcp://h:9000/a'), 'WeakWildcard')).toBe(false);
    expect(t.add(parseVia('net.tcp://h:9000/a'), 'StrongWildcard', 'strong')).toBe(true);
    expect(t.add(parseVia('net.tcp://h:9000/a'), 'WeakWildcard', 'weak')).toBe(true);
    expect(t.size).toBe(4);
    expect(look(t, 'net.tcp://other:9000/a')).toBe('strong');
    expect(t.remove(parseVia('net.tcp://h:9000/a'), 'StrongWildcard', 'strong')).toBe(true);
    expect(look(t, 'net.tcp://+:9000/a')).toBe('exact+');
    expect(look(t, 'net.tcp://*:9000/a')).toBe('exact*');
    expect(look(t, 'net.tcp://other:9000/a')).toBe('weak');
    expect([...t.entries()].map((e) => e.value).sort()).toEqual(['exact*', 'exact+', 'weak']);
  });

  it('requires an IP-literal registration to match the local address (any-addresses match all)', () => {
    const t = table([['net.tcp://127.0.0.2:9000/a', 'StrongWildcard']]);
    expect(look(t, 'net.tcp://h:9000/a', '127.0.0.2')).toBeDefined();
    expect(look(t, 'net.tcp://h:9000/a', '::ffff:127.0.0.2')).toBeDefined();
    expect(look(t, 'net.tcp://h:9000/a', '127.0.0.1')).toBeUndefined();
    const any = table([
      ['net.tcp://0.0.0.0:9000/a', 'StrongWildcard'],
      ['net.tcp://[::]:9000/b', 'StrongWildcard'],
    ]);
    expect(look(any, 'net.tcp://h:9000/a', '10.1.2.3')).toBeDefined();
    expect(look(any, 'net.tcp://h:9000/b', '::1')).toBeDefined();
    const v6 = table([['net.tcp://[::1]:9000/c', 'StrongWildcard']]);
    expect(look(v6, 'net.tcp://h:9000/c', '0:0:0:0:0:0:0:1')).toBeDefined();
    expect(look(v6, 'net.tcp://h:9000/c', '::2')).toBeUndefined();
  });

  it('refuses the same node twice, allows the same path in another mode, and prunes on remove', () => {
    const t = new RoutingTable<string>();
    const key = parseVia('net.tcp://h:9000/a/b');
    expect(t.add(key, 'StrongWildcard', 'one')).toBe(true);
    expect(t.add(parseVia('net.tcp://other:9000/A/B/'), 'StrongWildcard', 'two')).toBe(false);
    expect(t.add(key, 'WeakWildcard', 'three')).toBe(true);
    expect(t.remove(key, 'StrongWildcard', 'not-the-owner')).toBe(false);
    expect(t.remove(key, 'StrongWildcard', 'one')).toBe(true);
    expect(t.size).toBe(1);
    expect(look(t, 'net.tcp://h:9000/a/b')).toBe('three');
  });
});

/**
 * The rules written out the slow way, from docs/protocol.md §3 rather than from the table's code:
 * for each lookup step in SMSvcHost's order, the routes of that mode on the local port (for Exact:
 * with the via's host, and only when the via names the local port) whose segments are a prefix of
 * the via's; the longest wins, and it must accept the local address. "+" and "*" are host names.
 */
function reference(routes: [string, 'StrongWildcard' | 'Exact' | 'WeakWildcard'][], via: string, local: string, localPort: number): string | undefined {
  const segs = (p: string) => p.split(/[?#]/)[0]!.split('/').filter((s) => s !== '').map((s) => s.toLowerCase());
  const v = parseVia(via);
  const vs = segs(v.path);
  for (const mode of ['StrongWildcard', 'Exact', 'WeakWildcard'] as const) {
    // Only registrations on the local port; Exact also needs the via to name that port.
    if (mode === 'Exact' && v.port !== localPort) continue;
    let best: { name: string; depth: number; host: string } | undefined;
    for (const [uri, m] of routes) {
      const r = parseVia(uri);
      if (m !== mode || r.port !== localPort || r.scheme.toLowerCase() !== v.scheme.toLowerCase()) continue;
      if (mode === 'Exact' && r.host.toLowerCase() !== v.host.toLowerCase()) continue;
      const rs = segs(r.path);
      if (rs.length > vs.length || rs.some((s, i) => s !== vs[i])) continue;
      if (best === undefined || rs.length > best.depth) best = { name: `${m}:${uri}`, depth: rs.length, host: r.host };
    }
    if (best === undefined) continue;
    const literal = /^\d+\.\d+\.\d+\.\d+$/.test(best.host);
    if (!literal || best.host === '0.0.0.0' || best.host === local) return best.name;
  }
  return undefined;
}

function sameNode(a: string, b: string, mode: 'StrongWildcard' | 'Exact' | 'WeakWildcard'): boolean {
  const segs = (p: string) => p.split('/').filter((s) => s !== '').map((s) => s.toLowerCase()).join('/');
  const x = parseVia(a);
  const y = parseVia(b);
  return x.port === y.port && segs(x.path) === segs(y.path) && (mode !== 'Exact' || x.host.toLowerCase() === y.host.toLowerCase());
}

describe('routing table against the rules written out', () => {
  const segment = fc.constantFrom('a', 'B', 'c', 'svc', 'Service.svc', '');
  const path = fc.array(segment, { maxLength: 4 }).map((s) => `/${s.join('/')}`);
  const host = fc.constantFrom('host', 'other', '+', '*', '127.0.0.1', '127.0.0.2', '0.0.0.0');
  const port = fc.constantFrom(9000, 9001);
  const mode = fc.constantFrom('StrongWildcard' as const, 'Exact' as const, 'WeakWildcard' as const);
  const uri = fc.tuple(host, port, path).map(([h, p, s]) => `net.tcp://${h}:${p}${s}`);

  it('answers every lookup as the rules do, also after removals', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(uri, mode), { maxLength: 12 }),
        fc.array(fc.tuple(uri, fc.constantFrom('127.0.0.1', '127.0.0.2'), port), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        (adds, vias, cut) => {
          const t = new RoutingTable<string>();
          const kept: [string, 'StrongWildcard' | 'Exact' | 'WeakWildcard'][] = [];
          for (const [u, m] of adds) {
            // Refused only when a kept route of that mode names the same node.
            const taken = kept.some(([k, km]) => km === m && sameNode(k, u, m));
            expect(t.add(parseVia(u), m, `${m}:${u}`)).toBe(!taken);
            if (!taken) kept.push([u, m]);
          }
          // Remove some routes, then compare every lookup with the reference.
          const removed = kept.splice(0, kept.length === 0 ? 0 : cut % (kept.length + 1));
          for (const [u, m] of removed) expect(t.remove(parseVia(u), m, `${m}:${u}`)).toBe(true);
          expect(t.size).toBe(kept.length);
          expect([...t.entries()].map((e) => e.value).sort()).toEqual(kept.map(([u, m]) => `${m}:${u}`).sort());
          for (const [v, local, lp] of vias) expect(t.lookup(parseVia(v), local, lp)?.value).toBe(reference(kept, v, local, lp));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
