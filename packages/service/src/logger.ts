import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type Logger } from 'pino';
import type { ServiceConfig } from './config.js';

/**
 * Structured logs (pino, one JSON object per line). The destination is the instance's log file
 * unless config.log.file says otherwise ('-' for stderr); writes are synchronous so the last lines
 * before a crash are not lost.
 */
export function createLogger(config: ServiceConfig, defaultFile: string): Logger {
  const file = config.log.file ?? defaultFile;
  if (file === '-') return pino({ level: config.log.level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
  mkdirSync(dirname(file), { recursive: true });
  return pino({ level: config.log.level, base: { pid: process.pid } }, pino.destination({ dest: file, sync: true, mkdir: true }));
}
