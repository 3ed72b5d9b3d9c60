// Sender and receiver in one process, over real SOCK_SEQPACKET sockets: messages, limits at and
// past their edges, malformed messages, ordering under a full socket buffer, and failures.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_RECEIVER_MODE,
  HandoffError,
  HandoffReceiver,
  type HandoffReceiverOptions,
  HandoffSender,
  MAX_PAYLOAD_BYTES,
  MAX_SOCKET_PATH_BYTES,
  type PeerCredentials,
  HandoffErrorCodes,
} from '../src/index.js';
import { loadNative } from '../src/native.js';
import { fdCount, runFixture, tempDir, until, thrown } from './helpers.js';

interface Received {
  ino: number;
  payload: Buffer;
}

interface Recorder {
  messages: Received[];
  errors: HandoffError[];
  connections: PeerCredentials[];
  disconnects: number;
}

let tmp: ReturnType<typeof tempDir>;
const openReceivers: HandoffReceiver[] = [];
const openSenders: HandoffSender[] = [];
const openFds: number[] = [];

beforeEach(() => {
  tmp = tempDir();
});

afterEach(() => {
  for (const sender of openSenders.splice(0)) sender.close();
  for (const receiver of openReceivers.splice(0)) receiver.close();
  for (const fd of openFds.splice(0)) closeSync(fd);
  tmp.remove();
});

/** A receiver that closes every passed descriptor after noting which file it was. */
function listen(path: string, options?: HandoffReceiverOptions): { receiver: HandoffReceiver; rec: Recorder } {
  const rec: Recorder = { messages: [], errors: [], connections: [], disconnects: 0 };
  const receiver = HandoffReceiver.listen(
    path,
    {
      onMessage(fd, payload) {
        rec.messages.push({ ino: fstatSync(fd).ino, payload });
        closeSync(fd);
      },
      onError(err) {
        rec.errors.push(err);
      },
      onConnection(creds) {
        rec.connections.push(creds);
      },
      onDisconnect() {
        rec.disconnects += 1;
      },
    },
    options,
  );
  openReceivers.push(receiver);
  return { receiver, rec };
}

function connect(path: string): HandoffSender {
  const sender = HandoffSender.connect(path);
  openSenders.push(sender);
  return sender;
}

/** A descriptor to pass: a small file with known content. */
function someFile(name = 'payload.txt'): { fd: number; ino: number } {
  const file = tmp.path(name);
  writeFileSync(file, name);
  const fd = openSync(file, 'r');
  openFds.push(fd);
  return { fd, ino: fstatSync(fd).ino };
}

async function rejection(promise: Promise<unknown>): Promise<HandoffError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(HandoffError);
    return err as HandoffError;
  }
  throw new Error('expected the promise to reject');
}


const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `count` sends of 2 KiB with `fd`, more than a socket buffer holds: each settles as 'sent' or its error code. */
function sendMany(sender: HandoffSender, fd: number, count: number): Promise<string>[] {
  return Array.from({ length: count }, () =>
    sender.send(fd, Buffer.alloc(2048)).then(
      () => 'sent',
      (err: HandoffError) => err.code,
    ),
  );
}

