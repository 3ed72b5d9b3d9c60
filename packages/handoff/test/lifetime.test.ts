// Process-level behaviour, each in a fresh `node` process: a closed or unref'd receiver lets the
// process exit, an open one keeps it alive, and without the addon everything reports
// HANDOFF_ERR_UNSUPPORTED.
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DISABLE_ADDON_ENV, HandoffErrorCodes } from '../src/index.js';
import { fdCount, fixture, runFixture, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;

beforeEach(() => {
  tmp = tempDir();
});

afterEach(() => {
  tmp.remove();
});

describe('receiver lifetime', () => {
  it('close() unlinks the path and lets the process exit on its own', async () => {
    const path = tmp.path('life.sock');
    const run = await runFixture('lifetime.mjs', [path, 'close']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.lines).toEqual([
      { step: 'listening', exists: true },
      { step: 'message', payload: 'bye' },
      { step: 'closed', exists: false },
      { step: 'exit', code: 0 },
    ]);
    expect(existsSync(path)).toBe(false);
  });

  it('unref() lets the process exit while the receiver is open', async () => {
    const path = tmp.path('life.sock');
    const run = await runFixture('lifetime.mjs', [path, 'unref']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.lines).toEqual([
      { step: 'listening', exists: true },
      { step: 'exit', code: 0 },
    ]);
    // The environment's teardown closed the receiver and removed its socket file.
    expect(existsSync(path)).toBe(false);
  });

  it('a worker thread that ends with a receiver and a sender open closes them and leaks no descriptor', async () => {
    const path = tmp.path('thread.sock');
    const before = fdCount();
    const worker = new Worker(fixture('worker-thread.mjs'), { workerData: { path } });
    const messages: unknown[] = [];
    worker.on('message', (message) => messages.push(message));
    const code = await new Promise<number>((resolve, reject) => {
      worker.once('exit', resolve);
      worker.once('error', reject);
    });
    expect(code).toBe(0);
    expect(messages).toEqual(['from the thread']);
    expect(existsSync(path)).toBe(false);
    // The receiver's, its connection's and the sender's sockets were all closed with the thread.
    expect(fdCount()).toBe(before);
  });

  it('an open receiver keeps the process alive', async () => {
    const path = tmp.path('life.sock');
    // The fixture has nothing left to do after the message; only the open receiver holds it.
    // The kill after the message line is the only way it ends.
    const run = await runFixture('lifetime.mjs', [path, 'open'], {
      killAfterLine: (line) => line.step === 'message',
    });
    expect(run.signal).toBe('SIGKILL');
    expect(run.lines.map((line) => line.step)).toEqual(['listening', 'message']);
  });
});

describe('without the addon', () => {
  it('isSupported() is false with a reason, and every entry point throws HANDOFF_ERR_UNSUPPORTED', async () => {
    const path = tmp.path('none.sock');
    const run = await runFixture('unsupported.mjs', [path], { env: { ...process.env, [DISABLE_ADDON_ENV]: '1' } });
    expect(run.code).toBe(0);
    const [report] = run.lines as [
      {
        supported: boolean;
        reason: string;
        connect: { code: string; message: string };
        listen: { code: string };
        peerCredentials: { code: string };
      },
    ];
    expect(report.supported).toBe(false);
    expect(report.reason).toContain(DISABLE_ADDON_ENV);
    expect(report.connect.code).toBe(HandoffErrorCodes.UNSUPPORTED);
    expect(report.connect.message).toContain('proxy');
    expect(report.listen.code).toBe(HandoffErrorCodes.UNSUPPORTED);
    expect(report.peerCredentials.code).toBe(HandoffErrorCodes.UNSUPPORTED);
    expect(existsSync(path)).toBe(false);
  });
});
