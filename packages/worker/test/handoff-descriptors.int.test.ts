// A hand-off that carries something other than a connection. The worker takes hand-offs from the
// sharing service's pid only, so here this test process IS the sharing service: it runs the real
// daemon in-process (runDaemon), a real worker process (fixtures/listener-worker.mjs) registers
// with it and allows this pid, and this process then passes the worker, over its real hand-off
// socket, a file, a pipe, a UDP socket and a listening TCP socket with a well-formed header.
// Before the fix `new net.Socket({ fd })` threw for the file and the UDP socket inside the addon's
// callback (napi_fatal_exception: the worker died) and took the pipe and the listening socket as
// client connections. Now each is refused with a warning and its descriptor closed, and the worker
// goes on serving.
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { closeSync, constants, openSync, readdirSync, readFileSync, readlinkSync, readSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeHandoffPayload } from '@portshare/control';
import { encodePreamble } from '@portshare/framing';
import { HandoffSender } from '@portshare/handoff';
import { runDaemon, type RunningDaemon } from '@portshare/service';
import { freePort, LISTENER_WORKER, makeHome, roundTrip, spawnProc, type Proc } from './helpers.js';

const THROWING_WORKER = fileURLToPath(new URL('./fixtures/throwing-listener-worker.mjs', import.meta.url));

let home: ReturnType<typeof makeHome>;
let daemon: RunningDaemon;
let worker: Proc;
let throwing: Proc | undefined;
let sender: HandoffSender;
let port: number;
const closers: (() => void)[] = [];

beforeAll(async () => {
  home = makeHome();
  daemon = await runDaemon({ paths: home.paths });
  port = await freePort();
  worker = spawnProc([LISTENER_WORKER, `net.tcp://localhost:${port}/svc`, 'on', 'A'], { PORTSHARE_HOME: home.home });
  await worker.waitFor(/READY shared/);
  const dir = join(home.paths.runDir, 'workers');
  // Each receiver binds h.sock in a folder of its own, w<pid>-<random> (src/handoff-folder.ts).
  const folder = readdirSync(dir).find((f) => f.startsWith(`w${worker.pid}-`));
  // The worker allows the daemon's pid, which is this process's: this sender is taken.
  sender = HandoffSender.connect(join(dir, folder!, 'h.sock'));
});

afterAll(async () => {
  sender?.close();
  for (const close of closers.splice(0)) close();
  await worker?.kill('SIGKILL');
  await throwing?.kill('SIGKILL');
  await daemon?.stop();
  home?.cleanup();
});

/** A well-formed hand-off header, as the daemon sends it, so only the descriptor is wrong. */
function payload(): Buffer {
  const via = `net.tcp://localhost:${port}/svc`;
  return encodeHandoffPayload(
    { connectionId: 1, registrationId: 1, via, localAddress: '127.0.0.1', localPort: port },
    encodePreamble({ via, encoding: 8 }),
  );
}

/** The worker's descriptors whose /proc link is `target`. */
function workerFdsOn(target: string): string[] {
  const found: string[] = [];
  for (const fd of readdirSync(`/proc/${worker.pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${worker.pid}/fd/${fd}`) === target) found.push(fd);
    } catch {
      /* closed meanwhile */
    }
  }
  return found;
}

