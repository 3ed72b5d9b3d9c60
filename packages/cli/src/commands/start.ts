import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { startDetached } from '@portshare/control';
import { runDaemon } from '@portshare/service';
import { PortshareCommand } from '../base-command.js';
import { CliLimits, timeoutFlag } from '../limits.js';
import { defaultStartCommand } from '../service-binary.js';
import { checkStartable, logDestination } from '../start-checks.js';

export interface StartResult {
  state: 'running';
  pid: number;
  controlSocket: string;
  log: string;
}

export class StartCommand extends PortshareCommand<typeof StartCommand> {
  static override summary = 'Start the sharing service (in the foreground, or in the background with --detach).';
  static override description =
    'Without --detach the service runs in this process until Ctrl+C, SIGTERM or \'portshare stop\'. With --detach it ' +
    'runs in the background and the command returns once it answers on the control socket. Refused while port ' +
    "sharing is disabled (exit 4: run 'portshare enable'), when the configuration is invalid (exit 78) and when a " +
    'service already runs for this instance (exit 6).';
  static override examples = [
    { description: 'Start in the background and print its pid.', command: '<%= config.bin %> start --detach' },
    { description: 'Run in the foreground (for a terminal or a service manager).', command: '<%= config.bin %> start' },
    { description: 'Use another configuration file.', command: '<%= config.bin %> start --detach --config ./portshare.json' },
  ];
  static override flags = {
    detach: Flags.boolean({ char: 'd', description: 'Run in the background and return once the service answers.' }),
    config: Flags.string({ char: 'c', description: "Configuration file to use instead of the instance's." }),
    timeout: timeoutFlag('With --detach: how long to wait for the service to answer', CliLimits.startTimeoutMs),
  };

  async run(): Promise<StartResult | undefined> {
    const paths = this.paths;
    const configFile = this.flags.config === undefined ? undefined : resolve(this.flags.config);
    if (this.flags.detach) {
      const config = await checkStartable(paths, configFile ?? paths.configFile, { allowRunning: false });
      const command = defaultStartCommand();
      if (configFile !== undefined) command.push('--config', configFile);
      const pid = await startDetached(paths, command, { timeoutMs: this.flags.timeout });
      const log = logDestination(paths, config);
      this.log(`portshare service started (pid ${pid}). Log: ${log}`);
      return { state: 'running', pid, controlSocket: paths.controlSocket, log };
    }
    const daemon = await runDaemon({ paths, configFile });
    const onSignal = (): void => void daemon.stop();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const log = logDestination(paths, daemon.service.config);
    if (this.jsonEnabled()) this.logJson({ state: 'running', pid: process.pid, controlSocket: paths.controlSocket, log });
    else this.log(`portshare service running in the foreground (pid ${process.pid}); Ctrl+C stops it. Log: ${log}`);
    await daemon.stopped;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    this.log('portshare service stopped.');
    return undefined;
  }
}
