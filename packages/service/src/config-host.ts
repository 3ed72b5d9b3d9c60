import { accessSync, constants, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import type { ServiceConfig } from './config.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';
import { resolveRouteTargets } from './static-routes.js';

function bad(key: string, reason: string, source: string): ServiceError {
  return new ServiceError(ServiceErrorCodes.BadConfig, `Invalid configuration in ${source}: '${key}' ${reason}.`);
}

function who(): string {
  return `uid ${process.geteuid?.() ?? '?'}`;
}

/**
 * Why `file` could not be opened for appending by this process, or undefined if it could,
 * without creating anything: an existing file must be writable and not a directory; a missing
 * one needs its nearest existing ancestor to be a directory this process may write in (the
 * logger creates the folders between, as `mkdir -p` would). access(2) answers for the real uid,
 * which is the effective one in the daemon and the CLI (neither is set-uid).
 */
export function whyNotWritable(file: string): string | undefined {
  let probe = file;
  let missing = false;
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(probe).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && dirname(probe) !== probe) {
        probe = dirname(probe);
        missing = true;
        continue;
      }
      return `${code ?? (err as Error).message}${code === 'ENOTDIR' ? ': a parent in the path is a file, not a folder' : ''}`;
    }
    if (!missing && isDir) return 'EISDIR: it is a folder; name a file in it';
    if (missing && !isDir) return `ENOTDIR: ${probe} is a file, not a folder`;
    try {
      accessSync(probe, missing ? constants.W_OK | constants.X_OK : constants.W_OK);
    } catch (err) {
      return `${(err as NodeJS.ErrnoException).code ?? 'EACCES'}: ${missing ? `cannot create files in ${probe}` : 'not writable'} as ${who()}`;
    }
    return undefined;
  }
}

/** Binds host on an ephemeral port and closes it at once: does it resolve to an address of ours? */
function probeBind(host: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen(0, host, () => server.close(() => resolve(undefined)));
  });
}

/** A listen() error on the metrics endpoint, as a configuration error naming the key at fault. */
export function metricsListenError(err: NodeJS.ErrnoException, config: ServiceConfig, source: string): ServiceError {
  const { host, port } = config.metrics;
  switch (err.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return bad('metrics.host', `(${host}) does not resolve to an address (getaddrinfo ${err.code}); use an IP address of this machine such as 127.0.0.1`, source);
    case 'EADDRNOTAVAIL':
      return bad('metrics.host', `(${host}) is not an address of this machine (EADDRNOTAVAIL); use one it has, such as 127.0.0.1`, source);
    case 'EADDRINUSE':
      return bad('metrics.port', `(${port}) is already in use on ${host} (EADDRINUSE); pick a free port`, source);
    case 'EACCES':
      return bad('metrics.port', `(${port}) cannot be bound (EACCES): ports below 1024 need root; pick a port from 1024`, source);
    default:
      return bad('metrics.host', `(${host}) cannot be listened on: ${err.code ?? ''} ${err.message}`.trim(), source);
  }
}

/**
 * What validation cannot see in the file alone: that the log file can be written and that the
 * metrics host is an address of this machine. Run by the daemon before it opens anything, and by
 * `portshare config validate`, so a bad value is refused with its key either way rather than
 * starting with no logs or dying on a bare `getaddrinfo ENOTFOUND`. Checked as the calling
 * process's user: the daemon opens its log before it drops privileges.
 */
export async function checkConfigOnHost(
  config: ServiceConfig,
  options: { source: string; defaultLogFile: string; /** False for the daemon, which resolves them as it starts. */ resolveRoutes?: boolean },
): Promise<void> {
  const file = config.log.file ?? options.defaultLogFile;
  if (file !== '-') {
    const why = whyNotWritable(file);
    if (why !== undefined) {
      const which = config.log.file === undefined ? `(unset: the instance's log file ${file})` : `(${file})`;
      throw bad('log.file', `${which} cannot be written: ${why}. Point it at a writable file, or "-" for stderr`, options.source);
    }
  }
  if (config.metrics.port !== undefined) {
    const err = await probeBind(config.metrics.host);
    if (err) throw metricsListenError(err, config, options.source);
  }
  // A static route's host name must resolve (the daemon resolves it once, at start).
  if (options.resolveRoutes !== false) await resolveRouteTargets(config.routes, options.source);
}
