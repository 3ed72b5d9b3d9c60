// The front gate (src/gate.c) against real TCP clients: accept under a budget, bounded reads, EOF
// and resets, faults with half-close and drain, release, and descriptor exhaustion in a child
// process whose open-files limit is lowered with prlimit.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FrontGate, HandoffError, type FrontGateHandlers } from '../src/index.js';

interface Recorder extends FrontGateHandlers {
  events: [string, ...unknown[]][];
  next(kind: string, timeoutMs?: number): Promise<[string, ...unknown[]]>;
}

function recorder(overrides: Partial<FrontGateHandlers> = {}): Recorder {
  const events: [string, ...unknown[]][] = [];
  let seen = 0;
  const waiters = new Set<() => void>();
  const push = (e: [string, ...unknown[]]): void => {
    events.push(e);
    for (const w of [...waiters]) w();
  };
  return {
    events,
    accepted: (l, fds) => push(['accepted', l, [...fds]]),
    blocked: (l) => push(['blocked', l]),
    data: (fd, chunk) => push(['data', fd, chunk]),
    end: (fd, errno) => push(['end', fd, errno]),
    closed: (fd) => push(['closed', fd]),
    descriptorsExhausted: (n) => push(['emfile', n]),
    proxyEnded: (fd, errno) => push(['proxyEnded', fd, errno]),
    proxyConnected: (fd) => push(['proxyConnected', fd]),
    proxyUnreachable: (fd, errno) => push(['proxyUnreachable', fd, errno]),
    failed: (err) => push(['failed', err]),
    ...overrides,
    next(kind, timeoutMs = 3000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          for (; seen < events.length; seen++) {
            if (events[seen]![0] === kind) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(events[seen++]!);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${kind} event within ${timeoutMs} ms; got ${events.map((e) => e[0]).join(', ')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

const here = dirname(fileURLToPath(import.meta.url));

const gates: FrontGate[] = [];
const clients: net.Socket[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  for (const g of gates.splice(0)) g.shutdown();
});

function open(r: Recorder): { gate: FrontGate; port: number; fd: number } {
  const gate = FrontGate.open(r, { reserveDescriptors: 2 });
  gates.push(gate);
  const { fd, port } = gate.listen('127.0.0.1', 0, 64, false);
  return { gate, port, fd };
}

function client(port: number, bytes?: Buffer, allowHalfOpen = false): net.Socket {
  const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen });
  c.on('error', () => {});
  if (bytes) c.write(bytes);
  clients.push(c);
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('FrontGate', () => {
  it('accepts only as many connections as the budget allows; the rest wait in the backlog', async () => {
    const r = recorder();
    const { gate, port, fd: listener } = open(r);
    gate.accept(1);
    client(port);
    client(port);
    const [, l, fds] = await r.next('accepted');
    expect(l).toBe(listener);
    expect(fds).toHaveLength(1);
    await sleep(200);
    expect(r.events.filter((e) => e[0] === 'accepted')).toHaveLength(1);
    // With probe, the waiting one is reported once; the gate does not spin.
    gate.accept(0, true);
    await r.next('blocked');
    await sleep(100);
    expect(r.events.filter((e) => e[0] === 'blocked')).toHaveLength(1);
    gate.accept(5);
    const [, , more] = await r.next('accepted');
    expect(more).toHaveLength(1);
    for (const f of [...(fds as number[]), ...(more as number[])]) gate.close(f);
  });

  it('with deferSeconds, a client that says nothing is not accepted until the kernel gives up waiting; one with data is at once', async () => {
    const r = recorder();
    const gate = FrontGate.open(r, { reserveDescriptors: 2 });
    gates.push(gate);
    const { port } = gate.listen('127.0.0.1', 0, 64, false, 1);
    gate.accept(10);
    const silentAt = Date.now();
    client(port);
    await sleep(300);
    expect(r.events.filter((e) => e[0] === 'accepted')).toHaveLength(0);
    client(port, Buffer.from('hello'));
    const [, , first] = await r.next('accepted');
    expect(first).toHaveLength(1);
    const [, , second] = await r.next('accepted', 10_000);
    expect(second).toHaveLength(1);
    expect(Date.now() - silentAt).toBeGreaterThanOrEqual(900);
    for (const fd of [...(first as number[]), ...(second as number[])]) gate.close(fd);
  });

  it('adopts a listening socket it inherited, as with socket activation, and refuses anything else', async () => {
    // The parent opens the socket and passes it on exec, as systemd does (sd_listen_fds(3)).
    const parent = spawn(
      'python3',
      [
        '-c',
        'import socket, subprocess, sys\n' +
          's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)\n' +
          'sys.exit(subprocess.run([sys.argv[1], sys.argv[2], str(s.fileno())], pass_fds=[s.fileno()]).returncode)',
        process.execPath,
        join(here, 'fixtures', 'gate-adopt.mjs'),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    parent.stdout.on('data', (c: Buffer) => (out += c.toString()));
    for (let i = 0; i < 200 && !out.includes('ADOPTED'); i++) await sleep(25);
    const m = /ADOPTED (\d) (\d+)/.exec(out);
    expect(m?.[1]).toBe('4');
    client(Number(m![2]), Buffer.from('hello'));
    const code = await new Promise<number | null>((resolve) => parent.on('exit', resolve));
    expect(out).toContain('ACCEPTED hello');
    expect(code).toBe(0);
    const r = recorder();
    const gate = FrontGate.open(r, { reserveDescriptors: 0 });
    gates.push(gate);
    const file = openSync('/dev/null', 'r');
    try {
      expect(() => gate.adopt(file)).toThrow(expect.objectContaining({ code: 'HANDOFF_ERR_LISTEN' }));
    } finally {
      closeSync(file);
    }
  });

  it('reads at most the limit, however much the client writes at once', async () => {
    const r = recorder();
    const { gate, port } = open(r);
    gate.accept(10);
    client(port, Buffer.alloc(100_000, 0x41));
    const [, , [fd]] = (await r.next('accepted')) as [string, number, number[]];
    gate.read(fd!, 3000);
    await sleep(300);
    const got = r.events.filter((e) => e[0] === 'data').reduce((n, e) => n + (e[2] as Buffer).length, 0);
    expect(got).toBe(3000);
    gate.close(fd!);
  });

  it('reports EOF as end(null), a reset as end(ECONNRESET)', async () => {
    const r = recorder();
    const { gate, port } = open(r);
    gate.accept(10);
    const a = client(port, Buffer.from('x'));
    const [, , [fa]] = (await r.next('accepted')) as [string, number, number[]];
    gate.read(fa!, 100);
    await r.next('data');
    a.end();
    expect(await r.next('end')).toEqual(['end', fa, null]);
    gate.close(fa!);
    const b = client(port);
    const [, , [fb]] = (await r.next('accepted')) as [string, number, number[]];
    gate.read(fb!, 100);
    await sleep(50);
    b.resetAndDestroy();
    expect(await r.next('end')).toEqual(['end', fb, 'ECONNRESET']);
    gate.close(fb!);
  });

  it('sends a fault, half-closes, drains until the client closes, then closes and reports it', async () => {
    const r = recorder();
    const { gate, port } = open(r);
    gate.accept(10);
    const c = client(port, Buffer.from('hello'), true);
    const received: Buffer[] = [];
    const ended = new Promise<void>((resolve) => c.on('end', resolve));
    c.on('data', (d: Buffer) => received.push(d));
    const [, , [fd]] = (await r.next('accepted')) as [string, number, number[]];
    gate.fault(fd!, Buffer.from('FAULT'), 1000);
    await ended; // the gate shut its sending side after the fault
    expect(Buffer.concat(received).toString()).toBe('FAULT');
    await sleep(100);
    expect(r.events.some((e) => e[0] === 'closed')).toBe(false); // still draining
    c.end('more bytes, discarded');
    expect(await r.next('closed')).toEqual(['closed', fd]);
  });

  it('stops draining after drainBytes', async () => {
    const r = recorder();
    const { gate, port } = open(r);
    gate.accept(10);
    const c = client(port);
    const [, , [fd]] = (await r.next('accepted')) as [string, number, number[]];
    gate.fault(fd!, Buffer.from('F'), 1000);
    c.write(Buffer.alloc(5000));
    expect(await r.next('closed')).toEqual(['closed', fd]);
  });

  it('release leaves the descriptor open and the caller’s', async () => {
    const r = recorder();
    const { gate, port } = open(r);
    gate.accept(10);
    const c = client(port, Buffer.from('ping'));
    const got = new Promise<string>((resolve) => c.once('data', (d: Buffer) => resolve(d.toString())));
    const [, , [fd]] = (await r.next('accepted')) as [string, number, number[]];
    gate.read(fd!, 100);
    await r.next('data');
    gate.release(fd!);
    writeSync(fd!, 'pong');
    expect(await got).toBe('pong');
    gate.close(fd!);
  });

  it('a throwing handler goes to failed(), never to the addon', async () => {
    const r = recorder({
      accepted: () => {
        throw new Error('handler bug');
      },
    });
    const failures: unknown[] = [];
    r.failed = (err) => failures.push(err);
    const { gate, port } = open(r);
    gate.accept(1);
    client(port);
    await sleep(200);
    expect((failures[0] as Error).message).toBe('handler bug');
  });

  it('refuses a bad reserve and reports a port in use with its errno', () => {
    expect(() => FrontGate.open(recorder(), { reserveDescriptors: 65 })).toThrow(HandoffError);
    const r = recorder();
    const { gate, port } = open(r);
    try {
      gate.listen('127.0.0.1', port, 16, false);
      expect.unreachable();
    } catch (err) {
      expect((err as HandoffError).code).toBe('HANDOFF_ERR_LISTEN');
      expect((err as HandoffError).errno).toBe('EADDRINUSE');
    }
  });
});

describe('FrontGate proxy relay', () => {
  /** A Unix stream server in this process (so its SO_PEERCRED pid is ours) that hands each connection to `onConn`. */
  async function unixServer(onConn: (s: net.Socket) => void): Promise<{ path: string; close(): void }> {
    const dir = mkdtempSync(join(tmpdir(), 'gate-'));
    const path = join(dir, 'w.sock');
    const server = net.createServer((s) => {
      s.on('error', () => {});
      onConn(s);
    });
    await new Promise<void>((r) => server.listen(path, r));
    return { path, close: () => (server.close(), rmSync(dir, { recursive: true, force: true })) };
  }

  async function accepted(r: Recorder, gate: FrontGate): Promise<number> {
    gate.accept(10);
    const [, , [fd]] = (await r.next('accepted')) as [string, number, number[]];
    return fd!;
  }

  it('writes the preface, relays both ways with half-closes, and reports the end once both sides closed', async () => {
    const got: Buffer[] = [];
    const srv = await unixServer((s) => {
      s.on('data', (c: Buffer) => got.push(c));
      s.on('end', () => s.end('bye'));
      s.write('hello from the worker');
    });
    const r = recorder();
    const { gate, port } = open(r);
    const c = client(port, undefined, true);
    const fd = await accepted(r, gate);
    const answer: Buffer[] = [];
    c.on('data', (d: Buffer) => answer.push(d));
    const ended = new Promise<void>((resolve) => c.on('end', resolve));
    gate.proxy(fd, srv.path, Buffer.from('PREFACE|'), { pid: process.pid, uid: process.getuid!() });
    c.end('client bytes');
    await ended;
    c.end();
    expect(await r.next('proxyEnded')).toEqual(['proxyEnded', fd, null]);
    expect(Buffer.concat(got).toString()).toBe('PREFACE|client bytes');
    expect(Buffer.concat(answer).toString()).toBe('hello from the workerbye');
    srv.close();
  });

  it('moves 64 MiB each way intact', async () => {
    const srv = await unixServer((s) => s.pipe(s));
    const r = recorder();
    const { gate, port } = open(r);
    const c = client(port, undefined, true);
    const fd = await accepted(r, gate);
    gate.proxy(fd, srv.path, Buffer.alloc(0), undefined);
    const total = 64 * 1024 * 1024;
    const block = Buffer.alloc(1 << 20);
    for (let i = 0; i < block.length; i++) block[i] = (i * 7) & 0xff;
    const sent = createHash('sha256');
    const back = createHash('sha256');
    let received = 0;
    const done = new Promise<void>((resolve) =>
      c.on('data', (d: Buffer) => {
        back.update(d);
        received += d.length;
        if (received === total) resolve();
      }),
    );
    for (let i = 0; i < total / block.length; i++) {
      sent.update(block);
      if (!c.write(block)) await new Promise((resolve) => c.once('drain', resolve));
    }
    await done;
    expect(back.digest('hex')).toBe(sent.digest('hex'));
    c.destroy();
    await r.next('proxyEnded');
    srv.close();
  });

  it('small messages, copied rather than spliced, arrive whole and in order while the worker stops reading for a while', async () => {
    // Each write is well under the relay's copy size; the worker pauses, so the relay's sends
    // come up short and what is left waits in its buffer (relay.c half_copy).
    let worker: net.Socket | undefined;
    const got: Buffer[] = [];
    const srv = await unixServer((s) => {
      worker = s;
      s.pause();
      s.on('data', (d: Buffer) => got.push(d));
    });
    const r = recorder();
    const { gate, port } = open(r);
    const c = client(port, undefined, true);
    const fd = await accepted(r, gate);
    gate.proxy(fd, srv.path, Buffer.alloc(0), undefined);
    const messages = Array.from({ length: 20_000 }, (_, i) => Buffer.from(`message ${i} ${'x'.repeat(i % 300)}\n`));
    for (const m of messages) if (!c.write(m)) await new Promise((resolve) => c.once('drain', resolve));
    await new Promise((resolve) => setTimeout(resolve, 100));
    worker!.resume();
    const total = messages.reduce((n, m) => n + m.length, 0);
    while (got.reduce((n, b) => n + b.length, 0) < total) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(Buffer.concat(got).equals(Buffer.concat(messages))).toBe(true);
    c.destroy();
    await r.next('proxyEnded');
    srv.close();
  });

  it('writes nothing to a socket whose peer is another process (EPERM), and leaves the client descriptor to the caller', async () => {
    const got: Buffer[] = [];
    const srv = await unixServer((s) => s.on('data', (c: Buffer) => got.push(c)));
    const r = recorder();
    const { gate, port } = open(r);
    const c = client(port, Buffer.from('x'));
    const fd = await accepted(r, gate);
    let err: HandoffError | undefined;
    try {
      gate.proxy(fd, srv.path, Buffer.from('PREFACE'), { pid: process.pid + 1, uid: process.getuid!() });
    } catch (e) {
      err = e as HandoffError;
    }
    expect(err?.code).toBe('HANDOFF_ERR_CONNECT');
    expect(err?.errno).toBe('EPERM');
    await sleep(100);
    expect(Buffer.concat(got).length).toBe(0);
    // Still ours: usable, then closed by us.
    writeSync(fd, 'still here');
    const seen = await new Promise<string>((resolve) => c.once('data', (d: Buffer) => resolve(d.toString())));
    expect(seen).toBe('still here');
    gate.close(fd);
    srv.close();
  });

  it('throws ENOENT for a path nobody listens on', async () => {
    const r = recorder();
    const { gate, port } = open(r);
    client(port, Buffer.from('x'));
    const fd = await accepted(r, gate);
    expect(() => gate.proxy(fd, '/nonexistent/w.sock', Buffer.alloc(0), undefined)).toThrow(expect.objectContaining({ errno: 'ENOENT' }));
    gate.close(fd);
  });
});


describe('FrontGate relay to a TCP server (static routes)', () => {
  async function tcpServer(onConn: (s: net.Socket) => void, host = '127.0.0.1'): Promise<{ port: number; close(): void }> {
    const server = net.createServer({ allowHalfOpen: true }, (s) => {
      s.on('error', () => {});
      onConn(s);
    });
    await new Promise<void>((r) => server.listen(0, host, r));
    return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
  }

  async function acceptedFd(r: Recorder, gate: FrontGate): Promise<number> {
    gate.accept(10);
    const [, , [fd]] = (await r.next('accepted')) as [string, number, number[]];
    return fd!;
  }

  it.each(['127.0.0.1', '::1'])('connects to %s without blocking, writes the bytes read so far first, then relays both ways', async (host) => {
    const got: Buffer[] = [];
    const srv = await tcpServer((s) => {
      s.on('data', (c: Buffer) => got.push(c));
      s.on('end', () => s.end('bye'));
      s.write('server first');
    }, host);
    const r = recorder();
    const { gate, port } = open(r);
    const c = client(port, undefined, true);
    const fd = await acceptedFd(r, gate);
    const answer: Buffer[] = [];
    c.on('data', (d: Buffer) => answer.push(d));
    const ended = new Promise<void>((resolve) => c.on('end', resolve));
    gate.proxyTcp(fd, host, srv.port, Buffer.from('PREAMBLE|'));
    expect(await r.next('proxyConnected')).toEqual(['proxyConnected', fd]);
    c.end('and the rest');
    await ended;
    c.end();
    expect(await r.next('proxyEnded')).toEqual(['proxyEnded', fd, null]);
    expect(Buffer.concat(got).toString()).toBe('PREAMBLE|and the rest');
    expect(Buffer.concat(answer).toString()).toBe('server firstbye');
    srv.close();
  });

  it('reports ECONNREFUSED when nothing listens, and hands the client back untouched', async () => {
    const free = await tcpServer(() => {});
    const refused = free.port;
    free.close();
    const r = recorder();
    const { gate, port } = open(r);
    const c = client(port, Buffer.from('x'));
    const fd = await acceptedFd(r, gate);
    gate.proxyTcp(fd, '127.0.0.1', refused, Buffer.from('PREAMBLE'), 1000);
    expect(await r.next('proxyUnreachable')).toEqual(['proxyUnreachable', fd, 'ECONNREFUSED']);
    expect(r.events.some((e) => e[0] === 'proxyEnded' || e[0] === 'proxyConnected')).toBe(false);
    // Still the caller's: it can answer (a fault, in the daemon), then close.
    writeSync(fd, 'answered');
    expect(await new Promise<string>((resolve) => c.once('data', (d: Buffer) => resolve(d.toString())))).toBe('answered');
    gate.close(fd);
  });

  it('gives up after the connect timeout (ETIMEDOUT) on a server whose accept queue is full', async () => {
    // A listener that never accepts, with a backlog of 1: once its queue is full the kernel drops
    // new SYNs, so a connect neither succeeds nor fails.
    const slowRecorder = recorder();
    const slow = FrontGate.open(slowRecorder, { reserveDescriptors: 1 });
    gates.push(slow);
    const { port: slowPort } = slow.listen('127.0.0.1', 0, 1, false);
    for (let i = 0; i < 4; i++) client(slowPort);
    await sleep(200);
    const r = recorder();
    const { gate, port } = open(r);
    client(port, Buffer.from('x'));
    const fd = await acceptedFd(r, gate);
    const started = Date.now();
    gate.proxyTcp(fd, '127.0.0.1', slowPort, Buffer.from('PREAMBLE'), 300);
    expect(await r.next('proxyUnreachable')).toEqual(['proxyUnreachable', fd, 'ETIMEDOUT']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    gate.close(fd);
  });

  it('without a proxyUnreachable handler, the gate closes the client', async () => {
    const free = await tcpServer(() => {});
    const refused = free.port;
    free.close();
    const r = recorder();
    delete (r as Partial<Recorder>).proxyUnreachable;
    const { gate, port } = open(r);
    const c = client(port, Buffer.from('x'));
    const closed = new Promise<void>((resolve) => c.on('close', () => resolve()));
    const fd = await acceptedFd(r, gate);
    gate.proxyTcp(fd, '127.0.0.1', refused, Buffer.from('PREAMBLE'));
    await closed;
  });

  it('refuses an address that is not an IP literal (EINVAL), leaving the client descriptor to the caller', async () => {
    const r = recorder();
    const { gate, port } = open(r);
    client(port, Buffer.from('x'));
    const fd = await acceptedFd(r, gate);
    expect(() => gate.proxyTcp(fd, 'localhost', 80, Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'HANDOFF_ERR_CONNECT', errno: 'EINVAL' }));
    gate.close(fd);
  });
});

describe('FrontGate out of descriptors', () => {
  it('pauses instead of spinning, leaves clients in the backlog, and accepts them once descriptors free', async () => {
    const child = spawn('prlimit', ['--nofile=40:40', process.execPath, join(here, 'fixtures', 'gate-emfile.mjs')], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const line = async (prefix: string): Promise<string> => {
      for (let i = 0; i < 200; i++) {
        const l = out.split('\n').find((x) => x.startsWith(prefix));
        if (l) return l;
        await sleep(25);
      }
      throw new Error(`no "${prefix}" line; output: ${out}`);
    };
    try {
      const port = Number((await line('PORT ')).slice(5));
      for (let i = 0; i < 30; i++) client(port);
      await line('EMFILE ');
      // CPU used over one second while clients wait and accept() has no descriptor: no busy loop.
      const cpu = (): number => {
        // utime and stime, fields 14 and 15 of /proc/<pid>/stat (proc(5)), in clock ticks (100 Hz).
        const f = existsSync(`/proc/${child.pid}/stat`) ? readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ') : [];
        return (Number(f[11]) + Number(f[12])) / 100;
      };
      const before = cpu();
      await sleep(1000);
      const used = cpu() - before;
      expect(used).toBeLessThan(0.5);
      child.stdin.write('free\n');
      const accepted = Number((await line('TOTAL 30')).slice(6));
      expect(accepted).toBe(30);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
