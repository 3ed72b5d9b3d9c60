import { describe, expect, it } from 'vitest';
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
