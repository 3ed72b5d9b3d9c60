import { existsSync } from 'node:fs';
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
  /**
   * Without a home: 'system' is the one instance of the machine (/etc, /var, /run), 'user' this
   * account's own (XDG folders). Default: PORTSHARE_SCOPE, else the system instance for root, and
   * for other accounts when one is installed or running ({@link systemInstancePresent}), else
   * their own.
   */
  scope?: InstanceScope | undefined;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  /** Whether the system instance is installed or running (tests); default {@link systemInstancePresent}. */
  systemPresent?: () => boolean;
}

export type InstanceScope = 'system' | 'user';

/** The system instance's folders (FHS): one daemon on the machine, for every user. */
export const SYSTEM_FOLDERS = {
  config: '/etc/portshare',
  state: '/var/lib/portshare',
  run: '/run/portshare',
  log: '/var/log/portshare',
} as const;

/**
 * Whether the machine has a system instance: its daemon's control socket exists, or its state
 * was written (`portshare enable` or `disable` as root), or its unit was installed
 * (`portshare install-service`). A worker of any allowed account then registers there, as WCF
 * services of every account share SMSvcHost.
 */
export function systemInstancePresent(): boolean {
  return (
    existsSync(join(SYSTEM_FOLDERS.run, 'control.sock')) ||
    existsSync(join(SYSTEM_FOLDERS.state, 'state.json')) ||
    existsSync('/etc/systemd/system/portshare.service')
  );
}

/** sockaddr_un.sun_path holds 108 bytes including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;

/**
 * Resolves an instance's paths. `PORTSHARE_HOME=<dir>` (or `home`) puts config, state, sockets and logs in
 * one folder, which is what tests and the demo use. Otherwise the system instance has the FHS
 * locations (/etc/portshare, /var/lib/portshare, /run/portshare, /var/log/portshare) and a user's
 * own instance the XDG ones; which one is meant is `scope` (see {@link ResolveOptions.scope}).
 */
export function resolveInstance(options: ResolveOptions = {}): InstancePaths {
  const env = options.env ?? process.env;
  const uid = options.uid ?? process.getuid?.() ?? 0;
  const homeOpt = options.home ?? env['PORTSHARE_HOME'];
  let paths: InstancePaths;
  if (homeOpt !== undefined && homeOpt !== '') {
    const home = resolve(homeOpt);
    paths = layout(home, home, home, join(home, 'run'), join(home, 'log'));
  } else if (scopeOf(options, env, uid) === 'system') {
    const f = SYSTEM_FOLDERS;
    paths = layout(undefined, f.config, f.state, f.run, f.log);
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

function scopeOf(options: ResolveOptions, env: NodeJS.ProcessEnv, uid: number): InstanceScope {
  if (options.scope !== undefined) return options.scope;
  const fromEnv = env['PORTSHARE_SCOPE'];
  if (fromEnv === 'system' || fromEnv === 'user') return fromEnv;
  if (fromEnv !== undefined && fromEnv !== '') {
    throw new ControlError(ControlErrorCodes.InvalidArgument, `PORTSHARE_SCOPE is '${fromEnv}'; it must be 'system' or 'user' (or unset).`);
  }
  if (uid === 0) return 'system';
  return (options.systemPresent ?? systemInstancePresent)() ? 'system' : 'user';
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
