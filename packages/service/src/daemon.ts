import { readFileSync, unlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import {
  ControlClient,
  ControlError,
  ControlErrorCodes,
  readState,
  type InstancePaths,
} from '@portshare/control';
import { loadConfig, releaseConfigValidator, type ServiceConfig } from './config.js';
import { checkConfigOnHost } from './config-host.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';
import { connectionLogFor, createLogger, logSinkOf, logsToJournal } from './logger.js';
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
import { ReloadHelper } from './reload-helper.js';
import { PortshareService } from './service.js';
import { CONTROL_FD_NAME, ServiceManagerNotifier, takeListenFds, type InheritedListener } from './systemd.js';
import { resolveRouteTargets } from './static-routes.js';
import { connectToRunning, takeOver, type TakenOver } from './takeover.js';
import type { Logger } from 'pino';

export interface RunDaemonOptions {
  paths: InstancePaths;
  /** Config file to use instead of the instance's. */
  configFile?: string | undefined;
  /** Overrides applied over the file (tests). */
  config?: ServiceConfig | undefined;
  /** Listening sockets to serve; by default those passed by socket activation (LISTEN_FDS), if any. */
  inheritedListeners?: readonly InheritedListener[] | undefined;
  /**
   * Take over from a daemon already serving the instance (a seamless restart, takeover.ts)
   * instead of refusing to start; with none running, start as usual.
   */
  takeover?: boolean | undefined;
  /**
   * The command that reloads this daemon (`portshare-service … --reload`, main.ts). Given, a
   * daemon started as root that drops privileges starts a reload helper with it first, so a
   * SIGHUP can still replace it (reload-helper.ts).
   */
  reloadCommand?: readonly string[] | undefined;
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
  /**
   * After a privilege drop, what starts the daemon that replaces this one as root (a reload
   * asked by SIGHUP); undefined when the daemon kept the account it started with.
   */
  reloadHelper: ReloadHelper | undefined;
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
  releaseConfigValidator();
  const trust = folderTrust(paths, config);
  assertInstanceFolders(paths, config, trust, 'all');
  // Refuse, with the key, a log file that cannot be written or a metrics host that cannot be bound,
  // before anything is opened (config-host.ts).
  await checkConfigOnHost(config, { source, defaultLogFile: paths.logFile, resolveRoutes: false });
  // Static routes' host names, resolved once, here, so a name that does not resolve fails the
  // start before anything (a running daemon included) is touched; the service starts with these.
  const routeTargets = await resolveRouteTargets(config.routes, source);
  // Everything above can fail without touching a running daemon: a restart with a bad
  // configuration leaves it serving.
  // Taken (and the variables removed) whether or not the start succeeds: sd_listen_fds(3).
  const passed = options.inheritedListeners ?? takeListenFds();
  // The service manager may pass the control socket too (portshare-control.socket): a worker
  // connecting to it is what starts the daemon, on demand, in the unit's own cgroup.
  const controlPassed = passed.find((l) => l.name === CONTROL_FD_NAME);
  const inherited = passed.filter((l) => l !== controlPassed);
  const previous = options.takeover && controlPassed === undefined ? await connectToRunning(paths) : undefined;
  // A passed control socket is ours: whoever connected to it waits for this daemon.
  if (previous === undefined && controlPassed === undefined) await assertNotRunning(paths);
  prepareFolders(paths, config, trust, { keepControlSocket: previous !== undefined || controlPassed !== undefined });
  // The log file is opened here, as root, without following a link; the logger writes through
  // that descriptor and keeps it after the drop.
  const log = createLogger(config, paths.logFile, source, logsToJournal(config) ? undefined : prepareLogFile(paths, config, trust));
  const manager = new ServiceManagerNotifier(log);
  let taken: TakenOver | undefined;
  if (previous !== undefined) {
    try {
      taken = await takeOver(paths, previous, config.takeoverTimeoutMs);
    } catch (err) {
      previous.destroy();
      throw err;
    }
  }
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping: Promise<void> | undefined;
  let metrics: Server | undefined;
  let handedOver = false;
  let reloadHelper: ReloadHelper | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      reloadHelper?.close();
      // Handed over, the unit goes on in the new daemon (which sent MAINPID= and READY=1).
      if (!handedOver) manager.stopping();
      metrics?.close();
      await service.stop();
      connectionLogFor(log).flush(); // the last second's summaries of per-connection lines
      removeOwnPidFile(paths);
      log.flush?.();
      resolveStopped();
    })();
    return stopping;
  };
  const service = new PortshareService({
    paths,
    config,
    log,
    configFile: source,
    onStopRequested: () => void stop(),
    inheritedListeners: inherited,
    controlFd: controlPassed?.fd,
    routeTargets,
    takenOver: taken,
    onTakeover: (event) => {
      if (event === 'started') manager.reloading();
      else if (event === 'abandoned') manager.ready('serving (a takeover was abandoned)');
      else {
        handedOver = true;
        // The new daemon binds the metrics port next (it cannot be passed: it is Node's).
        metrics?.close();
        metrics = undefined;
        void service.retire().then(stop);
      }
    },
  });
  let dropped: ReturnType<typeof dropPrivileges>;
  try {
    await service.start();
    // A new daemon binding the metrics port waits for the previous one to let it go (release).
    if (config.metrics.port !== undefined && taken === undefined) metrics = await startMetricsServer(service, config.metrics.host, config.metrics.port);
    writePidFile(paths);
    // Started while this process is still root, the only moment it can be (reload-helper.ts).
    if (options.reloadCommand !== undefined && config.user !== undefined && process.geteuid?.() === 0) {
      reloadHelper = ReloadHelper.start(options.reloadCommand);
    }
    dropped = dropPrivileges(config.user, config.group, [paths.controlSocket]);
    if (dropped) log.info(dropped, 'dropped privileges');
    // After the drop, so the workers registering here see the uid this daemon keeps (their
    // hand-off sockets are opened to it).
    if (taken !== undefined) {
      await finishTakeover(service, taken, config, log, manager);
      // Released, the previous daemon is on its way out: from here nothing may end this one.
      if (config.metrics.port !== undefined) {
        metrics = await startMetricsAfterRelease(service, config).catch((err: unknown) => {
          log.error({ err }, 'the metrics endpoint could not be opened after the takeover; serving without it');
          return undefined;
        });
      }
    }
  } catch (err) {
    reloadHelper?.close();
    taken?.previous.destroy();
    await service.stop().catch(() => {});
    removeOwnPidFile(paths);
    throw asStartError(err);
  }
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
  return { service, stopped, stop, reopenLog, reloadHelper };
}

