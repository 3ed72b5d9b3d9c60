// SO_PEERCRED on real Unix stream sockets (this process and a child process).
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HandoffErrorCodes, isSupported, peerCredentials, unsupportedReason } from '../src/index.js';
import { tempDir, thrown } from './helpers.js';
import { socketFd } from '@portshare/test-utils';

let tmp: ReturnType<typeof tempDir>;
let server: net.Server | undefined;

beforeEach(() => {
  tmp = tempDir();
});

afterEach(async () => {
  if (server !== undefined) await new Promise<void>((resolve) => server?.close(() => resolve()));
  server = undefined;
  tmp.remove();
});


/** A Unix stream server at `path`; resolves each accepted socket in turn. */
async function unixServer(path: string): Promise<() => Promise<net.Socket>> {
  const accepted: net.Socket[] = [];
  const waiting: ((socket: net.Socket) => void)[] = [];
  server = net.createServer((socket) => {
    const waiter = waiting.shift();
    if (waiter === undefined) accepted.push(socket);
    else waiter(socket);
  });
  await new Promise<void>((resolve) => server?.listen(path, resolve));
  return () => {
    const socket = accepted.shift();
    return socket === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(socket);
  };
}

describe('peerCredentials', () => {
  it('the addon is loaded on this platform', () => {
    expect(unsupportedReason()).toBeUndefined();
    expect(isSupported()).toBe(true);
  });

  it('reads pid, uid and gid of this process on both ends of a Unix stream connection', async () => {
    const path = tmp.path('ctl.sock');
    const nextConnection = await unixServer(path);
    const client = net.connect(path);
    await new Promise((resolve) => client.once('connect', resolve));
    const accepted = await nextConnection();

    const self = { pid: process.pid, uid: process.getuid?.(), gid: process.getgid?.() };
    expect(peerCredentials(socketFd(accepted))).toEqual(self);
    expect(peerCredentials(socketFd(client))).toEqual(self);
    client.destroy();
    accepted.destroy();
  });

  it('reads the pid of another process that connected', async () => {
    const path = tmp.path('ctl.sock');
    const nextConnection = await unixServer(path);
    const child = spawn(
      process.execPath,
      ['-e', `require('node:net').connect(${JSON.stringify(path)}).on('data', () => process.exit(0))`],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const accepted = await nextConnection();

    const creds = peerCredentials(socketFd(accepted));
    expect(creds.pid).toBe(child.pid);
    expect(creds.uid).toBe(process.getuid?.());
    accepted.end('bye');
    await exited;
  });

  it('fails with HANDOFF_ERR_PEER_CREDENTIALS on a descriptor that is not a socket', () => {
    const fd = openSync(tmp.dir, 'r');
    try {
      const err = thrown(() => peerCredentials(fd));
      expect(err.code).toBe(HandoffErrorCodes.PEER_CREDENTIALS);
      expect(err.errno).toBe('ENOTSOCK');
    } finally {
      closeSync(fd);
    }
    expect(thrown(() => peerCredentials(-1)).code).toBe(HandoffErrorCodes.INVALID_ARGUMENT);
  });
});
