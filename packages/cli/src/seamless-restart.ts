import { startDetached, type InstancePaths } from '@portshare/control';
import { probe, request, waitUntilExited } from './daemon-client.js';
import { defaultStartCommand } from './service-binary.js';

/**
 * The configuration file the daemon runs with: the running daemon's (it may have been started with
 * --config), else the instance's.
 */
export async function runningConfigFile(paths: InstancePaths): Promise<{ file: string; runningPid: number | undefined }> {
  const running = await probe(paths);
  if (running === undefined) return { file: paths.configFile, runningPid: undefined };
  return { file: (await request(paths, { op: 'status' })).configFile ?? paths.configFile, runningPid: running.pid };
}

/**
 * Starts a daemon with `configFile` that takes the sockets over from the running one (the
 * service's takeover.ts; docs/operations.md), waits until it answers and the old one has exited;
 * with none running, starts one. The caller has checked the configuration.
 */
export async function restartSeamlessly(
  paths: InstancePaths,
  configFile: string | undefined,
  timeoutMs: number,
): Promise<{ pid: number; previousPid: number | undefined }> {
  const running = await probe(paths);
  const command = defaultStartCommand();
  if (configFile !== undefined) command.push('--config', configFile);
  if (running !== undefined) command.push('--takeover');
  const pid = await startDetached(paths, command, { timeoutMs, replacing: running !== undefined });
  if (running !== undefined) await waitUntilExited(running.pid, timeoutMs);
  return { pid, previousPid: running?.pid };
}
