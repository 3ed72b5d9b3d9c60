import { fstatSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, symbols, type Logger } from 'pino';
import type { Counters } from '@portshare/control';
import type { ServiceConfig } from './config.js';
import { configureConnectionLog } from './connection-log.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';
import { LogSink } from './log-sink.js';

export { logConnectionEvent, connectionLogFor, ConnectionLog, type ConnectionLogLevel, type ConnectionLogOptions } from './connection-log.js';
export { sanitizeText, sanitizeValue, sanitizeFields } from './log-sanitize.js';
export { LogSink } from './log-sink.js';

/**
 * Structured logs (pino, one JSON object per line). The destination is the instance's log file
 * unless config.log.file says otherwise ('-' for stderr), or stdout when systemd connected it to
 * the journal and log.file is unset (logsToJournal). Each line is written synchronously, so
 * the last lines before a crash are not lost, through a LogSink, so that a full disk or a failing
 * write loses (and counts) lines but never stops or kills the daemon. The file is opened here,
 * before privileges are dropped, and kept open; it is opened for appending (O_APPEND), so
 * `logrotate` with `copytruncate` can rotate it under the running daemon.
 *
 * A file that cannot be opened is a configuration error naming `log.file` (SERVICE_ERR_BAD_CONFIG),
 * not a daemon that runs without logs.
 */
export function createLogger(config: ServiceConfig, defaultFile: string, source = 'configuration', openFd?: number): Logger {
  const file = config.log.file ?? defaultFile;
  const options = { level: config.log.level, base: { pid: process.pid } };
  if (logsToJournal(config)) return pino(options, new LogSink(1, { owned: false }));
  if (file === '-') return pino(options, new LogSink(2, { owned: false }));
  // Opened by the caller (the daemon, as root, without following links): write through it.
  if (openFd !== undefined) return pino(options, new LogSink(openFd, { owned: true }));
  let fd: number;
  try {
    mkdirSync(dirname(file), { recursive: true });
    fd = openSync(file, 'a');
  } catch (err) {
    const which = config.log.file === undefined ? `(unset: the instance's log file ${file})` : `(${file})`;
    throw new ServiceError(
      ServiceErrorCodes.BadConfig,
      `Invalid configuration in ${source}: 'log.file' ${which} cannot be opened: ${(err as Error).message}. Point it at a writable file, or "-" for stderr.`,
      { cause: err },
    );
  }
  return pino(options, new LogSink(fd, { owned: true }));
}

/**
 * Whether the log goes to the journal: run by systemd with stdout connected to it (JOURNAL_STREAM
 * names that stream's device and inode, systemd.exec(5); checked against stdout itself, since the
 * variable is inherited by children whose stdout may be elsewhere) and no `log.file` set. journald
 * then keeps each JSON line with the unit's name and the pid, and rotates it: no file, no logrotate.
 */
export function logsToJournal(config: ServiceConfig, env: NodeJS.ProcessEnv = process.env): boolean {
  if (config.log.file !== undefined) return false;
  const stream = /^(\d+):(\d+)$/.exec(env['JOURNAL_STREAM'] ?? '');
  if (stream === null) return false;
  try {
    const st = fstatSync(1, { bigint: true });
    return String(st.dev) === stream[1] && String(st.ino) === stream[2];
  } catch {
    return false;
  }
}

/** The LogSink behind a logger made by createLogger (undefined for another destination). */
export function logSinkOf(log: Logger): LogSink | undefined {
  const stream = (log as unknown as Record<symbol, unknown>)[symbols.streamSym];
  return stream instanceof LogSink ? stream : undefined;
}

/**
 * Wires a service's logger to its configuration and counters: lines lost to write failures are
 * counted in `logWriteFailures`, per-connection lines summarised in `logLinesSuppressed`, and the
 * connection path's limits (log.maxLineFieldBytes, log.perConnectionLinesPerSecond) apply to
 * logConnectionEvent on this logger and its children.
 */
export function bindServiceLog(log: Logger, config: ServiceConfig['log'], counters: Counters): void {
  logSinkOf(log)?.useCounters(counters);
  configureConnectionLog(log, { maxFieldBytes: config.maxLineFieldBytes, linesPerSecond: config.perConnectionLinesPerSecond, counters });
}
