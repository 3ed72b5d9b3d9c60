import { readState, type InstancePaths } from '@portshare/control';
import { ServiceError, ServiceErrorCodes, disabledStartMessage, loadConfig, type ServiceConfig } from '@portshare/service';
import { probe } from './daemon-client.js';

/** Where the service writes its log: the configured file, the instance's, or '-' (stderr). */
export function logDestination(paths: InstancePaths, config: ServiceConfig | undefined): string {
  return config?.log.file ?? paths.logFile;
}

/**
 * What `start --detach` and `restart` check before touching anything, so the user gets the real
 * reason (disabled, bad config, already running) rather than "the daemon exited with code 4".
 */
export async function checkStartable(
  paths: InstancePaths,
  configFile: string,
  options: { allowRunning: boolean },
): Promise<ServiceConfig> {
  if (readState(paths).startMode === 'disabled') throw new ServiceError(ServiceErrorCodes.Disabled, disabledStartMessage());
  const config = loadConfig(configFile);
  if (!options.allowRunning) {
    const running = await probe(paths);
    if (running) {
      throw new ServiceError(
        ServiceErrorCodes.AlreadyRunning,
        `A portshare service (pid ${running.pid}) already answers on ${paths.controlSocket}. ` +
          `Stop it first ('portshare stop'), restart it ('portshare restart') or use another --home.`,
      );
    }
  }
  return config;
}
