import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ControlClient,
  ControlErrorCodes,
  LineDecoder,
  MAX_SOCKET_PATH_BYTES,
  decodeHandoffPayload,
  encodeHandoffPayload,
  encodeLine,
  encodeProxyPreface,
  readState,
  resolveInstance,
  writeState,
} from '../src/index.js';

describe('LineDecoder', () => {
  it('splits lines in any chunking and holds at most maxMessageBytes of a partial line', () => {
    const seen: unknown[] = [];
    const d = new LineDecoder(20);
    const bytes = Buffer.from('{"a":1}\n{"b":2}\n\n{"c":3}\n');
    for (const b of bytes) d.push(Buffer.from([b]), (v) => seen.push(v));
    expect(seen).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
    expect(d.bufferedBytes).toBe(0);
  });

  it('accepts a line of exactly the limit and refuses one byte more', () => {
    const line = JSON.stringify({ p: 'x'.repeat(20 - 8) });
    expect(line.length).toBe(20);
    const ok = new LineDecoder(20);
    const seen: unknown[] = [];
    ok.push(Buffer.from(line + '\n'), (v) => seen.push(v));
    expect(seen).toHaveLength(1);
    const over = new LineDecoder(20);
    expect(() => over.push(Buffer.from(line.slice(0, 10)), () => {})).not.toThrow();
    expect(() => over.push(Buffer.from(line.slice(10) + 'y'), () => {})).toThrowError(
      expect.objectContaining({ code: ControlErrorCodes.MessageTooLarge }),
    );
  });

  it('refuses non-JSON with a clear error', () => {
    expect(() => new LineDecoder().push(Buffer.from('nope\n'), () => {})).toThrowError(
      expect.objectContaining({ code: ControlErrorCodes.InvalidArgument }),
    );
    expect(encodeLine({ a: 1 }).toString()).toBe('{"a":1}\n');
  });
});

describe('hand-off header', () => {
  const header = {
    connectionId: 7,
    registrationId: 3,
    via: 'net.tcp://localhost:9000/calculator/4381',
    remoteAddress: '127.0.0.1',
    remotePort: 50000,
    localAddress: '127.0.0.1',
    localPort: 9000,
  };
  it('round-trips header and pre-read bytes, also inside a proxy preface', () => {
    const pre = Buffer.from([0, 1, 0, 1, 2, 2]);
    const payload = encodeHandoffPayload(header, pre);
    expect(decodeHandoffPayload(payload)).toEqual({ header, preRead: pre });
    const preface = encodeProxyPreface(header, pre);
    expect(preface.readUInt32BE(0)).toBe(payload.length);
    expect(preface.subarray(4)).toEqual(payload);
  });
  it('refuses a foreign version or a truncated header', () => {
    const payload = encodeHandoffPayload(header, Buffer.alloc(0));
    expect(() => decodeHandoffPayload(Buffer.concat([Buffer.from([9]), payload.subarray(1)]))).toThrowError(
      expect.objectContaining({ code: ControlErrorCodes.VersionUnsupported }),
    );
    expect(() => decodeHandoffPayload(payload.subarray(0, 10))).toThrowError(
      expect.objectContaining({ code: ControlErrorCodes.InvalidArgument }),
    );
  });
});

