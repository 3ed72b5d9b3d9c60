import { afterEach, describe, expect, it } from 'vitest';
import { connectSession, SessionErrorCodes } from '../src/index.js';
import { freePort, makeHome, spawnProc, startDaemon, type Proc } from './helpers.js';
import { fileURLToPath } from 'node:url';

const ECHO = fileURLToPath(new URL('./fixtures/session-echo-worker.mjs', import.meta.url));
const procs: Proc[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const p of procs.splice(0).reverse()) await p.kill('SIGKILL');
  for (const c of cleanups.splice(0)) c();
});

async function call(via: string, text: string): Promise<string> {
  const session = await connectSession(via, { host: '127.0.0.1' });
  await session.send(Buffer.from(text));
  const it = session[Symbol.asyncIterator]();
  const reply = await it.next();
  await session.close();
  return (reply.value as Buffer).toString();
}

describe('net.tcp sessions through the sharing service', () => {
  it('two workers share a port through the daemon, a third owns another; each session reaches its worker', async () => {
    const { home, cleanup } = makeHome();
    cleanups.push(cleanup);
    const daemon = await startDaemon(home);
    procs.push(daemon);
    const shared = await freePort();
    const own = await freePort();
    const spawnWorker = async (uri: string, sharing: 'on' | 'off', name: string) => {
      const p = spawnProc([ECHO, uri, sharing, name], { PORTSHARE_HOME: home });
      procs.push(p);
      await p.waitFor(/READY/);
    };
    await spawnWorker(`net.tcp://localhost:${shared}/calculator/1`, 'on', 'one');
    await spawnWorker(`net.tcp://localhost:${shared}/calculator/2`, 'on', 'two');
    await spawnWorker(`net.tcp://localhost:${own}/calculator/3`, 'off', 'three');
    expect(await call(`net.tcp://localhost:${shared}/calculator/1`, 'hello')).toBe('one:hello');
    expect(await call(`net.tcp://localhost:${shared}/calculator/2`, 'hello')).toBe('two:hello');
    expect(await call(`net.tcp://localhost:${own}/calculator/3`, 'hello')).toBe('three:hello');
    // Several sessions at once, interleaved across the two shared workers.
    const many = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(`net.tcp://localhost:${shared}/calculator/${1 + (i % 2)}`, `m${i}`)),
    );
    expect(many).toEqual(Array.from({ length: 20 }, (_, i) => `${i % 2 ? 'two' : 'one'}:m${i}`));
    // The daemon's own fault, decoded by the client into WCF's text.
    const nowhere = `net.tcp://localhost:${shared}/nowhere`;
    await expect(connectSession(nowhere, { host: '127.0.0.1' })).rejects.toMatchObject({
      code: SessionErrorCodes.ENDPOINT_NOT_FOUND,
      message: `There was no endpoint listening at ${nowhere} that could accept the message. This is often caused by an incorrect address or SOAP action. See InnerException, if present, for more details.`,
    });
  });

  it('keeps an established session going while the daemon is killed and restarted', async () => {
    const { home, cleanup } = makeHome();
    cleanups.push(cleanup);
    const daemon = await startDaemon(home);
    procs.push(daemon);
    const port = await freePort();
    const via = `net.tcp://localhost:${port}/svc`;
    const w = spawnProc([ECHO, via, 'on', 'w'], { PORTSHARE_HOME: home });
    procs.push(w);
    await w.waitFor(/READY/);
    const session = await connectSession(via, { host: '127.0.0.1' });
    const it = session[Symbol.asyncIterator]();
    await session.send(Buffer.from('before'));
    expect(((await it.next()).value as Buffer).toString()).toBe('w:before');
    await daemon.kill('SIGKILL');
    await session.send(Buffer.from('during'));
    expect(((await it.next()).value as Buffer).toString()).toBe('w:during');
    const again = await startDaemon(home);
    procs.push(again);
    await w.waitFor(/REGISTERED/, 2000);
    await session.send(Buffer.from('after'));
    expect(((await it.next()).value as Buffer).toString()).toBe('w:after');
    await session.close();
    expect(await call(via, 'new')).toBe('w:new');
  });
});