describe('hand-off within one process', () => {
  it('passes a descriptor with its payload and reports both peers', async () => {
    const path = tmp.path('h.sock');
    const { rec } = listen(path);
    const sender = connect(path);
    const file = someFile();

    await sender.send(file.fd, Buffer.from('hello worker'));
    await until(() => rec.messages.length === 1);

    expect(rec.messages[0]?.ino).toBe(file.ino);
    expect(rec.messages[0]?.payload.toString()).toBe('hello worker');
    expect(rec.connections).toEqual([{ pid: process.pid, uid: process.getuid?.(), gid: process.getgid?.() }]);
    expect(sender.peerCredentials()).toEqual({ pid: process.pid, uid: process.getuid?.(), gid: process.getgid?.() });
    expect(rec.errors).toEqual([]);
  });

  it('allowOnlySender: refuses any other process at accept, with EPERM; the allowed one and anyone again after undefined', async () => {
    const path = tmp.path('h.sock');
    const { receiver, rec } = listen(path);
    const file = someFile();
    // This process is not the allowed sender: its connection is closed before a byte is read.
    receiver.allowOnlySender(process.pid + 1);
    const stranger = connect(path);
    await until(() => rec.errors.length === 1);
    expect(rec.errors[0]?.code).toBe(HandoffErrorCodes.RECEIVE);
    expect(rec.errors[0]?.errno).toBe('EPERM');
    expect(rec.errors[0]?.message).toContain(`allowed sender (pid ${process.pid + 1})`);
    expect(rec.connections).toEqual([]);
    const refused = await rejection(stranger.send(file.fd, Buffer.from('forged')));
    expect(refused.code).toBe(HandoffErrorCodes.SEND);
    expect(rec.messages).toEqual([]);

    receiver.allowOnlySender(process.pid);
    await connect(path).send(file.fd, Buffer.from('from the allowed pid'));
    receiver.allowOnlySender(undefined);
    await connect(path).send(file.fd, Buffer.from('from anyone'));
    await until(() => rec.messages.length === 2);
    expect(rec.messages.map((m) => m.payload.toString())).toEqual(['from the allowed pid', 'from anyone']);
    expect(thrown(() => receiver.allowOnlySender(0)).code).toBe(HandoffErrorCodes.INVALID_ARGUMENT);
  });

  it('delivers an empty payload with its descriptor', async () => {
    const path = tmp.path('h.sock');
    const { rec } = listen(path);
    const sender = connect(path);
    const file = someFile();

    await sender.send(file.fd, new Uint8Array(0));
    await until(() => rec.messages.length === 1);
    expect(rec.messages[0]?.payload.length).toBe(0);
    expect(rec.messages[0]?.ino).toBe(file.ino);
  });

  it('sends a payload of exactly MAX_PAYLOAD_BYTES and refuses one byte more without sending', async () => {
    const path = tmp.path('h.sock');
    const { rec } = listen(path);
    const sender = connect(path);
    const file = someFile();
    const atLimit = Buffer.alloc(MAX_PAYLOAD_BYTES, 0);
    for (let i = 0; i < atLimit.length; i++) atLimit[i] = (i * 7) & 0xff;

    await sender.send(file.fd, atLimit);
    const err = await rejection(sender.send(file.fd, Buffer.alloc(MAX_PAYLOAD_BYTES + 1)));
    expect(err.code).toBe(HandoffErrorCodes.PAYLOAD_TOO_LARGE);
    await sender.send(file.fd, Buffer.from('marker'));
    await until(() => rec.messages.length === 2);

    expect(rec.messages[0]?.payload.equals(atLimit)).toBe(true);
    expect(rec.messages[1]?.payload.toString()).toBe('marker');
  });

  it('receiver reads MAX_PAYLOAD_BYTES and drops one byte more, closing its descriptor', async () => {
    const path = tmp.path('h.sock');
    const { rec } = listen(path);
    const sender = connect(path);
    const file = someFile();
    const native = loadNative();
    expect(native).toBeDefined();
    await until(() => rec.connections.length === 1);
    const before = fdCount();

    // The sender refuses oversized payloads, so write the raw message to see the receiver's side.
    expect(native?.sendFd(sender.fd, file.fd, Buffer.alloc(MAX_PAYLOAD_BYTES, 1))).toBe(true);
    expect(native?.sendFd(sender.fd, file.fd, Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 2))).toBe(true);
    await until(() => rec.messages.length === 1 && rec.errors.length === 1);

    expect(rec.messages[0]?.payload.length).toBe(MAX_PAYLOAD_BYTES);
    expect(rec.errors[0]?.code).toBe(HandoffErrorCodes.PAYLOAD_TOO_LARGE);
    expect(rec.errors[0]?.message).toContain('MAX_PAYLOAD_BYTES');
    expect(fdCount()).toBe(before);
  });

  it('reports a message without a descriptor through onError and keeps the connection', async () => {
    const path = tmp.path('h.sock');
    const { rec } = listen(path);
    const sender = connect(path);
    const file = someFile();

    expect(loadNative()?.sendFd(sender.fd, -1, Buffer.from('no descriptor'))).toBe(true);
    await sender.send(file.fd, Buffer.from('after'));
    await until(() => rec.errors.length === 1 && rec.messages.length === 1);

    expect(rec.errors[0]?.code).toBe(HandoffErrorCodes.RECEIVE);
    expect(rec.errors[0]?.errno).toBeUndefined();
    expect(rec.errors[0]?.message).toContain('no file descriptor');
    expect(rec.messages[0]?.payload.toString()).toBe('after');
    expect(rec.disconnects).toBe(0);
  });

  it('emits a process warning for a dropped message when there is no onError', async () => {
    const path = tmp.path('h.sock');
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      openReceivers.push(HandoffReceiver.listen(path, { onMessage: (fd) => closeSync(fd) }));
      const sender = connect(path);
      loadNative()?.sendFd(sender.fd, -1, Buffer.from('x'));
      await until(() => warnings.length === 1);
      expect(warnings[0]).toBeInstanceOf(HandoffError);
      expect((warnings[0] as HandoffError).code).toBe(HandoffErrorCodes.RECEIVE);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('queues sends while the socket buffer is full and delivers them in order', async () => {
    const path = tmp.path('h.sock');
    const { rec } = listen(path);
    const sender = connect(path);
    const file = someFile();
    const count = 2000;
    let resolvedBeforeFirstRead = 0;

    const sends: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const payload = Buffer.alloc(1024, 0);
      payload.writeUInt32BE(i, 0);
      sends.push(
        sender.send(file.fd, payload).then(() => {
          if (rec.messages.length === 0) resolvedBeforeFirstRead += 1;
        }),
      );
      // The caller may reuse its buffer once send() returns, queued or not.
      payload.fill(0xff);
    }
    await Promise.all(sends);
    await until(() => rec.messages.length === count);

    // 2 MiB cannot fit the socket buffer: some sends had to wait for the receiver to read.
    expect(resolvedBeforeFirstRead).toBeLessThan(count);
    expect(rec.messages.map((m) => m.payload.readUInt32BE(0))).toEqual([...Array(count).keys()]);
    expect(rec.messages.every((m) => m.ino === file.ino && m.payload.length === 1024)).toBe(true);
  });

  it('close() rejects queued sends with HANDOFF_ERR_CLOSED; the receiver gets exactly the sent ones', async () => {
    const path = tmp.path('h.sock');
    const { rec } = listen(path);
    const sender = connect(path);
    const file = someFile();
    const outcomes = sendMany(sender, file.fd, 1000);
    sender.close();
    sender.close();
    const results = await Promise.all(outcomes);
    const sent = results.filter((r) => r === 'sent').length;
    await until(() => rec.disconnects === 1);

    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(results.length);
    expect(results.filter((r) => r !== 'sent').every((r) => r === HandoffErrorCodes.CLOSED)).toBe(true);
    expect(rec.messages.length).toBe(sent);
    expect(sender.closed).toBe(true);
    expect((await rejection(sender.send(file.fd, Buffer.from('late')))).code).toBe(HandoffErrorCodes.CLOSED);
    expect(thrown(() => sender.peerCredentials()).code).toBe(HandoffErrorCodes.CLOSED);
  });

  it('withdraw() takes back a message still waiting: its send rejects with HANDOFF_ERR_WITHDRAWN and it never arrives', async () => {
    const path = tmp.path('h.sock');
    const { rec } = listen(path);
    const sender = connect(path);
    const file = someFile();
    const outcomes = sendMany(sender, file.fd, 1000);
    let withdrawn = 0;
    while (sender.withdraw(file.fd)) withdrawn++;
    const results = await Promise.all(outcomes);
    const sent = results.filter((r) => r === 'sent').length;
    expect(withdrawn).toBeGreaterThan(0);
    expect(results.filter((r) => r === HandoffErrorCodes.WITHDRAWN).length).toBe(withdrawn);
    expect(sent + withdrawn).toBe(results.length);
    expect(sender.withdraw(file.fd)).toBe(false);
    await until(() => rec.messages.length === sent);
    await sleepMs(100);
    expect(rec.messages.length).toBe(sent);
    sender.close();
  });

  it('a send with a closed descriptor rejects with EBADF and later sends go through', async () => {
    const path = tmp.path('h.sock');
    const { rec } = listen(path);
    const sender = connect(path);
    const file = someFile();
    const stale = openSync(tmp.path('payload.txt'), 'r');
    closeSync(stale);

    const err = await rejection(sender.send(stale, Buffer.from('x')));
    expect(err.code).toBe(HandoffErrorCodes.SEND);
    expect(err.errno).toBe('EBADF');
    await sender.send(file.fd, Buffer.from('ok'));
    await until(() => rec.messages.length === 1);
    expect(rec.messages[0]?.payload.toString()).toBe('ok');
  });
});

