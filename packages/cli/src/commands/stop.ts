import { PortshareCommand } from '../base-command.js';
import { stopDaemon } from '../daemon-client.js';
import { CliLimits, timeoutFlag } from '../limits.js';

export interface StopResult {
  state: 'stopped';
  wasRunning: boolean;
  /** pid the service had, or null when none was running. */
  pid: number | null;
}

export class StopCommand extends PortshareCommand<typeof StopCommand> {
  static override summary = 'Stop the sharing service and wait until it has stopped.';
  static override description =
    'Connections already handed off to workers are not affected: they belong to the workers. Registered workers ' +
    'see the service go and re-register when it comes back. Stopping a service that is not running succeeds.';
  static override examples = [
    { description: 'Stop the service.', command: '<%= config.bin %> stop' },
    { description: 'Give it a minute to finish stopping.', command: '<%= config.bin %> stop --timeout 60000' },
  ];
  static override flags = {
    timeout: timeoutFlag('How long to wait for the service to stop', CliLimits.stopTimeoutMs),
  };

  async run(): Promise<StopResult> {
    const pid = await stopDaemon(this.paths, this.flags.timeout);
    this.log(pid === undefined ? 'The portshare service was not running.' : `portshare service stopped (was pid ${pid}).`);
    return { state: 'stopped', wasRunning: pid !== undefined, pid: pid ?? null };
  }
}
