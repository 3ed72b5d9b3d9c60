// Descriptor exhaustion on the receiving side: a receiver process with a low RLIMIT_NOFILE
// (prlimit(1)) fills its descriptor table, then many senders connect. accept() fails with EMFILE
// and the connections stay queued; the level-triggered poll must not turn that into a busy loop
// (a core at 100 %, a warning per spin). The receiver pauses accepting, warns at most once a
// second with a count, and takes every waiting sender once descriptors are free again.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HandoffSender, HandoffErrorCodes } from '../src/index.js';
import { fixture, tempDir } from './helpers.js';

interface Line {
  step: string;
  [key: string]: unknown;
}

interface Report extends Line {
  connections: number;
  messages: number;
  errorCount: number;
  errors: { code: string; errno: string | undefined; message: string }[];
}

/** The receiver's descriptor limit: Node needs a few dozen of its own; the rest are filled. */
const NOFILE = 64;
const SENDERS = 20;

let tmp: ReturnType<typeof tempDir>;
let child: ChildProcessWithoutNullStreams | undefined;
const senders: HandoffSender[] = [];

beforeEach(() => {
  tmp = tempDir();
});

afterEach(async () => {
  for (const sender of senders.splice(0)) sender.close();
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  child = undefined;
  tmp.remove();
});

/** Starts the fixture under prlimit and returns a function that sends a command and awaits the answer of `step`. */
function startReceiver(path: string): { pid: () => number; ask: (command: string, step: string) => Promise<Line> } {
  const proc = spawn('prlimit', [`--nofile=${NOFILE}:${NOFILE}`, process.execPath, fixture('emfile-receiver.mjs'), path]);
  child = proc;
  const lines: Line[] = [];
  let pending = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(pending.slice(0, newline)) as Line);
      pending = pending.slice(newline + 1);
    }
  });
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const next = async (step: string): Promise<Line> => {
    for (;;) {
      const index = lines.findIndex((line) => line.step === step);
      if (index >= 0) return lines.splice(index, 1)[0]!;
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`receiver exited (${proc.exitCode ?? proc.signalCode}) before '${step}': ${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  let pid = 0;
  const ready = next('listening').then((line) => (pid = line.pid as number));
  return {
    pid: () => pid,
    ask: async (command, step) => {
      await ready;
      proc.stdin.write(`${command}\n`);
      return next(step);
    },
  };
}

/** CPU time (user + system) of a process in seconds, from /proc/<pid>/stat (proc(5): fields 14, 15). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

describe('receiver out of descriptors', () => {
  it(`with RLIMIT_NOFILE ${NOFILE} and ${SENDERS} senders waiting: no busy loop, one warning a second, accepts again once descriptors free`, async () => {
    const path = tmp.path('emfile.sock');
    const receiver = startReceiver(path);
    const filled = await receiver.ask('fill', 'filled');
    expect(filled.errno).toBe('EMFILE');
    for (let i = 0; i < SENDERS; i++) senders.push(HandoffSender.connect(path));
    // Let the receiver try (and fail) to accept, then measure one second of its CPU time.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = cpuSeconds(receiver.pid());
    const start = process.hrtime.bigint();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const share = (cpuSeconds(receiver.pid()) - before) / (Number(process.hrtime.bigint() - start) / 1e9);
    // A busy loop is a whole core (share ≈ 1); pausing costs next to nothing. The bound is loose so
    // that a loaded machine cannot fail it; what it catches is the spin.
    expect(share).toBeLessThan(0.5);

    const paused = (await receiver.ask('report', 'report')) as Report;
    expect(paused.connections).toBe(0);
    // One warning at once and at most one a second after: about 1.2 s have passed.
    expect(paused.errorCount).toBeGreaterThanOrEqual(1);
    expect(paused.errorCount).toBeLessThanOrEqual(3);
    expect(paused.errors[0]).toMatchObject({ code: HandoffErrorCodes.RECEIVE, errno: 'EMFILE' });
    expect(paused.errors[0]?.message).toContain('out of file descriptors');
    // A later warning counts the retries (one per 100 ms) since the one before.
    if (paused.errorCount > 1) {
      const failures = Number(/, (\d+) times? since the last report/.exec(paused.errors.at(-1)?.message ?? '')?.[1]);
      expect(failures).toBeGreaterThanOrEqual(2);
      expect(failures).toBeLessThanOrEqual(12);
    }

    await receiver.ask('free', 'freed');
    const reportWhen = async (done: (report: Report) => boolean): Promise<Report> => {
      for (;;) {
        const report = (await receiver.ask('report', 'report')) as Report;
        if (done(report)) return report;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    expect((await reportWhen((r) => r.connections === SENDERS)).connections).toBe(SENDERS);
    // And the connections it took work: a hand-off over the last one arrives.
    const file = tmp.path('passed.txt');
    writeFileSync(file, 'x');
    const fd = openSync(file, 'r');
    try {
      await senders.at(-1)!.send(fd, Buffer.from('after the shortage'));
    } finally {
      closeSync(fd);
    }
    expect((await reportWhen((r) => r.messages === 1)).messages).toBe(1);
  });
});
