// The real data path: a TCP server in this process (the daemon's role) reads the first bytes of a
// connection, passes the socket and those bytes to a worker in another process, and closes its
// own copy. The worker (test/fixtures/echo-worker.mjs) wraps the descriptor as a net.Socket,
// unshifts the bytes and echoes; the client must see every byte it ever sent.
import { readlinkSync } from 'node:fs';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HandoffSender } from '../src/index.js';
import { EchoWorker, fdCount, fdsPointingTo, tempDir } from './helpers.js';
import { socketFd } from '@portshare/test-utils';

let tmp: ReturnType<typeof tempDir>;
let worker: EchoWorker | undefined;
let server: net.Server | undefined;
let sender: HandoffSender | undefined;

beforeEach(() => {
  tmp = tempDir();
});

afterEach(async () => {
  sender?.close();
  sender = undefined;
  await worker?.stop();
  worker = undefined;
  if (server !== undefined) await new Promise<void>((resolve) => server?.close(() => resolve()));
  server = undefined;
  tmp.remove();
});

interface HandedOff {
  /** /proc link of the passed socket ("socket:[inode]"), read before our copy was closed. */
  target: string;
  /** Bytes the daemon read before the hand-off. */
  preRead: Buffer;
}

/**
 * A TCP server playing the daemon: on the first chunk it stops reading (so no later byte is
 * swallowed), sends the descriptor and the chunk, then destroys its own socket.
 */
async function startDaemon(handoff: HandoffSender, onHandedOff: (info: HandedOff) => void): Promise<number> {
  server = net.createServer((socket) => {
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      (socket as unknown as { _handle: { readStop(): void } })._handle.readStop();
      const fd = socketFd(socket);
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      handoff.send(fd, chunk).then(
        () => {
          socket.destroy();
          onHandedOff({ target, preRead: chunk });
        },
        (err: unknown) => socket.destroy(err as Error),
      );
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server?.address() as net.AddressInfo).port;
}

function connectClient(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const client = net.connect(port, '127.0.0.1', () => resolve(client));
    client.once('error', reject);
  });
}

/** Resolves with everything the client has received once it holds `length` bytes. */
function receive(client: net.Socket, received: Buffer[], length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const all = Buffer.concat(received);
      if (all.length >= length) {
        client.off('data', check);
        resolve(all);
      }
    };
    client.on('data', check);
    client.once('error', reject);
    check();
  });
}

describe('TCP connection handed to a worker process', () => {
  it('the worker echoes every byte, including those sent after the hand-off; the daemon keeps no copy', async () => {
    const path = tmp.path('worker.sock');
    worker = new EchoWorker(path);
    const ready = await worker.next('listening');
    sender = HandoffSender.connect(path);
    expect(sender.peerCredentials().pid).toBe(ready.pid);
    const connection = await worker.next('connection');
    expect((connection.creds as { pid: number }).pid).toBe(process.pid);

    const handedOff: HandedOff[] = [];
    const port = await startDaemon(sender, (info) => handedOff.push(info));
    const client = await connectClient(port);
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => received.push(chunk));

    // Part 1 is what the daemon reads; part 2 follows at once, as a WCF client's records do.
    const part1 = Buffer.from('\x00\x01\x00\x01\x02\x02\x1cnet.tcp://localhost/service');
    const part2 = Buffer.from('\x03\x08\x0c');
    client.write(part1);
    setImmediate(() => client.write(part2));
    const workerMessage = await worker.next('message');
    await receive(client, received, part1.length + part2.length);

    expect(handedOff).toHaveLength(1);
    const info = handedOff[0] as HandedOff;
    // The worker holds the same kernel socket; this process holds none of it any more.
    expect(workerMessage.target).toBe(info.target);
    expect(fdsPointingTo(info.target)).toEqual([]);

    // Long after the hand-off, the connection still works end to end.
    const part3 = Buffer.alloc(256 * 1024, 0x5a);
    client.write(part3);
    const all = await receive(client, received, part1.length + part2.length + part3.length);
    expect(all.equals(Buffer.concat([part1, part2, part3]))).toBe(true);
    expect(info.preRead.length).toBeGreaterThanOrEqual(1);
    expect(workerMessage.bytes).toBe(info.preRead.length);

    const closed = new Promise((resolve) => client.once('close', resolve));
    client.end();
    await closed;
  });

  it('1,000 hand-offs in a row leak no descriptor in either process', async () => {
    const path = tmp.path('worker.sock');
    worker = new EchoWorker(path);
    await worker.next('listening');
    sender = HandoffSender.connect(path);
    await worker.next('connection');
    worker.send({ type: 'fds' });
    const workerBefore = await worker.next('fds');

    let handedOff = 0;
    const port = await startDaemon(sender, () => {
      handedOff += 1;
    });
    const parentBefore = fdCount();

    const total = 1000;
    const concurrency = 8;
    let next = 0;
    const runOne = async (i: number): Promise<void> => {
      const client = await connectClient(port);
      const received: Buffer[] = [];
      client.on('data', (chunk: Buffer) => received.push(chunk));
      const message = Buffer.from(`connection ${i}`);
      client.write(message);
      const echoed = await receive(client, received, message.length);
      expect(echoed.equals(message)).toBe(true);
      const closed = new Promise((resolve) => client.once('close', resolve));
      client.end();
      await closed;
    };
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) await runOne(next++);
      }),
    );

    expect(handedOff).toBe(total);
    expect(fdCount()).toBe(parentBefore);
    worker.send({ type: 'fds' });
    const workerAfter = await worker.next('fds');
    expect(workerAfter.received).toBe(total);
    expect(workerAfter.count).toBe(workerBefore.count);
  });
});
