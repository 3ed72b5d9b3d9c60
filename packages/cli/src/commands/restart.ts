import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { startDetached } from '@portshare/control';
import { PortshareCommand } from '../base-command.js';
import { stopDaemon } from '../daemon-client.js';
import { CliLimits, timeoutFlag } from '../limits.js';
import { defaultStartCommand } from '../service-binary.js';
import { checkStartable, logDestination } from '../start-checks.js';

export interface RestartResult {
  state: 'running';
  pid: number;
  /** pid of the service that was stopped, or null when none was running. */
  previousPid: number | null;
  log: string;
}

export class RestartCommand extends PortshareCommand<typeof RestartCommand> {
  static override summary = 'Stop the service if it runs, then start it in the background.';
  static override description =
    'Configuration changes take effect on restart. The configuration is validated first and the start mode ' +
    'checked, so an invalid file (exit 78) or a disabled instance (exit 4) leaves the running service alone.';
  static override examples = [
    { description: 'Apply an edited configuration.', command: '<%= config.bin %> config validate && <%= config.bin %> restart' },
    { description: 'Restart with another configuration file.', command: '<%= config.bin %> restart --config ./portshare.json' },
  ];
  static override flags = {
    config: Flags.string({ char: 'c', description: "Configuration file to use instead of the instance's." }),
    timeout: timeoutFlag('How long to wait for the service to stop, and then to start', CliLimits.stopTimeoutMs),
  };

  async run(): Promise<RestartResult> {
    const paths = this.paths;
    const configFile = this.flags.config === undefined ? undefined : resolve(this.flags.config);
    const config = await checkStartable(paths, configFile ?? paths.configFile, { allowRunning: true });
    const previous = await stopDaemon(paths, this.flags.timeout);
    const command = defaultStartCommand();
    if (configFile !== undefined) command.push('--config', configFile);
    const pid = await startDetached(paths, command, { timeoutMs: this.flags.timeout });
    const log = logDestination(paths, config);
    this.log(
      previous === undefined
        ? `portshare service was not running; started it (pid ${pid}).`
        : `portshare service restarted (pid ${previous} -> ${pid}).`,
    );
    return { state: 'running', pid, previousPid: previous ?? null, log };
  }
}
