// What a receiver takes. The addon tells each message's descriptor kind (fstat, SO_TYPE,
// SO_DOMAIN, SO_ACCEPTCONN); with streamSocketsOnly a receiver takes connected TCP and Unix stream
// sockets only and closes anything else before a handler could wrap it: a worker that turns every
// descriptor into a net.Socket would otherwise throw (a file, a datagram socket) or take a
// non-connection (a pipe, a listening socket). And no handler's exception reaches the addon.
import { closeSync, existsSync, openSync, readlinkSync, readSync, writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HandoffError, HandoffReceiver, HandoffSender, HandoffErrorCodes } from '../src/index.js';
import type { DescriptorKind } from '../src/receiver.js';
import { fdsPointingTo, fifo, runFixture, socketFdByPort, tempDir, until } from './helpers.js';
import { socketFd } from '@portshare/test-utils';

let tmp: ReturnType<typeof tempDir>;
const cleanups: (() => void | Promise<void>)[] = [];

beforeEach(() => {
  tmp = tempDir();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  tmp.remove();
});

interface Taken {
  kind: DescriptorKind;
  payload: string;
}

function receiver(streamSocketsOnly: boolean): { path: string; taken: Taken[]; errors: HandoffError[] } {
  const path = tmp.path(`r${streamSocketsOnly ? 's' : 'a'}.sock`);
  const taken: Taken[] = [];
  const errors: HandoffError[] = [];
  const r = HandoffReceiver.listen(
    path,
    {
      onMessage(fd, payload, kind) {
        taken.push({ kind, payload: payload.toString() });
        closeSync(fd);
      },
      onError(err) {
        errors.push(err);
      },
    },
    { streamSocketsOnly },
  );
  cleanups.push(() => r.close());
  return { path, taken, errors };
}

function sender(path: string): HandoffSender {
  const s = HandoffSender.connect(path);
  cleanups.push(() => s.close());
  return s;
}

/** One descriptor of every kind a hostile or broken sender could pass, each with its /proc link. */
async function descriptors(): Promise<Record<string, { fd: number; kind: DescriptorKind }>> {
  const file = tmp.path('plain.txt');
  writeFileSync(file, 'not a socket');
  const fileFd = openSync(file, 'r');
  const [pipeRead, pipeWrite] = fifo(tmp.path('fifo'));
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  const listening = net.createServer();
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  const tcpClient = await new Promise<net.Socket>((resolve) => {
    const c = net.connect((listening.address() as net.AddressInfo).port, '127.0.0.1', () => resolve(c));
  });
  const unixServer = net.createServer();
  await new Promise<void>((resolve) => unixServer.listen(tmp.path('stream.sock'), resolve));
  const unixClient = await new Promise<net.Socket>((resolve) => {
    const c = net.connect(tmp.path('stream.sock'), () => resolve(c));
  });
  const seqpacket = HandoffSender.connect(receiver(false).path);
  cleanups.push(async () => {
    closeSync(fileFd);
    closeSync(pipeRead);
    closeSync(pipeWrite);
    udp.close();
    tcpClient.destroy();
    unixClient.destroy();
    seqpacket.close();
    listening.close();
    unixServer.close();
  });
  return {
    file: { fd: fileFd, kind: 'file' },
    pipe: { fd: pipeWrite, kind: 'pipe' },
    directory: { fd: openSync(tmp.dir, 'r'), kind: 'directory' },
    device: { fd: openSync('/dev/null', 'r'), kind: 'device' },
    'UDP socket': { fd: socketFdByPort('udp', (udp.address() as net.AddressInfo).port), kind: 'datagram-socket' },
    'listening TCP socket': { fd: socketFdByPort('tcp', (listening.address() as net.AddressInfo).port), kind: 'listening-socket' },
    'SOCK_SEQPACKET socket': { fd: seqpacket.fd, kind: 'seqpacket-socket' },
    'connected TCP socket': { fd: socketFd(tcpClient), kind: 'stream-socket' },
    'connected Unix stream socket': { fd: socketFd(unixClient), kind: 'stream-socket' },
  };
}

const refusedWith: Partial<Record<DescriptorKind, string>> = {
  file: 'ENOTSOCK',
  pipe: 'ENOTSOCK',
  directory: 'ENOTSOCK',
  device: 'ENOTSOCK',
  'datagram-socket': 'EPROTOTYPE',
  'seqpacket-socket': 'EPROTOTYPE',
  'listening-socket': 'ENOTCONN',
};

