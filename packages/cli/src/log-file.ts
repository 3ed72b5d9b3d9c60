import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { CliLimits } from './limits.js';

const CHUNK = 64 * 1024;

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return buf.subarray(0, done);
}

/**
 * The last `count` lines of a file, reading backwards in chunks so a large log is not read whole.
 * Returns the lines and the offset where the file ended, for --follow to continue from.
 */
export function readLastLines(file: string, count: number): { lines: string[]; end: number } {
  const fd = openSync(file, 'r');
  try {
    const end = statSync(file).size;
    if (count === 0) return { lines: [], end };
    const chunks: Buffer[] = [];
    let pos = end;
    let newlines = 0;
    // count + 1 newlines guarantee `count` whole lines (the file's last byte is usually a newline).
    while (pos > 0 && newlines <= count) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const chunk = readAt(fd, pos, len);
      for (const b of chunk) if (b === 0x0a) newlines++;
      chunks.unshift(chunk);
    }
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return { lines: lines.slice(-count), end };
  } finally {
    closeSync(fd);
  }
}

/**
 * Calls `onLine` for every complete line appended to `file` after offset `from`, until `signal`
 * aborts. A file that shrinks or is replaced (log rotation) is read again from its start.
 */
export function followFile(
  file: string,
  from: number,
  onLine: (line: string) => void,
  signal: AbortSignal,
  intervalMs: number = CliLimits.followIntervalMs,
): Promise<void> {
  let pos = from;
  let inode: number | undefined;
  let partial = Buffer.alloc(0);
  const poll = (): void => {
    let st;
    try {
      st = statSync(file);
    } catch {
      return; // not there (yet, or between a rotation's rename and create)
    }
    if ((inode !== undefined && st.ino !== inode) || st.size < pos) {
      pos = 0;
      partial = Buffer.alloc(0);
    }
    inode = st.ino;
    if (st.size === pos) return;
    const fd = openSync(file, 'r');
    try {
      const data = Buffer.concat([partial, readAt(fd, pos, st.size - pos)]);
      pos = st.size;
      let start = 0;
      for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, start)) {
        onLine(data.toString('utf8', start, i));
        start = i + 1;
      }
      partial = Buffer.from(data.subarray(start));
    } finally {
      closeSync(fd);
    }
  };
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setInterval(poll, intervalMs);
    poll();
    signal.addEventListener('abort', () => {
      clearInterval(timer);
      poll();
      resolve();
    }, { once: true });
  });
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** A log line as data: the service's JSON object, or `{ text }` for anything else. */
export function parseLogLine(line: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(line);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  return { text: line };
}

/** A structured (pino) log line for people: "time LEVEL message key=value …". */
export function formatLogLine(line: string): string {
  const rec = parseLogLine(line);
  if ('text' in rec && Object.keys(rec).length === 1) return String(rec['text']);
  const time = typeof rec['time'] === 'number' ? new Date(rec['time']).toISOString() : '-';
  const level = typeof rec['level'] === 'number' ? (LEVELS[rec['level']] ?? String(rec['level'])) : String(rec['level'] ?? '-');
  const fields = Object.entries(rec)
    .filter(([k]) => !OMIT.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' && /^\S+$/.test(v) ? v : JSON.stringify(v)}`);
  return [time, level.padEnd(5), String(rec['msg'] ?? ''), ...fields].join(' ').trimEnd();
}
