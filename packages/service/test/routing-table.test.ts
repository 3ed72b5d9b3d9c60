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

  it('uses the local port for wildcard lookups and the via port for Exact', () => {
    const strong = table([['net.tcp://host:9000/a', 'StrongWildcard']]);
    // A via naming another port (e.g. through a TCP proxy) still matches on the accepting port.
    expect(look(strong, 'net.tcp://host:1234/a', '127.0.0.1', 9000)).toBeDefined();
    expect(look(strong, 'net.tcp://host:9000/a', '127.0.0.1', 9001)).toBeUndefined();
    const exact = table([['net.tcp://host:9000/a', 'Exact']]);
    expect(look(exact, 'net.tcp://host:9000/a', '127.0.0.1', 1234)).toBeDefined();
    expect(look(exact, 'net.tcp://host:1234/a', '127.0.0.1', 9000)).toBeUndefined();
    // net.tcp's default port is 808.
    const def = table([['net.tcp://host/a', 'Exact']]);
    expect(look(def, 'net.tcp://host:808/a', '127.0.0.1', 808)).toBeDefined();
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
 * The rules written out the slow way, from the notes rather than from the table's code: for each
 * lookup step in SMSvcHost's order, the routes of that mode on that host segment and port whose
 * segments are a prefix of the via's; the longest wins, and it must accept the local address.
 */
function reference(routes: [string, 'StrongWildcard' | 'Exact' | 'WeakWildcard'][], via: string, local: string, localPort: number): string | undefined {
  const segs = (p: string) => p.split(/[?#]/)[0]!.split('/').filter((s) => s !== '').map((s) => s.toLowerCase());
  const v = parseVia(via);
  const vs = segs(v.path);
  const steps: ['StrongWildcard' | 'Exact' | 'WeakWildcard', number][] = [
    ['StrongWildcard', localPort],
    ['Exact', v.port],
    ['WeakWildcard', localPort],
  ];
  for (const [mode, port] of steps) {
    let best: { name: string; depth: number; host: string } | undefined;
    for (const [uri, m] of routes) {
      const r = parseVia(uri);
      if (m !== mode || r.port !== port || r.scheme.toLowerCase() !== v.scheme.toLowerCase()) continue;
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
  const host = fc.constantFrom('host', 'other', '127.0.0.1', '127.0.0.2', '0.0.0.0');
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