describe('descriptor kinds', () => {
  it('a receiver reports each descriptor’s kind to onMessage', async () => {
    const all = await descriptors();
    const { path, taken, errors } = receiver(false);
    const s = sender(path);
    for (const [name, { fd }] of Object.entries(all)) await s.send(fd, Buffer.from(name));
    await until(() => taken.length === Object.keys(all).length);
    expect(errors).toEqual([]);
    expect(taken).toEqual(Object.entries(all).map(([name, { kind }]) => ({ kind, payload: name })));
  });

  it('streamSocketsOnly: takes connected TCP and Unix stream sockets; drops and closes a file, pipe, directory, device, UDP, listening or seqpacket socket', async () => {
    const all = await descriptors();
    const { path, taken, errors } = receiver(true);
    const s = sender(path);
    for (const [name, { fd, kind }] of Object.entries(all)) {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      const open = fdsPointingTo(target);
      const before = errors.length;
      await s.send(fd, Buffer.from(name));
      if (kind === 'stream-socket') {
        await until(() => taken.some((t) => t.payload === name));
        continue;
      }
      await until(() => errors.length > before);
      const err = errors.at(-1)!;
      expect(err).toBeInstanceOf(HandoffError);
      expect(err.code).toBe(HandoffErrorCodes.RECEIVE);
      expect(err.errno).toBe(refusedWith[kind]);
      expect(err.message).toContain(`carried a ${kind.replaceAll('-', ' ')} instead of a connected stream socket`);
      // The received copy is closed already: the descriptors open on that object are the ones
      // open before the send.
      expect(fdsPointingTo(target)).toEqual(open);
    }
    expect(taken).toEqual([
      { kind: 'stream-socket', payload: 'connected TCP socket' },
      { kind: 'stream-socket', payload: 'connected Unix stream socket' },
    ]);
  });

  it('streamSocketsOnly: the pipe’s reader sees EOF once the sender closes its end: no copy is left open', async () => {
    const [read, write] = fifo(tmp.path('eof'));
    cleanups.push(() => closeSync(read));
    const { path, errors } = receiver(true);
    await sender(path).send(write, Buffer.from('pipe'));
    await until(() => errors.length === 1);
    closeSync(write);
    // With a writer left anywhere, a non-blocking read gives EAGAIN; with none, 0 (end of file).
    expect(readSync(read, Buffer.alloc(1))).toBe(0);
  });

  it('refuses a non-boolean streamSocketsOnly with HANDOFF_ERR_INVALID_ARGUMENT', () => {
    expect(() =>
      HandoffReceiver.listen(tmp.path('x.sock'), { onMessage() {} }, { streamSocketsOnly: 'yes' as unknown as boolean }),
    ).toThrow(expect.objectContaining({ code: HandoffErrorCodes.INVALID_ARGUMENT }) as Error);
    expect(existsSync(tmp.path('x.sock'))).toBe(false);
  });
});

describe('handlers that throw', () => {
  for (const variant of ['no onError', 'throwing onError'] as const) {
    it(`${variant}: the process stays up, every exception becomes a warning, later messages still arrive`, async () => {
      const path = tmp.path('throw.sock');
      const run = runFixture('throwing-handlers.mjs', [path, variant === 'no onError' ? 'warn' : 'throw']);
      await until(() => existsSync(path));
      const s = sender(path);
      const file = tmp.path('f.txt');
      writeFileSync(file, 'f');
      const fd = openSync(file, 'r');
      cleanups.push(() => closeSync(fd));
      await s.send(fd, Buffer.from('one'));
      await s.send(fd, Buffer.from('two'));
      const { code, lines } = await run;
      // Old behaviour: the first throw reached the addon (napi_fatal_exception) and ended the process.
      expect(code).toBe(0);
      expect(lines.filter((l) => l.step === 'message').map((l) => l.payload)).toEqual(['one', 'two']);
      const warnings = lines.filter((l) => l.step === 'warning');
      for (const w of warnings) expect(w.code).toBe(HandoffErrorCodes.RECEIVE);
      const about = (handler: string) =>
        warnings.filter((w) => String(w.message).includes(`The ${handler} handler of the hand-off receiver at ${path} threw`));
      if (variant === 'no onError') {
        expect(about('onConnection')).toHaveLength(1);
        expect(about('onMessage')).toHaveLength(2);
        expect(String(about('onMessage')[0]?.message)).toContain('message handler bug');
      } else {
        // onError itself throws for each report: the warning says so and carries the report.
        expect(about('onError').length).toBeGreaterThanOrEqual(3);
        expect(about('onError').some((w) => String(w.message).includes('The onMessage handler'))).toBe(true);
      }
    });
  }
});