/** This process's descriptor of a socket bound to 127.0.0.1:`port`, found through /proc/net (proc(5)). */
function socketFdByPort(protocol: 'tcp' | 'udp', boundPort: number): number {
  const local = `0100007F:${boundPort.toString(16).toUpperCase().padStart(4, '0')}`;
  const line = readFileSync(`/proc/net/${protocol}`, 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((fields) => fields[1] === local);
  const target = `socket:[${line?.[9]}]`;
  const fd = readdirSync('/proc/self/fd').find((entry) => {
    try {
      return readlinkSync(`/proc/self/fd/${entry}`) === target;
    } catch {
      return false;
    }
  });
  if (fd === undefined) throw new Error(`no ${protocol} socket of this process on 127.0.0.1:${boundPort}`);
  return Number(fd);
}

async function badDescriptor(kind: string): Promise<number> {
  switch (kind) {
    case 'file': {
      const file = join(home.home, 'plain.txt');
      writeFileSync(file, 'not a socket');
      const fd = openSync(file, 'r');
      closers.push(() => closeSync(fd));
      return fd;
    }
    case 'UDP socket': {
      const udp = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
      closers.push(() => udp.close());
      return socketFdByPort('udp', (udp.address() as AddressInfo).port);
    }
    case 'listening TCP socket': {
      const server: Server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      closers.push(() => server.close());
      return socketFdByPort('tcp', (server.address() as AddressInfo).port);
    }
    default:
      throw new Error(kind);
  }
}

describe('a hand-off whose descriptor is not a connection', () => {
  it.each([
    ['file', 'file'],
    ['UDP socket', 'datagram socket'],
    ['listening TCP socket', 'listening socket'],
  ])('%s: refused with a warning, the worker closes its copy and stays up', async (kind, described) => {
    const fd = await badDescriptor(kind);
    const target = readlinkSync(`/proc/self/fd/${fd}`);
    await sender.send(fd, payload());
    const warning = await worker.waitFor(/WARNING (\S+) (.*)\n/);
    expect(warning[1]).toBe('WORKER_ERR_BAD_HANDOFF');
    expect(warning[2]).toContain(`carried a ${described} instead of a connected stream socket`);
    expect(workerFdsOn(target)).toEqual([]);
    expect(worker.proc.exitCode).toBeNull();
    expect(worker.out()).not.toContain('CONN');
  });

  it('pipe: refused with a warning; its reader sees end-of-file once this process closes its end, so the worker kept no copy', async () => {
    const fifo = join(home.home, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const read = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    closers.push(() => closeSync(read));
    const write = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const target = readlinkSync(`/proc/self/fd/${write}`);
    await sender.send(write, payload());
    const warning = await worker.waitFor(/WARNING (\S+) (.*)\n/);
    expect(warning[1]).toBe('WORKER_ERR_BAD_HANDOFF');
    expect(warning[2]).toContain('carried a pipe instead of a connected stream socket');
    expect(workerFdsOn(target)).toEqual([]);
    closeSync(write);
    // A non-blocking read gives EAGAIN while any writer is open anywhere, 0 (end of file) when none is.
    expect(readSync(read, Buffer.alloc(1))).toBe(0);
    expect(worker.out()).not.toContain('CONN');
  });

  it('the worker is still up and serves clients the daemon hands over', async () => {
    const via = `net.tcp://localhost:${port}/svc`;
    const bytes = encodePreamble({ via, encoding: 8 });
    const { data, socket } = await roundTrip(port, bytes, 2 + bytes.length);
    socket.destroy();
    expect(data.toString('latin1', 0, 2)).toBe('A:');
    expect(data.subarray(2)).toEqual(bytes);
    expect(worker.proc.exitCode).toBeNull();
    expect(worker.out()).toMatch(/CONN fd /);
  });
});

describe("a 'connection' listener that throws", () => {
  it('the worker warns, closes that connection and stays up for the next', async () => {
    throwing = spawnProc([THROWING_WORKER, `net.tcp://localhost:${port}/throw`], { PORTSHARE_HOME: home.home });
    await throwing.waitFor(/READY/);
    const via = `net.tcp://localhost:${port}/throw`;
    for (let i = 0; i < 2; i++) {
      const client = await new Promise<Socket>((resolve) => {
        const c = connect({ port, host: '127.0.0.1' }, () => resolve(c));
      });
      client.on('error', () => {});
      const closed = new Promise((resolve) => client.once('close', resolve));
      client.write(encodePreamble({ via, encoding: 8 }));
      const warning = await throwing.waitFor(/WARNING (\S+) (.*)\n/);
      expect(warning[1]).toBe('WORKER_ERR_BAD_HANDOFF');
      expect(warning[2]).toContain("A 'connection' listener threw (listener bug); the connection it was given was closed.");
      // The worker destroyed the socket: the client sees the connection end.
      await closed;
      expect(throwing.proc.exitCode).toBeNull();
    }
  });
});
