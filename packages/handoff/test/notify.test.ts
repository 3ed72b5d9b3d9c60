// sd_notify(3) datagrams sent by the addon, read by a real AF_UNIX datagram socket in another
// process (python3: Node has no Unix datagram sockets).
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_NOTIFY_MESSAGE_BYTES, HandoffErrorCodes, isSupported, notifyServiceManager, notifySocket } from '../src/index.js';
import { fixture, tempDir, thrown } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let listener: ChildProcess | undefined;

beforeEach(() => {
  tmp = tempDir();
});

afterEach(() => {
  listener?.kill();
  listener = undefined;
  tmp.remove();
});

/** Starts the datagram reader at `path`; resolves once it is bound, with the datagrams it gets. */
async function listen(path: string): Promise<{ next: () => Promise<string> }> {
  const child = spawn('python3', [fixture('notify-listener.py'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
  listener = child;
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', (line) => {
    const w = waiters.shift();
    if (w) w(line);
    else lines.push(line);
  });
  const next = (): Promise<string> => new Promise((resolve) => (lines.length ? resolve(lines.shift()!) : waiters.push(resolve)));
  expect(await next()).toBe('listening');
  return { next: async () => JSON.parse(await next()) as string };
}


describe.skipIf(!isSupported())('notifySocket', () => {
  it('sends one datagram to a socket path', async () => {
    const path = tmp.path('notify');
    const reader = await listen(path);
    notifySocket(path, 'READY=1\nSTATUS=serving');
    expect(await reader.next()).toBe('READY=1\nSTATUS=serving');
    notifySocket(path, 'STOPPING=1');
    expect(await reader.next()).toBe('STOPPING=1');
  });

  it("sends to the abstract namespace when the path starts with '@'", async () => {
    const name = `@portshare-test-${process.pid}-${Date.now()}`;
    const reader = await listen(name);
    notifySocket(name, 'WATCHDOG=1');
    expect(await reader.next()).toBe('WATCHDOG=1');
  });

  it('notifyServiceManager reads NOTIFY_SOCKET and does nothing without it', async () => {
    const path = tmp.path('n');
    const reader = await listen(path);
    expect(notifyServiceManager('READY=1', {})).toBe(false);
    expect(notifyServiceManager('READY=1', { NOTIFY_SOCKET: path })).toBe(true);
    expect(await reader.next()).toBe('READY=1');
  });

  it('reports a socket nobody listens on with HANDOFF_ERR_SEND and its errno', () => {
    const err = thrown(() => notifySocket(tmp.path('none'), 'READY=1'));
    expect(err.code).toBe(HandoffErrorCodes.SEND);
    expect(err.errno).toBe('ENOENT');
  });

  it('refuses relative paths and oversized messages before sending', () => {
    expect(thrown(() => notifySocket('relative/path', 'READY=1')).code).toBe(HandoffErrorCodes.INVALID_ARGUMENT);
    expect(thrown(() => notifySocket(`/${'x'.repeat(200)}`, 'READY=1')).code).toBe(HandoffErrorCodes.INVALID_ARGUMENT);
    expect(thrown(() => notifySocket(tmp.path('n'), 'x'.repeat(MAX_NOTIFY_MESSAGE_BYTES + 1))).code).toBe(HandoffErrorCodes.INVALID_ARGUMENT);
  });

  it('sends a message of exactly the maximum size', async () => {
    const path = tmp.path('max');
    const reader = await listen(path);
    const message = `STATUS=${'y'.repeat(MAX_NOTIFY_MESSAGE_BYTES - 7)}`;
    notifySocket(path, message);
    expect(await reader.next()).toBe(message);
  });
});