/**
 * Steps 2 and 3 of a takeover (takeover.ts): the workers are told to register here, this daemon
 * waits for them (takeoverTimeoutMs at most), accepts, and releases the previous one.
 */
async function finishTakeover(
  service: PortshareService,
  taken: TakenOver,
  config: ServiceConfig,
  log: Logger,
  manager: ServiceManagerNotifier,
): Promise<void> {
  await taken.previous.request({ op: 'handover' });
  const missing = await service.awaitRegistrations(taken.registrations, config.takeoverTimeoutMs);
  if (missing.length > 0) {
    log.warn({ missing }, `takeover: ${missing.length} registration(s) did not come back within takeoverTimeoutMs; accepting without them`);
  }
  service.acceptClients();
  // The unit's main process becomes this one before the previous one can exit: systemd would
  // otherwise take that exit for the service's end (NotifyAccess=all lets this process say so).
  manager.send(`MAINPID=${process.pid}`);
  await taken.previous.request({ op: 'release' });
  taken.previous.destroy();
  log.info({ previousPid: taken.previousPid, registrations: taken.registrations.length - missing.length }, 'took over from the previous service');
}

/** The previous daemon closes its metrics server when released: retry EADDRINUSE for up to 2 s. */
async function startMetricsAfterRelease(service: PortshareService, config: ServiceConfig): Promise<Server> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startMetricsServer(service, config.metrics.host, config.metrics.port!);
    } catch (err) {
      if (attempt >= 40 || !/EADDRINUSE/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Removes the pid file if it still names this process (after a takeover it names the new daemon). */
function removeOwnPidFile(paths: InstancePaths): void {
  try {
    if (readFileSync(paths.pidFile, 'utf8').trim() !== String(process.pid)) return;
    unlinkSync(paths.pidFile);
  } catch {
    /* already gone */
  }
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
