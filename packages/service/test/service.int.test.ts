import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient, ControlErrorCodes, type InstancePaths } from '@portshare/control';
import { encodeFault, encodePreamble, FaultUri, Mode } from '@portshare/framing';
import { isSupported } from '@portshare/handoff';
import {
  exchange,
  freePort,
  makeHome,
  sleep,
  startDaemon,
  startEchoWorker,
  status,
  type DaemonProcess,
  type WorkerProcess,
} from './helpers.js';

const modes = [
  { name: 'fd hand-off', handoff: 'auto', transport: 'fd' as const },
  { name: 'proxy', handoff: 'proxy', transport: 'proxy' as const },
];

if (process.env['CI'] && !isSupported()) throw new Error('the hand-off addon must load in CI');

describe.each(modes)('sharing service ($name)', ({ handoff, transport }) => {
  let home: string;
  let paths: InstancePaths;
  let cleanup: () => void;
  let daemon: DaemonProcess;
  let port: number;
  const workers: WorkerProcess[] = [];

  beforeEach(async () => {
    ({ home, paths, cleanup } = makeHome({ handoff, receiveTimeoutMs: 1500, faultDrainTimeoutMs: 2000 }));
    daemon = await startDaemon(home);
    port = await freePort();
  });

  afterEach(async () => {
    for (const w of workers.splice(0)) await w.kill9().catch(() => {});
    await daemon.stop();
    cleanup();
  });

  const via = (path: string) => `net.tcp://localhost:${port}${path}`;
  const worker = async (path: string, name: string, mode = 'StrongWildcard') => {
    const w = await startEchoWorker(home, via(path), name, { transport, mode });
    workers.push(w);
    return w;
  };

  it('routes each via to the worker that registered it, with every byte from byte 0', async () => {
    await worker('/a', 'A');
    await worker('/b', 'B');
    for (const [path, name] of [
      ['/a/svc', 'A'],
      ['/b', 'B'],
      ['/A/x', 'A'],
    ] as const) {
      const preamble = encodePreamble({ mode: Mode.Duplex, via: via(path), encoding: 8 });
      // Bytes sent with the preamble, in the same write, must reach the worker too.
      const extra = Buffer.from('06 05 68 65 6c 6c 6f'.split(' ').map((h) => parseInt(h, 16)));
      const sent = Buffer.concat([preamble, extra]);
      const { data, socket } = await exchange(port, sent, { expectBytes: 2 + sent.length });
      expect(data.toString('latin1', 0, 2)).toBe(`${name}:`);
      expect(data.subarray(2)).toEqual(sent);
      // After the hand-off the connection is the worker's: later bytes go straight through.
      const later = Buffer.from('after hand-off');
      const echoed = new Promise<Buffer>((r) => socket.once('data', r));
      socket.write(later);
      expect(await echoed).toEqual(later);
      socket.destroy();
    }
    const s = await status(paths);
    expect(s.counters.connectionsDispatched).toBe(3);
    expect(s.registrations.map((r) => r.dispatched).sort()).toEqual([1, 2]);
  });

  it('sends the exact EndpointNotFound fault bytes for an unknown via, then closes', async () => {
    await worker('/a', 'A');
    const { data, ended } = await exchange(port, encodePreamble({ via: via('/nobody'), encoding: 8 }));
    expect(ended).toBe(true);
    expect(data).toEqual(encodeFault(FaultUri.EndpointNotFound));
    expect(data).toEqual(
      Buffer.concat([Buffer.from([0x08, 0x47]), Buffer.from('http://schemas.microsoft.com/ws/2006/05/framing/faults/EndpointNotFound')]),
    );
    expect((await status(paths)).counters.dispatchFailures).toBe(1);
  });

  it('answers EndpointUnavailable while paused and routes again after resume', async () => {
    await worker('/a', 'A');
    const admin = await ControlClient.connect(paths.controlSocket);
    await admin.request({ op: 'pause' });
    const paused = await exchange(port, encodePreamble({ via: via('/a'), encoding: 8 }));
    expect(paused.data).toEqual(encodeFault(FaultUri.EndpointUnavailable));
    expect((await admin.request({ op: 'status' })).state).toBe('paused');
    await admin.request({ op: 'resume' });
    const sent = encodePreamble({ via: via('/a'), encoding: 8 });
    const resumed = await exchange(port, sent, { expectBytes: 2 + sent.length });
    expect(resumed.data.toString('latin1', 0, 2)).toBe('A:');
    resumed.socket.destroy();
    admin.destroy();
  });

  it('drops garbage, unsupported modes, over-long vias and slow clients without a fault, and counts them', async () => {
    await worker('/a', 'A');
    const garbage = await exchange(port, Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    expect(garbage.ended).toBe(true);
    expect(garbage.data.length).toBe(0);
    const simplex = await exchange(port, encodePreamble({ mode: Mode.Simplex, via: via('/a'), encoding: 8 }));
    expect(simplex.data.length).toBe(0);
    // 2048 bytes of via is the limit ([MC-NMF] MaxViaSize); 2049 is dropped.
    const longPath = '/a/' + 'x'.repeat(2049 - via('/a/').length);
    expect(Buffer.byteLength(via(longPath))).toBe(2049);
    const long = await exchange(port, encodePreamble({ via: via(longPath), encoding: 8 }));
    expect(long.data.length).toBe(0);
    const atLimit = '/a/' + 'x'.repeat(2048 - via('/a/').length);
    const okSent = encodePreamble({ via: via(atLimit), encoding: 8 });
    const ok = await exchange(port, okSent, { expectBytes: 2 + okSent.length });
    expect(ok.data.toString('latin1', 0, 2)).toBe('A:');
    ok.socket.destroy();
    // A client that sends half a preamble and stalls is aborted at receiveTimeout (1.5 s here).
    const slow = await exchange(port, Buffer.from([0x00, 0x01, 0x00, 0x01]), { timeoutMs: 5000 });
    expect(slow.ended).toBe(true);
    const s = await status(paths);
    expect(s.counters.protocolFailures).toBe(4);
    expect(s.counters.connectionsDispatched).toBe(1);
  });

  it('refuses a second registration of the same URI with WCF wording, and allows nested paths', async () => {
    await worker('/calc', 'A');
    await expect(worker('/calc', 'B')).rejects.toMatchObject({
      code: ControlErrorCodes.ConflictingRegistration,
      message:
        'The TransportManager failed to listen on the supplied URI using the portshare service: the URI is already registered with the service.',
    });
    await worker('/calc/inner', 'C');
    await worker('/calc', 'D', 'WeakWildcard'); // another comparison mode is another node
    const sent = encodePreamble({ via: via('/calc/inner/x'), encoding: 8 });
    const r = await exchange(port, sent, { expectBytes: 2 + sent.length });
    expect(r.data.toString('latin1', 0, 2)).toBe('C:');
    r.socket.destroy();
  });

  it('removes a killed worker at once: the next connection gets EndpointNotFound', async () => {
    const a = await worker('/a', 'A');
    const b = await worker('/b', 'B'); // keeps the port's listener open
    await a.kill9();
    // The route goes when the kernel closes the worker's control socket; poll rather than time it
    // (the 100 ms figure is measured under load by packages/stress).
    const deadline = Date.now() + 2000;
    let registrations = (await status(paths)).registrations.length;
    while (registrations > 1 && Date.now() < deadline) {
      await sleep(5);
      registrations = (await status(paths)).registrations.length;
    }
    expect(registrations).toBe(1);
    const { data } = await exchange(port, encodePreamble({ via: via('/a'), encoding: 8 }));
    expect(data).toEqual(encodeFault(FaultUri.EndpointNotFound));
    // The last registration on the port closes its listener.
    await b.kill9();
    let listeners = (await status(paths)).listeners.length;
    for (let i = 0; i < 200 && listeners > 0; i++) {
      await sleep(10);
      listeners = (await status(paths)).listeners.length;
    }
    expect(listeners).toBe(0);
  });

  it('answers ConnectionDispatchFailed when the hand-off fails, and unregisters that worker', async () => {
    await worker('/broken', 'BROKEN');
    const { data, ended } = await exchange(port, encodePreamble({ via: via('/broken'), encoding: 8 }));
    expect(ended).toBe(true);
    expect(data).toEqual(encodeFault(FaultUri.ConnectionDispatchFailed));
    const s = await status(paths);
    expect(s.registrations).toHaveLength(0);
    expect(s.counters.dispatchFailures).toBe(1);
  });

  it('keeps handed-off connections alive when the daemon is killed', async () => {
    await worker('/a', 'A');
    const sent = encodePreamble({ via: via('/a'), encoding: 8 });
    const { socket } = await exchange(port, sent, { expectBytes: 2 + sent.length });
    const closed = new Promise<'closed'>((r) => socket.once('close', () => r('closed')));
    await daemon.kill9();
    const echoed = Promise.race([new Promise<Buffer>((r) => socket.once('data', r)), closed]);
    if (!socket.destroyed) socket.write('still here');
    if (transport === 'fd') {
      expect((await echoed).toString()).toBe('still here');
    } else {
      // A proxy carries the bytes itself: its connections die with it. This is why fd hand-off is the default.
      expect(await echoed).toBe('closed');
    }
    socket.destroy();
  });
});
