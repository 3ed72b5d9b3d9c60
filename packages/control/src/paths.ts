import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ControlError, ControlErrorCodes } from './errors.js';

/** Where one portshare instance keeps its files. */
export interface InstancePaths {
  /** PORTSHARE_HOME when one folder holds everything, else undefined. */
  readonly home: string | undefined;
  readonly configDir: string;
  /** The JSON configuration file (validated by the service). */
  readonly configFile: string;
  readonly stateDir: string;
  /** The persisted start mode (enabled/disabled) and how to start the daemon. */
  readonly stateFile: string;
  readonly runDir: string;
  /** The control socket: registration, status and administration. */
  readonly controlSocket: string;
  readonly pidFile: string;
  readonly logDir: string;
  readonly logFile: string;
}

export interface ResolveOptions {
  /** Explicit instance folder (the CLI's --home); wins over PORTSHARE_HOME. */
  home?: string | undefined;
  env?: NodeJS.ProcessEnv;
  uid?: number;
}

/** sockaddr_un.sun_path holds 108 bytes including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;

/**
 * Resolves an instance's paths. `PORTSHARE_HOME=<dir>` (or `home`) puts config, state, sockets and logs in
 * one folder, which is what tests and the demo use. Otherwise root gets the FHS locations
 * (/etc/portshare, /var/lib/portshare, /run/portshare, /var/log/portshare) and other users the XDG ones.
 */
export function resolveInstance(options: ResolveOptions = {}): InstancePaths {
  const env = options.env ?? process.env;
  const uid = options.uid ?? process.getuid?.() ?? 0;
  const homeOpt = options.home ?? env['PORTSHARE_HOME'];
  let paths: InstancePaths;
  if (homeOpt !== undefined && homeOpt !== '') {
    const home = resolve(homeOpt);
    paths = layout(home, home, home, join(home, 'run'), join(home, 'log'));
  } else if (uid === 0) {
    paths = layout(undefined, '/etc/portshare', '/var/lib/portshare', '/run/portshare', '/var/log/portshare');
  } else {
    const h = env['HOME'] ?? homedir();
    const config = join(env['XDG_CONFIG_HOME'] || join(h, '.config'), 'portshare');
    const state = join(env['XDG_STATE_HOME'] || join(h, '.local', 'state'), 'portshare');
    const run = env['XDG_RUNTIME_DIR'] ? join(env['XDG_RUNTIME_DIR'], 'portshare') : join('/tmp', `portshare-${uid}`);
    paths = layout(undefined, config, state, run, join(state, 'log'));
  }
  checkSocketPath(paths.controlSocket);
  return paths;
}

function layout(home: string | undefined, configDir: string, stateDir: string, runDir: string, logDir: string): InstancePaths {
  return {
    home,
    configDir,
    configFile: join(configDir, 'portshare.json'),
    stateDir,
    stateFile: join(stateDir, 'state.json'),
    runDir,
    controlSocket: join(runDir, 'control.sock'),
    pidFile: join(runDir, 'portshare.pid'),
    logDir,
    logFile: join(logDir, 'portshare.log'),
  };
}

/** A Unix socket path longer than sun_path fails deep inside bind(); say so up front instead. */
export function checkSocketPath(path: string): void {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new ControlError(
      ControlErrorCodes.SocketPathTooLong,
      `The Unix socket path ${path} is ${bytes} bytes; Linux allows ${MAX_SOCKET_PATH_BYTES}. ` +
        `Choose a shorter PORTSHARE_HOME (or --home).`,
    );
  }
}
