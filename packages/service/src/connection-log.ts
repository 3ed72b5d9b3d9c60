import { symbols, type Logger } from 'pino';
import { sanitizeFields, sanitizeText } from './log-sanitize.js';

export type ConnectionLogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface ConnectionLogOptions {
  /** log.maxLineFieldBytes: each field value (and the message) is cut to this many UTF-8 bytes. */
  maxFieldBytes: number;
  /** log.perConnectionLinesPerSecond: lines written per second; the rest are summarised. */
  linesPerSecond: number;
  /** Where suppressed lines are counted (the status reply's counters). */
  counters?: { logLinesSuppressed: number };
}

export const CONNECTION_LOG_DEFAULTS: Readonly<ConnectionLogOptions> = { maxFieldBytes: 256, linesPerSecond: 20 };

/** Summary lines per second at most: one per distinct message, the last shared by all the rest. */
const MAX_SUMMARIES = 32;
const OTHER = '\0other';
const WINDOW_MS = 1000;

/**
 * Log lines about single connections, which anyone who can reach the port can cause: every field
 * is sanitised and cut (log-sanitize.ts), and at most `linesPerSecond` such lines are written per
 * second across all connections. Past that, lines are counted by level and message, and when the
 * second is over one line per message says how many were left out:
 * `no registration for via: EndpointNotFound (1234 more lines like this suppressed in the last second)`.
 * A flood of bad connections thus costs the log a bounded number of lines a second (at most
 * linesPerSecond + 32), however fast it comes.
 */
export class ConnectionLog {
  #log: Logger;
  #options: ConnectionLogOptions;
  #windowStart = 0;
  #written = 0;
  readonly #suppressed = new Map<string, { level: ConnectionLogLevel; msg: string; count: number }>();
  #timer: NodeJS.Timeout | undefined;

  constructor(log: Logger, options: Partial<ConnectionLogOptions> = {}) {
    this.#log = log;
    this.#options = { ...CONNECTION_LOG_DEFAULTS, ...options };
  }

  /** New limits or counters; `log`, if given, writes the summaries from now on. */
  configure(options: Partial<ConnectionLogOptions>, log?: Logger): void {
    this.#options = { ...this.#options, ...options };
    if (log) this.#log = log;
  }

  /**
   * Logs one event about a connection at `level`, with `fields` sanitised and `msg` as the
   * message. Returns true if the line was written, false if it was below the level or summarised.
   * `log` writes the line (a child logger keeps its bindings); summaries use the service's logger.
   */
  event(level: ConnectionLogLevel, fields: Record<string, unknown>, msg: string, log: Logger = this.#log): boolean {
    if (!log.isLevelEnabled(level)) return false;
    const now = Date.now();
    if (now - this.#windowStart >= WINDOW_MS) this.#newWindow(now);
    const max = this.#options.maxFieldBytes;
    const text = sanitizeText(msg, Math.max(max, 256));
    if (this.#written < this.#options.linesPerSecond) {
      this.#written++;
      log[level](sanitizeFields(fields, max), text);
      return true;
    }
    if (this.#options.counters) this.#options.counters.logLinesSuppressed++;
    // Sanitised text holds no NUL (it is escaped), so OTHER cannot collide with a real message.
    let key = `${level}\0${text}`;
    if (!this.#suppressed.has(key) && this.#suppressed.size >= MAX_SUMMARIES - 1) key = OTHER;
    const entry = this.#suppressed.get(key);
    if (entry) entry.count++;
    else this.#suppressed.set(key, { level, msg: key === OTHER ? 'other per-connection lines' : text, count: 1 });
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#newWindow(Date.now());
    }, Math.max(1, this.#windowStart + WINDOW_MS - now)).unref();
    return false;
  }

  /** Writes the summaries of the current second now (at stop). */
  flush(): void {
    this.#newWindow(Date.now());
  }

  #newWindow(now: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const { level, msg, count } of this.#suppressed.values()) {
      this.#log[level]({ suppressed: count, intervalMs: WINDOW_MS }, `${msg} (${count} more line${count === 1 ? '' : 's'} like this suppressed in the last second)`);
    }
    this.#suppressed.clear();
    this.#windowStart = now;
    this.#written = 0;
  }
}

/**
 * One ConnectionLog per destination, so that a logger and its children (`log.child(...)`) share
 * one budget. Keyed by pino's stream, which root and children have in common.
 */
const byStream = new WeakMap<object, ConnectionLog>();

function streamOf(log: Logger): object {
  const stream = (log as unknown as Record<symbol, unknown>)[symbols.streamSym];
  return typeof stream === 'object' && stream !== null ? stream : log;
}

/** The ConnectionLog of this logger's destination (created with the defaults if none yet). */
export function connectionLogFor(log: Logger): ConnectionLog {
  const key = streamOf(log);
  let clog = byStream.get(key);
  if (!clog) {
    clog = new ConnectionLog(log);
    byStream.set(key, clog);
  }
  return clog;
}

/**
 * Sets the limits (from config.log) and the counters of the ConnectionLog behind `log`. The
 * service calls it once at construction.
 */
export function configureConnectionLog(log: Logger, options: Partial<ConnectionLogOptions>): ConnectionLog {
  const clog = connectionLogFor(log);
  clog.configure(options, log);
  return clog;
}

/**
 * The connection path's logging call: `logConnectionEvent(log, 'info', { connectionId, via }, 'no
 * registration for via: EndpointNotFound')`. Fields are sanitised and cut, and lines past
 * log.perConnectionLinesPerSecond are summarised (see ConnectionLog). Returns whether the line
 * was written.
 */
export function logConnectionEvent(log: Logger, level: ConnectionLogLevel, fields: Record<string, unknown>, msg: string): boolean {
  return connectionLogFor(log).event(level, fields, msg, log);
}