describe('failures between sender and receiver', () => {
  it('send() to a closed receiver rejects with EPIPE or ECONNRESET; connect() then finds no socket', async () => {
    const path = tmp.path('h.sock');
    const { receiver, rec } = listen(path);
    const sender = connect(path);
    const file = someFile();
    await until(() => rec.connections.length === 1);

    receiver.close();
    const err = await rejection(sender.send(file.fd, Buffer.from('too late')));
    expect(err.code).toBe(HandoffErrorCodes.SEND);
    expect(['EPIPE', 'ECONNRESET']).toContain(err.errno);
    expect(err.message).toContain(path);

    const refused = thrown(() => HandoffSender.connect(path));
    expect(refused.code).toBe(HandoffErrorCodes.CONNECT);
    expect(refused.errno).toBe('ENOENT');
  });

  it('connect() to a socket file nobody listens on fails with ECONNREFUSED; listen() replaces the stale file', async () => {
    const path = tmp.path('stale.sock');
    const run = await runFixture('stale-socket.mjs', [path], { killAfterLine: (line) => line.step === 'listening' });
    expect(run.signal).toBe('SIGKILL');
    expect(statSync(path).isSocket()).toBe(true);

    const refused = thrown(() => HandoffSender.connect(path));
    expect(refused.code).toBe(HandoffErrorCodes.CONNECT);
    expect(refused.errno).toBe('ECONNREFUSED');

    const { rec } = listen(path);
    const file = someFile();
    await connect(path).send(file.fd, Buffer.from('fresh'));
    await until(() => rec.messages.length === 1);
    expect(rec.messages[0]?.payload.toString()).toBe('fresh');
  });

  it('listen() leaves a file that is not a socket alone', () => {
    const path = tmp.path('config.json');
    writeFileSync(path, 'keep me');
    const err = thrown(() => listen(path));
    expect(err.code).toBe(HandoffErrorCodes.LISTEN);
    expect(err.errno).toBe('EADDRINUSE');
    expect(readFileSync(path, 'utf8')).toBe('keep me');
  });

  it('listen() in a missing folder fails with ENOENT', () => {
    const err = thrown(() => listen(tmp.path('missing/h.sock')));
    expect(err.code).toBe(HandoffErrorCodes.LISTEN);
    expect(err.errno).toBe('ENOENT');
  });

  it('a disconnecting sender is reported once', async () => {
    const path = tmp.path('h.sock');
    const { rec } = listen(path);
    const sender = connect(path);
    await until(() => rec.connections.length === 1);
    sender.close();
    await until(() => rec.disconnects === 1);
    expect(rec.errors).toEqual([]);
  });
});

