// Issue #13, "The front door holds": logging must never take the daemon down, and what a remote
// client sends must not flood or forge the log. Every attack runs against the real daemon binary
// over real sockets; the full disk is a real tmpfs mounted here.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InstancePaths } from '@portshare/control';
import { encodePreamble } from '@portshare/framing';
import { rootForSuite } from '@portshare/test-utils';
import { exchange, freePort, makeHome, sleep, startDaemon, status, type DaemonProcess } from './helpers.js';

let daemon: DaemonProcess | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await daemon?.kill9().catch(() => {});
  daemon = undefined;
  for (const c of cleanups.splice(0).reverse()) c();
});

function home(config: Record<string, unknown>): { home: string; paths: InstancePaths } {
  const h = makeHome(config);
  cleanups.push(h.cleanup);
  return h;
}

/**
 * One connection with a preamble naming `via`, which nobody registered: the daemon answers
 * EndpointNotFound (or, dead, refuses). Never throws: under attack some connections fail.
 */
async function knock(port: number, bytes: Buffer): Promise<'answered' | 'failed'> {
  try {
    const r = await exchange(port, bytes, { timeoutMs: 10_000 });
    r.socket.destroy();
    return r.data.length > 0 ? 'answered' : 'failed';
  } catch {
    return 'failed';
  }
}

/** `count` connections, `parallel` at a time. */
async function flood(port: number, count: number, bytesFor: (i: number) => Buffer, parallel = 100): Promise<{ answered: number; ms: number }> {
  const started = Date.now();
  let next = 0;
  let answered = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        if ((await knock(port, bytesFor(i))) === 'answered') answered++;
      }
    }),
  );
  return { answered, ms: Date.now() - started };
}

/** An unknown via of exactly `bytes` UTF-8 bytes (2 KB by default, the most [MC-NMF] allows). */
function longVia(port: number, tag: string, bytes = 2048): string {
  const head = `net.tcp://localhost:${port}/${tag}/`;
  return head + 'A'.repeat(bytes - Buffer.byteLength(head));
}

/** What must never reach a log line raw: line separators, bidi controls, C1 controls, ESC. */
// eslint-disable-next-line no-control-regex -- ESC is what the check looks for
const UNSAFE = /[\u2028\u2029\u202a-\u202e\u2066-\u2069\u0080-\u009f\u001b]/;

const preamble = (via: string): Buffer => encodePreamble({ via, encoding: 8 });

