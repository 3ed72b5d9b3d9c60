// The /proc readers the scenarios count and sample with, on this very process.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { StressErrorCodes } from '../src/errors.js';
import { listenQueueLength } from '../src/listen-queue.js';
import {
  ConnectionHoldTimes,
  cpuTimeMs,
  fdKinds,
  fdTargets,
  isAlive,
  networkSocketInodes,
  openFdCount,
  openFilesLimit,
  processCredentials,
  rssBytes,
  startCpuMeter,
  tcpExtCounters,
} from '../src/proc.js';
import { sleep } from '../src/util.js';

describe('/proc readers', () => {
  it('count a descriptor opened and closed', () => {
    const before = openFdCount(process.pid);
    const fd = openSync('/dev/null', 'r');
    expect(openFdCount(process.pid)).toBe(before + 1);
    expect(fdTargets(process.pid)).toContain('/dev/null');
    closeSync(fd);
    expect(openFdCount(process.pid)).toBe(before);
    expect(fdKinds(['socket:[1]', 'socket:[2]', 'pipe:[3]', '/dev/null', 'anon_inode:[eventfd]'])).toEqual({
      socket: 2,
      pipe: 1,
      file: 1,
      'anon_inode:[eventfd]': 1,
    });
  });

  it('read memory and credentials', () => {
    expect(rssBytes(process.pid)).toBeGreaterThan(1024 * 1024);
    const c = processCredentials(process.pid);
    expect(c.uid[0]).toBe(process.getuid?.());
    expect(c.gid[1]).toBe(process.getegid?.());
    expect(isAlive(process.pid)).toBe(true);
  });

  it('say which process is gone and what to check', () => {
    const gone = 2 ** 22 + 12_345; // above pid_max's default range
    expect(isAlive(gone)).toBe(false);
    expect(() => openFdCount(gone)).toThrow(expect.objectContaining({ code: StressErrorCodes.ProcUnavailable }));
    expect(() => rssBytes(gone)).toThrow(/process may have exited/);
  });

  it('tell network sockets from Unix ones, and time how long each connection is held', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const holds = new ConnectionHoldTimes(process.pid); // the listener is left out from here on
    const accepted: Socket[] = [];
    server.on('connection', (s) => accepted.push(s));
    const unixServer = createServer();
    await new Promise<void>((r) => unixServer.listen(`/tmp/pss-proc-${process.pid}.sock`, r));
    const before = networkSocketInodes(process.pid);
    const client = connect(port, '127.0.0.1');
    await new Promise((r) => client.once('connect', r));
    await sleep(20);
    // The client's socket and the accepted one: two TCP sockets more, the Unix listener not counted.
    expect(networkSocketInodes(process.pid).size).toBe(before.size + 2);
    holds.sample();
    await sleep(150);
    holds.sample();
    expect(holds.seen).toBe(2);
    expect(holds.maxHeld).toBe(2);
    expect(holds.longestMs()).toBeGreaterThanOrEqual(140);
    client.destroy();
    for (const s of accepted) s.destroy();
    await new Promise((r) => server.close(r));
    await new Promise((r) => unixServer.close(r));
    await sleep(20);
    expect(holds.sample()).toBe(0);
  });

  it("read the kernel's TCP counters and this process's open-files limit", () => {
    expect(tcpExtCounters()['ListenOverflows']).toBeGreaterThanOrEqual(0);
    const { soft, hard } = openFilesLimit();
    expect(soft).toBeGreaterThan(0);
    expect(hard === -1 || hard >= soft).toBe(true);
  });
});

describe('CPU time and the listen backlog', () => {
  it('count the CPU a process uses, and where the machine spent it', () => {
    const before = cpuTimeMs(process.pid);
    const meter = startCpuMeter({ self: process.pid });
    const until = performance.now() + 300;
    while (performance.now() < until) {
      // Busy: this is the CPU to be counted.
    }
    const cpu = meter.stop();
    expect(cpuTimeMs(process.pid) - before).toBeGreaterThanOrEqual(150);
    // About one core busy for this process, seen both from its own clock and from /proc.
    expect(cpu.ours['scenario']).toBeGreaterThan(0.5);
    expect(cpu.ours['self']).toBeGreaterThan(0.4);
    expect(cpu.machine).toBeGreaterThanOrEqual(0.4);
    expect(cpu.others).toBeGreaterThanOrEqual(0);
  });

  it('count connections waiting in a listen backlog that nobody accepts', async () => {
    // A listener whose process stops running its event loop, so it accepts nothing for 3 s.
    const child = spawn(
      process.execPath,
      ['-e', "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000), 100); });"],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const sockets: Socket[] = [];
    try {
      const port = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
      await sleep(300);
      for (let i = 0; i < 3; i++) {
        const socket = connect({ port, host: '127.0.0.1' });
        socket.on('error', () => {});
        sockets.push(socket);
      }
      await sleep(200);
      expect(await listenQueueLength(port)).toBe(3);
    } finally {
      for (const s of sockets) s.destroy();
      child.kill('SIGKILL');
    }
  });
});