describe('receiver socket file', () => {
  it('is created with mode 0o600 by default and options.mode otherwise', () => {
    const a = tmp.path('a.sock');
    const b = tmp.path('b.sock');
    listen(a);
    listen(b, { mode: 0o660 });
    expect(statSync(a).mode & 0o777).toBe(DEFAULT_RECEIVER_MODE);
    expect(DEFAULT_RECEIVER_MODE).toBe(0o600);
    expect(statSync(b).mode & 0o777).toBe(0o660);
  });

  it('close() unlinks the path, is idempotent, and never removes a newer receiver’s socket', async () => {
    const path = tmp.path('h.sock');
    const first = listen(path);
    const second = listen(path); // replaces the first one's file, as a restarted worker would
    first.receiver.close();
    first.receiver.close();
    expect(first.receiver.closed).toBe(true);
    expect(existsSync(path)).toBe(true);

    const file = someFile();
    await connect(path).send(file.fd, Buffer.from('to the second'));
    await until(() => second.rec.messages.length === 1);
    expect(first.rec.messages).toEqual([]);

    second.receiver.close();
    expect(existsSync(path)).toBe(false);
  });
});

describe('limits', () => {
  function pathOfLength(bytes: number): string {
    const prefix = `${tmp.dir}/`;
    return prefix + 'p'.repeat(bytes - prefix.length);
  }

  it(`accepts a socket path of MAX_SOCKET_PATH_BYTES (${MAX_SOCKET_PATH_BYTES}) and refuses one byte more`, async () => {
    const longest = pathOfLength(MAX_SOCKET_PATH_BYTES);
    expect(Buffer.byteLength(longest)).toBe(MAX_SOCKET_PATH_BYTES);
    const { rec } = listen(longest);
    const file = someFile();
    await connect(longest).send(file.fd, Buffer.from('long path'));
    await until(() => rec.messages.length === 1);

    const tooLong = pathOfLength(MAX_SOCKET_PATH_BYTES + 1);
    for (const err of [thrown(() => listen(tooLong)), thrown(() => HandoffSender.connect(tooLong))]) {
      expect(err.code).toBe(HandoffErrorCodes.INVALID_ARGUMENT);
      expect(err.errno).toBe('ENAMETOOLONG');
    }
    expect(existsSync(tooLong)).toBe(false);
  });

  for (const backlog of [1, 3]) {
    it(`backlog ${backlog}: holds backlog + 1 pending connections (Linux) and refuses the next with EAGAIN`, () => {
      const path = tmp.path(`b${backlog}.sock`);
      listen(path, { backlog });
      // The receiver accepts only when the event loop runs, so these connections stay pending.
      let connected = 0;
      let err: HandoffError | undefined;
      while (err === undefined && connected < backlog + 10) {
        try {
          connect(path);
          connected += 1;
        } catch (caught) {
          err = caught as HandoffError;
        }
      }
      expect(connected).toBe(backlog + 1);
      expect(err?.code).toBe(HandoffErrorCodes.CONNECT);
      expect(err?.errno).toBe('EAGAIN');
    });
  }
});

