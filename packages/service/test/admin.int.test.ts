import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlErrorCodes, resolveInstance } from '@portshare/control';
import { letOthersRun } from '@portshare/test-utils';
import { encodePreamble } from '@portshare/framing';
import { SERVICE_MAIN, exchange, freePort, makeHome, startDaemon, startEchoWorker, status, type DaemonProcess, type WorkerProcess } from './helpers.js';

const isRoot = process.getuid?.() === 0;
// Workers run as nobody here: they must be able to reach this checkout.
letOthersRun();
if (process.env['CI'] && !isRoot) throw new Error('CI runs as root: the allow-list test needs to start a worker as another user');

let daemon: DaemonProcess | undefined;
const workers: WorkerProcess[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await w.kill9().catch(() => {});
  await daemon?.stop();
  daemon = undefined;
  for (const c of cleanups.splice(0)) c();
});

function get(port: number, path: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('administration', () => {
  it.runIf(isRoot)('refuses a worker whose user is not on the allow list, naming the setting; admits it once listed', async () => {
    const { home, paths, cleanup } = makeHome();
    cleanups.push(cleanup);
    daemon = await startDaemon(home);
    const port = await freePort();
    const uri = `net.tcp://localhost:${port}/x`;
    await expect(startEchoWorker(home, uri, 'N', { uid: 65534 })).rejects.toMatchObject({
      code: ControlErrorCodes.AccessDenied,
      message: `The service endpoint failed to listen on the URI '${uri}' because access was denied.  Verify that the current user is granted access in the allowAccounts section of the portshare configuration (${paths.configFile}).`,
    });
    expect((await status(paths)).registrations).toHaveLength(0);
    await daemon.stop();
    // allowAccounts by user name: the same worker is admitted.
    const second = makeHome({ allowAccounts: { users: ['nobody'], groups: [] } });
    cleanups.push(second.cleanup);
    daemon = await startDaemon(second.home);
    const w = await startEchoWorker(second.home, uri, 'N', { uid: 65534 });
    workers.push(w);
    const s = await status(second.paths);
    expect(s.registrations[0]).toMatchObject({ uri, uid: 65534, user: 'nobody' });
    const sent = encodePreamble({ via: uri, encoding: 8 });
    const r = await exchange(port, sent, { expectBytes: 2 + sent.length });
    expect(r.data.toString('latin1', 0, 2)).toBe('N:');
    r.socket.destroy();
  });

  it('listens on the IP literal of an IP registration, and on both any-addresses for a host name', async () => {
    const { home, paths, cleanup } = makeHome();
    cleanups.push(cleanup);
    daemon = await startDaemon(home);
    const port = await freePort();
    workers.push(await startEchoWorker(home, `net.tcp://127.0.0.1:${port}/ip`, 'I'));
    expect((await status(paths)).listeners.map((l) => `${l.address}:${l.port}`)).toEqual([`127.0.0.1:${port}`]);
    const other = await freePort();
    workers.push(await startEchoWorker(home, `net.tcp://localhost:${other}/name`, 'H'));
    const listeners = (await status(paths)).listeners.map((l) => `${l.address}:${l.port}`).sort();
    expect(listeners).toEqual([`0.0.0.0:${other}`, `127.0.0.1:${port}`, `:::${other}`].sort());
  });

  it('serves Prometheus counters over HTTP and writes structured JSON logs', async () => {
    const metricsPort = await freePort();
    const { home, paths, cleanup } = makeHome({ metrics: { port: metricsPort } });
    cleanups.push(cleanup);
    daemon = await startDaemon(home);
    const port = await freePort();
    workers.push(await startEchoWorker(home, `net.tcp://localhost:${port}/m`, 'M'));
    await exchange(port, encodePreamble({ via: `net.tcp://localhost:${port}/none`, encoding: 8 }));
    const res = await get(metricsPort, '/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/plain');
    expect(res.body).toContain('# TYPE portshare_connections_accepted_total counter');
    expect(res.body).toMatch(/^portshare_connections_accepted_total 1$/m);
    expect(res.body).toMatch(/^portshare_dispatch_failures_total 1$/m);
    expect(res.body).toMatch(/^portshare_registrations_active 1$/m);
    expect((await get(metricsPort, '/nope')).status).toBe(404);
    const lines = readFileSync(paths.logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; level: number });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['portshare service started', 'registered']));
  });

  it('refuses to start while disabled, and a second daemon on the same instance', async () => {
    const disabled = makeHome({}, false);
    cleanups.push(disabled.cleanup);
    await expect(startDaemon(disabled.home)).rejects.toThrow(/disabled\. An administrator can enable it by running 'portshare enable'/);
    const { home, cleanup } = makeHome();
    cleanups.push(cleanup);
    daemon = await startDaemon(home);
    const second = spawnSync(process.execPath, [SERVICE_MAIN, '--home', home], { encoding: 'utf8', timeout: 10_000 });
    expect(second.status).toBe(6);
    expect(second.stderr).toMatch(/already answers on .*control\.sock\. Stop it first/);
    expect((await status(resolveInstance({ home }))).state).toBe('running');
  });
});
