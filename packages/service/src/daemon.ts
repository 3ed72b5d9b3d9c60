import { unlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import {
  ControlClient,
  ControlError,
  ControlErrorCodes,
  readState,
  type InstancePaths,
} from '@portshare/control';
import { loadConfig, type ServiceConfig } from './config.js';
import { checkConfigOnHost } from './config-host.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';
import { connectionLogFor, createLogger, logSinkOf } from './logger.js';
import { startMetricsServer } from './metrics.js';
import {
  asStartError,
  assertInstanceFolders,
  folderTrust,
  prepareLogFile,
  prepareFolders,
  writePidFile,
} from './instance-files.js';
import { dropPrivileges } from './privileges.js';
import { PortshareService } from './service.js';
import { ServiceManagerNotifier, takeListenFds, type InheritedListener } from './systemd.js';

export interface RunDaemonOptions {
  paths: InstancePaths;
  /** Config file to use instead of the instance's. */
  configFile?: string | undefined;
  /** Overrides applied over the file (tests). */
  config?: ServiceConfig | undefined;
  /** Listening sockets to serve; by default those passed by socket activation (LISTEN_FDS), if any. */
  inheritedListeners?: readonly InheritedListener[] | undefined;
}

export interface RunningDaemon {
  service: PortshareService;
  /** Resolves when the daemon has stopped (signal, 'stop' request or stop()). */
  stopped: Promise<void>;
  stop(): Promise<void>;
  /**
   * Reopens the log file by its path (after logrotate renamed it), through the same open as at
   * start (no link followed, the file must be the daemon's). True when the log now goes to the
   * new file; false when there is no file to reopen or it cannot be opened (logged): the log
   * then stays on the descriptor it had.
   */
  reopenLog(reason: string): boolean;
}

/** The message a disabled instance answers a start with. */
export function disabledStartMessage(): string {
  return "The portshare service is disabled. An administrator can enable it by running 'portshare enable'.";
}

/**
 * Starts the sharing service for an instance: refuses if disabled or already running, loads and
 * validates the config, opens the control socket (and reserved ports), drops privileges, writes
 * the pid file. The caller decides about signals.
 */
export async function runDaemon(options: RunDaemonOptions): Promise<RunningDaemon> {
  const { paths } = options;
  // No file is read, and nothing in the run folder is connected to, before its folder is known to
  // be safe (instance-files.ts): the configuration names `user`, so its folder comes first.
  assertInstanceFolders(paths, undefined, folderTrust(paths, undefined), 'read');
  if (readState(paths).startMode === 'disabled') throw new ServiceError(ServiceErrorCodes.Disabled, disabledStartMessage());
  const source = options.configFile ?? paths.configFile;
  const config = options.config ?? loadConfig(source);
  const trust = folderTrust(paths, config);
  assertInstanceFolders(paths, config, trust, 'all');
  // Refuse, with the key, a log file that cannot be written or a metrics host that cannot be bound,
  // before anything is opened (config-host.ts).
  await checkConfigOnHost(config, { source, defaultLogFile: paths.logFile });
  await assertNotRunning(paths);
  // Taken (and the variables removed) whether or not the start succeeds: sd_listen_fds(3).
  const inherited = options.inheritedListeners ?? takeListenFds();
  prepareFolders(paths, config, trust);
  // The log file is opened here, as root, without following a link; the logger writes through
  // that descriptor and keeps it after the drop.
  const log = createLogger(config, paths.logFile, source, prepareLogFile(paths, config, trust));
  const manager = new ServiceManagerNotifier(log);
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping: Promise<void> | undefined;
  let metrics: Server | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      manager.stopping();
      metrics?.close();
      await service.stop();
      connectionLogFor(log).flush(); // the last second's summaries of per-connection lines
      try {
        unlinkSync(paths.pidFile);
      } catch {
        /* already gone */
      }
      log.flush?.();
      resolveStopped();
    })();
    return stopping;
  };
  const service = new PortshareService({ paths, config, log, onStopRequested: () => void stop(), inheritedListeners: inherited });
  await service.start().catch((err: unknown) => {
    throw asStartError(err);
  });
  if (config.metrics.port !== undefined) metrics = await startMetricsServer(service, config.metrics.host, config.metrics.port);
  writePidFile(paths);
  const dropped = dropPrivileges(config.user, config.group, [paths.controlSocket]);
  if (dropped) log.info(dropped, 'dropped privileges');
  // Type=notify (systemd.service(5)): the unit is started once the control socket listens and
  // every passed or reserved socket is served.
  manager.ready(`serving; control socket ${paths.controlSocket}`);
  const reopenLog = (reason: string): boolean => {
    const sink = logSinkOf(log);
    if (sink === undefined || !sink.reopenable) return false;
    let fd: number | undefined;
    try {
      fd = prepareLogFile(paths, config, trust);
    } catch (err) {
      log.warn(
        { err, reason },
        dropped
          ? `cannot reopen the log file as '${config.user}' (privileges were dropped; the file or its folder is root's): ` +
              'the log stays on the file it had. Rotate with copytruncate, or have logrotate create the new file owned by that user'
          : 'cannot reopen the log file: the log stays on the file it had',
      );
      return false;
    }
    if (fd === undefined) return false;
    sink.replaceDescriptor(fd);
    log.info({ reason }, 'log file reopened');
    return true;
  };
  return { service, stopped, stop, reopenLog };
}

async function assertNotRunning(paths: InstancePaths): Promise<void> {
  let client: ControlClient;
  try {
    client = await ControlClient.connect(paths.controlSocket, { requestTimeoutMs: 2000 });
  } catch (err) {
    if (err instanceof ControlError && err.code === ControlErrorCodes.NotRunning) return;
    throw err;
  }
  client.destroy();
  throw new ServiceError(
    ServiceErrorCodes.AlreadyRunning,
    `A portshare service already answers on ${paths.controlSocket}. Stop it first ('portshare stop') or use another --home.`,
  );
}
