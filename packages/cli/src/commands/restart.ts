import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { PortshareCommand } from '../base-command.js';
import { CliLimits, timeoutFlag } from '../limits.js';
import { CliError, CliErrorCodes } from '../errors.js';
import { restartSeamlessly, runningConfigFile } from '../seamless-restart.js';
import { checkStartable, logDestination } from '../start-checks.js';

export interface RestartResult {
  state: 'running';
  pid: number;
  /** pid of the service that was replaced, or null when none was running. */
  previousPid: number | null;
  log: string;
}

/**
 * Restart and reload: a new daemon takes the running one's listening sockets over (the service
 * package's takeover.ts), so the ports never close. The new daemon reads the configuration; if it
 * cannot start, the running one serves on and the error says why.
 */
export class RestartCommand extends PortshareCommand<typeof RestartCommand> {
  static override summary = 'Start a new service that takes over from the running one, without closing the ports.';
  static override description =
    'The new service reads the configuration, takes the listening sockets over from the running one and waits for ' +
    'the workers to register with it (takeoverTimeoutMs) before it accepts; the old one finishes the connections it ' +
    'is reading, then exits. No client is refused meanwhile. The configuration is validated first and the start mode ' +
    'checked, and a new service that cannot start leaves the running one serving: an invalid file (exit 78), a ' +
    'disabled instance (exit 4) or a missing account changes nothing. Without --config the running service\'s ' +
    'configuration file is read again. With no service running, this starts one. A service that systemd runs is ' +
    'reloaded through systemd (systemctl reload UNIT), which runs the same takeover inside the unit.';
  static override aliases = ['reload'];
  static override examples = [
    { description: 'Apply an edited configuration.', command: '<%= config.bin %> config validate && <%= config.bin %> restart' },
    { description: 'Restart with another configuration file.', command: '<%= config.bin %> restart --config ./portshare.json' },
    { description: "systemd's ExecReload= runs the same.", command: '<%= config.bin %> reload' },
  ];
  static override flags = {
    config: Flags.string({ char: 'c', description: "Configuration file to use instead of the running service's (or the instance's)." }),
    timeout: timeoutFlag('How long to wait for the new service to take over', CliLimits.stopTimeoutMs),
  };

  async run(): Promise<RestartResult> {
    const paths = this.paths;
    const running = await runningConfigFile(paths);
    if (running.systemdUnit !== undefined && this.flags.config !== undefined) {
      throw new CliError(
        CliErrorCodes.SystemdReload,
        `The service runs under systemd (${running.systemdUnit}), which starts it with ${running.file}: edit that file and run ` +
          `'portshare restart' without --config (or 'systemctl reload ${running.systemdUnit}').`,
      );
    }
    const configFile = this.flags.config === undefined ? running.file : resolve(this.flags.config);
    // Checked before anything is asked of systemd: a file that cannot start changes nothing.
    const config = await checkStartable(paths, configFile, { allowRunning: true });
    const { pid, previousPid } = await restartSeamlessly(paths, configFile, this.flags.timeout);
    const log = logDestination(paths, config);
    this.log(
      previousPid === undefined
        ? `portshare service was not running; started it (pid ${pid}).`
        : `portshare service restarted without closing its ports (pid ${previousPid} -> ${pid}).`,
    );
    return { state: 'running', pid, previousPid: previousPid ?? null, log };
  }
}
