import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import {
  ControlClient,
  ControlError,
  ControlErrorCodes,
  readState,
  type InstancePaths,
} from '@portshare/control';
import { loadConfig, type ServiceConfig } from './config.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';
import { createLogger } from './logger.js';
import { startMetricsServer } from './metrics.js';
import { dropPrivileges } from './privileges.js';
import { PortshareService } from './service.js';

export interface RunDaemonOptions {
  paths: InstancePaths;
  /** Config file to use instead of the instance's. */
  configFile?: string | undefined;
  /** Overrides applied over the file (tests). */
  config?: ServiceConfig | undefined;
}

export interface RunningDaemon {
  service: PortshareService;
  /** Resolves when the daemon has stopped (signal, 'stop' request or stop()). */
  stopped: Promise<void>;
  stop(): Promise<void>;
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
  if (readState(paths).startMode === 'disabled') throw new ServiceError(ServiceErrorCodes.Disabled, disabledStartMessage());
  const config = options.config ?? loadConfig(options.configFile ?? paths.configFile);
  await assertNotRunning(paths);
  mkdirSync(paths.runDir, { recursive: true, mode: 0o755 });
  const log = createLogger(config, paths.logFile);
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping: Promise<void> | undefined;
  let metrics: Server | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      metrics?.close();
      await service.stop();
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
  const service = new PortshareService({ paths, config, log, onStopRequested: () => void stop() });
  await service.start();
  if (config.metrics.port !== undefined) metrics = await startMetricsServer(service, config.metrics.host, config.metrics.port);
  writeFileSync(paths.pidFile, `${process.pid}\n`);
  const dropped = dropPrivileges(config.user, config.group, [paths.runDir, paths.controlSocket, paths.pidFile, paths.logDir, paths.logFile]);
  if (dropped) log.info(dropped, 'dropped privileges');
  return { service, stopped, stop };
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
