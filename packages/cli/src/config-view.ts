import { existsSync, readFileSync } from 'node:fs';
import { loadConfig, type ServiceConfig } from '@portshare/service';
import { CliError, CliErrorCodes } from './errors.js';

/** One effective setting and where its value came from. */
export interface ConfigEntry {
  /** Dotted key, as written in the file (`log.level`). */
  key: string;
  value: unknown;
  source: 'file' | 'default';
}

export interface ConfigView {
  file: string;
  fileExists: boolean;
  config: ServiceConfig;
  entries: ConfigEntry[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Loads and validates a configuration file (through the service's own loader, so the CLI and
 * the daemon can never disagree) and lists every effective setting with its source. A missing
 * file means the defaults, unless `mustExist` (a file named on the command line).
 */
export function readConfigView(file: string, options: { mustExist?: boolean } = {}): ConfigView {
  const fileExists = existsSync(file);
  if (!fileExists && options.mustExist) {
    throw new CliError(CliErrorCodes.ConfigNotFound, `There is no configuration file at ${file}. Check the path, or omit it to use the instance's file.`);
  }
  const config = loadConfig(file);
  const raw: unknown = fileExists ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const fromFile = isPlainObject(raw) ? raw : {};
  const entries: ConfigEntry[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (isPlainObject(value)) {
      const section = isPlainObject(fromFile[key]) ? fromFile[key] : {};
      for (const [sub, subValue] of Object.entries(value)) {
        entries.push({ key: `${key}.${sub}`, value: subValue, source: sub in section ? 'file' : 'default' });
      }
    } else {
      entries.push({ key, value, source: key in fromFile ? 'file' : 'default' });
    }
  }
  return { file, fileExists, config, entries };
}

/** A setting's value as a table cell. */
export function formatSetting(value: unknown): string {
  if (value === undefined || value === null) return '(unset)';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