describe('instance paths and state', () => {
  it('puts everything under PORTSHARE_HOME', () => {
    const p = resolveInstance({ env: { PORTSHARE_HOME: '/srv/ps' } });
    expect(p).toMatchObject({
      configFile: '/srv/ps/portshare.json',
      stateFile: '/srv/ps/state.json',
      controlSocket: '/srv/ps/run/control.sock',
      logFile: '/srv/ps/log/portshare.log',
    });
  });
  it('uses FHS paths for root and XDG paths for users', () => {
    expect(resolveInstance({ env: {}, uid: 0 }).controlSocket).toBe('/run/portshare/control.sock');
    expect(resolveInstance({ env: {}, uid: 0 }).configFile).toBe('/etc/portshare/portshare.json');
    const user = resolveInstance({ env: { HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/1000' }, uid: 1000, systemPresent: () => false });
    expect(user.controlSocket).toBe('/run/user/1000/portshare/control.sock');
    expect(user.configFile).toBe('/home/u/.config/portshare/portshare.json');
    expect(user.stateFile).toBe('/home/u/.local/state/portshare/state.json');
  });
  it('gives other accounts the system instance when one is installed or running, unless they ask for their own', () => {
    const env = { HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/1000' };
    expect(resolveInstance({ env, uid: 1000, systemPresent: () => true }).controlSocket).toBe('/run/portshare/control.sock');
    expect(resolveInstance({ env, uid: 1000, systemPresent: () => true, scope: 'user' }).controlSocket).toBe('/run/user/1000/portshare/control.sock');
    expect(resolveInstance({ env: { ...env, PORTSHARE_SCOPE: 'user' }, uid: 1000, systemPresent: () => true }).controlSocket).toBe('/run/user/1000/portshare/control.sock');
    expect(resolveInstance({ env: { ...env, PORTSHARE_SCOPE: 'system' }, uid: 1000, systemPresent: () => false }).controlSocket).toBe('/run/portshare/control.sock');
    expect(resolveInstance({ env, uid: 0, scope: 'user' }).controlSocket).toBe('/run/user/1000/portshare/control.sock');
    // A home wins over every scope.
    expect(resolveInstance({ env: { ...env, PORTSHARE_SCOPE: 'system' }, uid: 1000, home: '/srv/ps' }).controlSocket).toBe('/srv/ps/run/control.sock');
    expect(() => resolveInstance({ env: { ...env, PORTSHARE_SCOPE: 'machine' }, uid: 1000 })).toThrowError(/PORTSHARE_SCOPE is 'machine'; it must be 'system' or 'user'/);
  });
  it('refuses a socket path over 107 bytes, accepts one at 107', () => {
    const home = (n: number) => '/' + 'h'.repeat(n - '/run/control.sock'.length - 1);
    expect(Buffer.byteLength(resolveInstance({ home: home(MAX_SOCKET_PATH_BYTES) }).controlSocket)).toBe(107);
    expect(() => resolveInstance({ home: home(MAX_SOCKET_PATH_BYTES + 1) })).toThrowError(
      expect.objectContaining({ code: ControlErrorCodes.SocketPathTooLong }),
    );
  });
  it('is disabled until enabled, and persists the start mode', () => {
    const paths = resolveInstance({ home: mkdtempSync(join(tmpdir(), 'psst-')) });
    expect(readState(paths).startMode).toBe('disabled');
    writeState(paths, { startMode: 'demand', command: ['/usr/bin/node', '/x/main.js'] });
    expect(readState(paths)).toMatchObject({ startMode: 'demand', command: ['/usr/bin/node', '/x/main.js'] });
    expect(JSON.parse(readFileSync(paths.stateFile, 'utf8')).changedAt).toMatch(/^\d{4}-/);
  });
});

describe('ControlClient', () => {
  it('says "not running" with what to do when nobody listens', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pscl-')), 'control.sock');
    await expect(ControlClient.connect(path)).rejects.toMatchObject({
      code: ControlErrorCodes.NotRunning,
      message: expect.stringContaining("portshare start --detach"),
    });
  });
  it('maps error replies to ControlErrors and times out unanswered requests', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pscl-')), 'control.sock');
    const server = createServer((s) => {
      s.on('data', (d) => {
        const req = JSON.parse(d.toString()) as { id: number; op: string };
        if (req.op === 'status') s.write(encodeLine({ id: req.id, ok: false, error: { code: ControlErrorCodes.AccessDenied, message: 'no' } }));
      });
    });
    await new Promise<void>((r) => server.listen(path, r));
    const client = await ControlClient.connect(path, { requestTimeoutMs: 200 });
    await expect(client.request({ op: 'status' })).rejects.toMatchObject({ code: ControlErrorCodes.AccessDenied, message: 'no' });
    await expect(client.request({ op: 'pause' })).rejects.toMatchObject({ code: ControlErrorCodes.Timeout });
    client.destroy();
    server.close();
  });
  it("fails requests with the daemon's reason when it refuses the connection (an id 0 error line, then close)", async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pscl-')), 'control.sock');
    const reason = { code: ControlErrorCodes.TooManyConnections, message: 'full; close some' };
    const server = createServer((s) => {
      s.end(encodeLine({ id: 0, ok: false, error: reason }));
    });
    await new Promise<void>((r) => server.listen(path, r));
    const client = await ControlClient.connect(path);
    // Written before the refusal arrives: waits, then fails with the reason (not CONTROL_ERR_CLOSED).
    await expect(client.hello()).rejects.toMatchObject(reason);
    expect(client.closeReason).toMatchObject(reason);
    // And later requests on the closed connection say the same.
    await expect(client.request({ op: 'status' })).rejects.toMatchObject(reason);
    server.close();
  });
  it('still says CONTROL_ERR_CLOSED when the daemon closes without a reason', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pscl-')), 'control.sock');
    const server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(path, r));
    const client = await ControlClient.connect(path);
    await expect(client.hello()).rejects.toMatchObject({ code: ControlErrorCodes.Closed });
    server.close();
  });
});

describe('README error catalogue', () => {
  it('lists exactly the codes the package defines', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const documented = [...readme.slice(readme.indexOf('## Errors')).matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.values(ControlErrorCodes).sort());
  });
});
