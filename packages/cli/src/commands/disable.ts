import { readState, writeState } from '@portshare/control';
import { PortshareCommand } from '../base-command.js';
import { probeQuietly } from '../probe-quietly.js';

export interface DisableResult {
  startMode: 'disabled';
  stateFile: string;
  /** pid of a daemon that keeps running, else null. */
  runningPid: number | null;
}

export class DisableCommand extends PortshareCommand<typeof DisableCommand> {
  static override summary = 'Disable port sharing: refuse starts, including on-demand starts by workers.';
  static override description =
    'Sets the start mode to "disabled". Later starts are refused (exit 4) and workers get the "disabled" error. ' +
    "A service that is already running keeps running: stop it with 'portshare stop'.";
  static override examples = [
    { description: 'Disable port sharing.', command: '<%= config.bin %> disable' },
    { description: 'Disable it and stop the running service.', command: '<%= config.bin %> disable && <%= config.bin %> stop' },
  ];

  async run(): Promise<DisableResult> {
    const previous = readState(this.paths);
    // Keep the recorded start command, as the service manager keeps a disabled service's image path.
    writeState(this.paths, { startMode: 'disabled', command: previous.command });
    const running = await probeQuietly(this.paths);
    this.log('Port sharing is disabled: starts are refused.');
    if (running) this.log(`The running service (pid ${running.pid}) keeps running; stop it with 'portshare stop'.`);
    return { startMode: 'disabled', stateFile: this.paths.stateFile, runningPid: running?.pid ?? null };
  }
}
