import { startDetached, type InstancePaths } from '@portshare/control';
import { probe, request, waitUntilExited } from './daemon-client.js';
import { CliError, CliErrorCodes } from './errors.js';
import { defaultStartCommand } from './service-binary.js';
import { systemctl } from './unit-files.js';

/**
 * The configuration file the daemon runs with: the running daemon's (it may have been started with
 * --config), else the instance's.
 */
export async function runningConfigFile(
  paths: InstancePaths,
): Promise<{ file: string; runningPid: number | undefined; systemdUnit: string | undefined }> {
  const running = await probe(paths);
  if (running === undefined) return { file: paths.configFile, runningPid: undefined, systemdUnit: undefined };
  const status = await request(paths, { op: 'status' });
  return { file: status.configFile ?? paths.configFile, runningPid: running.pid, systemdUnit: status.systemdUnit };
}

/**
 * A restart of a daemon systemd runs is systemd's: `systemctl reload UNIT` runs the unit's
 * ExecReload= (the same seamless takeover, inside the unit, so systemd follows the new main
 * process). Started here instead, the new daemon would live outside the unit, and systemd would
 * take the old one's exit for the service's end. Resolves with the new daemon's pid.
 */
async function reloadThroughSystemd(
  paths: InstancePaths,
  unit: string,
  previousPid: number,
  timeoutMs: number,
): Promise<{ pid: number; previousPid: number }> {
  const failed = systemctl(['reload', unit]);
  if (failed !== undefined) {
    throw new CliError(
      CliErrorCodes.SystemdReload,
      `The service runs under systemd (${unit}) and 'systemctl reload ${unit}' failed: ${failed}. ` +
        `The running service (pid ${previousPid}) serves on; see 'journalctl -u ${unit}' for why.`,
    );
  }
  await waitUntilExited(previousPid, timeoutMs);
  const now = await probe(paths);
  if (now === undefined) {
    throw new CliError(CliErrorCodes.SystemdReload, `'systemctl reload ${unit}' succeeded but no service answers now; see 'systemctl status ${unit}'.`);
  }
  return { pid: now.pid, previousPid };
}

/**
 * Starts a daemon with `configFile` that takes the sockets over from the running one (the
 * service's takeover.ts; docs/operations.md), waits until it answers and the old one has exited;
 * with none running, starts one. A daemon systemd runs is reloaded through systemd instead (it
 * reads the file its unit names). The caller has checked the configuration.
 */
export async function restartSeamlessly(
  paths: InstancePaths,
  configFile: string | undefined,
  timeoutMs: number,
): Promise<{ pid: number; previousPid: number | undefined }> {
  const running = await runningConfigFile(paths);
  if (running.systemdUnit !== undefined && running.runningPid !== undefined) {
    return reloadThroughSystemd(paths, running.systemdUnit, running.runningPid, timeoutMs);
  }
  const command = defaultStartCommand();
  if (configFile !== undefined) command.push('--config', configFile);
  if (running.runningPid !== undefined) command.push('--takeover');
  const pid = await startDetached(paths, command, { timeoutMs, replacing: running.runningPid !== undefined });
  if (running.runningPid !== undefined) await waitUntilExited(running.runningPid, timeoutMs);
  return { pid, previousPid: running.runningPid };
}