function logLines(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function getMetrics(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

const haveRoot = rootForSuite('The full-disk attack mounts a small tmpfs (mount -t tmpfs) and fills it; run the tests as root, as CI does.');

describe.runIf(haveRoot)('a full disk', () => {
  let mnt: string;
  beforeAll(() => {
    mnt = mkdtempSync(join(tmpdir(), 'ps-logfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0755', 'tmpfs', mnt]);
  });
  afterAll(() => {
    try {
      execFileSync('umount', [mnt]);
    } finally {
      rmSync(mnt, { recursive: true, force: true });
    }
  });

  it('costs log lines, not the daemon: status shows the failures, and logging resumes when space returns', async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    const logFile = join(mnt, 'portshare.log');
    const { home: h, paths } = home({ reservedPorts: [port], log: { level: 'debug', file: logFile }, metrics: { port: metricsPort } });
    daemon = await startDaemon(h);
    expect(logLines(logFile).some((l) => l.includes('portshare service started'))).toBe(true);

    // Fill the file system to the last block.
    const filler = join(mnt, 'filler');
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(4096, 0x2e);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    try {
      for (;;) writeSync(fd, chunk, 0, 1);
    } catch {
      /* full to the byte */
    } finally {
      closeSync(fd);
    }
    const linesBefore = logLines(logFile).length;

    // 300 unauthenticated connections, each naming an unknown 2 KB via: each would log a line.
    const attack = await flood(port, 300, (i) => preamble(longVia(port, `full-${i}`)), 50);
    expect(attack.answered).toBe(300);

    // Alive, serving status, and counting what it could not write.
    const during = await status(paths);
    expect(during.counters.logWriteFailures).toBeGreaterThan(0);
    expect(during.counters.connectionsAccepted).toBeGreaterThanOrEqual(300);
    const metrics = await getMetrics(metricsPort);
    const exposed = /^portshare_log_write_failures_total (\d+)$/m.exec(metrics);
    expect(exposed, metrics).not.toBeNull();
    expect(Number(exposed![1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/^portshare_log_lines_suppressed_total \d+$/m);
    // At most what fitted in the tail of the log file's last page (tmpfs allocates whole pages).
    expect(logLines(logFile).length - linesBefore).toBeLessThan(50);

    // Space returns: the next lines are written, after one saying how many were lost and why.
    unlinkSync(filler);
    // (One connection at a time until one is logged: the flood may have used this second's
    // allowance of per-connection lines.)
    let knocks = 0;
    const lines = await waitFor('log lines after the disk was freed', async () => {
      const all = logLines(logFile);
      if (all.some((l) => l.includes('after-space-returned'))) return all;
      await knock(port, preamble(`net.tcp://localhost:${port}/after-space-returned/${knocks++}`));
      await sleep(200);
      return undefined;
    });
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>); // every line whole JSON
    const notice = records.find((r) => typeof r['lostLines'] === 'number');
    expect(notice, 'the line saying what was lost').toBeDefined();
    expect(notice!['error']).toBe('ENOSPC');
    expect(notice!['lostLines']).toBeGreaterThan(0);
    expect(records.findIndex((r) => r === notice)).toBeLessThan(records.findIndex((r) => JSON.stringify(r).includes('after-space-returned')));
    const after = await status(paths);
    expect(after.counters.logWriteFailures).toBe(notice!['lostLines']);
    expect(after.state).toBe('running');
  });
});

describe('what a client sends, in the log', () => {
  it('is cut to log.maxLineFieldBytes and escaped: no raw line separators, bidi overrides or C1 controls', async () => {
    const port = await freePort();
    const { home: h, paths } = home({ reservedPorts: [port], log: { level: 'debug', maxLineFieldBytes: 64 } });
    daemon = await startDaemon(h);
    const specials = (tag: string, raw: number[]): Buffer => {
      // A 2048-byte via whose first bytes after the path carry `raw`, placed with '~' stand-ins
      // and patched in as bytes so that the length prefix stays right.
      const head = `net.tcp://localhost:${port}/${tag}/`;
      const marks = '~'.repeat(raw.length);
      const bytes = preamble(head + marks + 'A'.repeat(2048 - Buffer.byteLength(head) - marks.length));
      Buffer.from(raw).copy(bytes, bytes.indexOf(marks));
      return bytes;
    };
    // A well-formed via (routed: EndpointNotFound) carrying U+2028 (a line break to JavaScript),
    // U+202E (right-to-left override), U+009B (a terminal's CSI) and a backslash.
    expect(await knock(port, specials('evil', [0xe2, 0x80, 0xa8, 0xe2, 0x80, 0xae, 0xc2, 0x9b, 0x5c]))).toBe('answered');
    // One the decoder refuses (ESC, invalid UTF-8): the error text that quotes it is cut too.
    await knock(port, specials('evil2', [0x1b, 0xff, 0xfe, 0xc3, 0x28]));

    const line = await waitFor('the log line naming the via', () => logLines(paths.logFile).find((l) => l.includes(`localhost:${port}/evil/`)));
    expect(Buffer.byteLength(line)).toBeLessThan(600);
    expect(line).not.toMatch(UNSAFE);
    const record = JSON.parse(line) as Record<string, unknown>;
    const field = Object.values(record).find((v): v is string => typeof v === 'string' && v.includes('/evil/'))!;
    expect(field).toContain('\\u2028');
    expect(field).toContain('\\u202e');
    expect(field).toContain('\\x9b');
    expect(field).toContain('\\\\'); // the client's backslash, doubled: escapes stay unambiguous
    expect(field).toMatch(/…\[cut, 2048 bytes in all\]$/);
    expect(Buffer.byteLength(field.slice(0, field.indexOf('…')))).toBeLessThanOrEqual(64);

    const refused = await waitFor('the log line of the refused via', () => logLines(paths.logFile).find((l) => l.includes(`/evil2/`)));
    expect(Buffer.byteLength(refused)).toBeLessThan(600);
    expect(refused).not.toMatch(UNSAFE);
    // No line anywhere carries a 2 KB via in full.
    expect(logLines(paths.logFile).some((l) => l.includes('A'.repeat(100)))).toBe(false);
  });

  it('a flood of 1000 bad connections writes a bounded number of lines, and says how many it left out', async () => {
    const port = await freePort();
    const perSecond = 20;
    const { home: h, paths } = home({ reservedPorts: [port], log: { level: 'debug', perConnectionLinesPerSecond: perSecond } });
    daemon = await startDaemon(h);
    const before = logLines(paths.logFile).length;
    const attack = await flood(port, 1000, (i) => preamble(longVia(port, `flood-${i}`)));
    expect(attack.answered).toBe(1000);
    await sleep(1200); // the last second's summary
    const lines = logLines(paths.logFile).slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
    const summaries = lines.filter((r) => typeof r['suppressed'] === 'number');
    const written = lines.filter((r) => typeof r['suppressed'] !== 'number');
    const seconds = Math.ceil(attack.ms / 1000) + 2;
    // Each second: perSecond lines, plus one summary per kind of line left out.
    expect(written.length).toBeLessThanOrEqual(perSecond * seconds);
    expect(summaries.length).toBeGreaterThan(0);
    expect(summaries.length).toBeLessThanOrEqual(32 * seconds);
    expect(String(summaries[0]!['msg'])).toMatch(/\(\d+ more lines? like this suppressed in the last second\)$/);
    const suppressed = summaries.reduce((n, r) => n + (r['suppressed'] as number), 0);
    const s = await status(paths);
    expect(s.counters.logLinesSuppressed).toBe(suppressed);
    expect(suppressed).toBeGreaterThan(500); // at least one line per connection was due, most left out
  });
});