describe('argument checks', () => {
  it('refuses bad options, handlers, descriptors and payloads with HANDOFF_ERR_INVALID_ARGUMENT', async () => {
    const path = tmp.path('h.sock');
    const invalid = HandoffErrorCodes.INVALID_ARGUMENT;
    expect(thrown(() => listen(path, { mode: 0o1000 })).code).toBe(invalid);
    expect(thrown(() => listen(path, { mode: -1 })).code).toBe(invalid);
    expect(thrown(() => listen(path, { backlog: 0 })).code).toBe(invalid);
    expect(thrown(() => listen(path, { backlog: 1.5 })).code).toBe(invalid);
    expect(
      thrown(() => HandoffReceiver.listen(path, {} as unknown as Parameters<typeof HandoffReceiver.listen>[1])).code,
    ).toBe(invalid);
    expect(thrown(() => HandoffSender.connect('')).code).toBe(invalid);
    expect(thrown(() => HandoffSender.connect('a\0b')).code).toBe(invalid);
    expect(existsSync(path)).toBe(false);

    listen(path);
    const sender = connect(path);
    expect((await rejection(sender.send(-1, Buffer.from('x')))).code).toBe(invalid);
    expect((await rejection(sender.send(2 ** 31, Buffer.from('x')))).code).toBe(invalid);
    expect((await rejection(sender.send(0, 'text' as unknown as Uint8Array))).code).toBe(invalid);
  });
});
