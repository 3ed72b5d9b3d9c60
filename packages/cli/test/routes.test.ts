// `portshare routes add` / `routes remove` (#16) against a real daemon: the route goes into the
// configuration file (the rest of the file kept as it was), the running service takes it over
// without closing its port, and a real TCP server behind it answers; bad input is refused with
// the key and nothing is written.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePreamble } from '@portshare/framing';
import { exchange, freePort, makeHome, runCli, runJson, type Home } from './helpers.js';

describe('portshare routes add / remove', () => {
  let h: Home;
  let port: number;
  let backend: Server;
  let backendPort: number;
  const run = (...args: string[]) => runCli(args, h.home);

  beforeAll(async () => {
    h = makeHome();
    port = await freePort();
    backend = createServer((s) => {
      s.on('error', () => {});
      s.write('S:');
      s.pipe(s);
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    backendPort = (backend.address() as AddressInfo).port;
    // A hand-written file with a comment-like key and an order of its own: kept as it is.
    writeFileSync(h.paths.configFile, '{\n  "//": "edited by hand",\n  "maxPendingConnections": 50\n}\n');
    expect((await run('enable')).code).toBe(0);
    expect((await run('start', '--detach')).code).toBe(0);
  });

  afterAll(async () => {
    await run('stop');
    backend.close();
    h.cleanup();
  });

  async function via(path: string): Promise<Buffer> {
    return exchange(port, encodePreamble({ via: `net.tcp://localhost:${port}${path}`, encoding: 8 }), 2);
  }

  it('adds a route to the file and the running service serves it at once, through a seamless restart', async () => {
    const before = (await runJson<{ pid: number }>(['status'], h.home)).json.pid;
    const r = await runJson<{ file: string; routes: unknown[]; pid: number }>(['routes', 'add', `net.tcp://localhost:${port}/legacy/`, '--to', `127.0.0.1:${backendPort}`], h.home);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.file).toBe(h.paths.configFile);
    expect(r.json.pid).not.toBe(before);
    const text = readFileSync(h.paths.configFile, 'utf8');
    expect(text).toContain('"//": "edited by hand"');
    expect(JSON.parse(text)).toEqual({
      '//': 'edited by hand',
      maxPendingConnections: 50,
      routes: [{ uri: `net.tcp://localhost:${port}/legacy/`, to: `127.0.0.1:${backendPort}`, hostNameComparisonMode: 'StrongWildcard' }],
    });
    expect((await via('/legacy/svc')).subarray(0, 2).toString()).toBe('S:');
    const routes = await runJson<{ staticRoutes: { uri: string; dispatched: number }[] }>(['routes'], h.home);
    expect(routes.json.staticRoutes).toEqual([expect.objectContaining({ uri: `net.tcp://localhost:${port}/legacy/`, dispatched: 1 })]);
    const table = await run('routes');
    expect(table.stdout).toContain(`127.0.0.1:${backendPort}`);
  });

  it('refuses the same route twice (exit 2) and a bad --to (exit 78, naming the key), writing nothing', async () => {
    const text = readFileSync(h.paths.configFile, 'utf8');
    const again = await run('routes', 'add', `net.tcp://localhost:${port}/LEGACY/`, '--to', `127.0.0.1:${backendPort}`);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is routed already');
    const bad = await run('routes', 'add', `net.tcp://localhost:${port}/other/`, '--to', '127.0.0.1');
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain("'routes[1].to' must be host:port");
    expect(readFileSync(h.paths.configFile, 'utf8')).toBe(text);
  });

  it('removes it: with nothing else on its port, the port closes with it, as with a last registration', async () => {
    const r = await run('routes', 'remove', `net.tcp://localhost:${port}/legacy/`);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(h.paths.configFile, 'utf8')).routes).toEqual([]);
    await expect(via('/legacy/svc')).rejects.toThrow(/ECONNREFUSED/);
    expect((await run('routes', 'remove', `net.tcp://localhost:${port}/legacy/`)).code).toBe(2);
  });
});
