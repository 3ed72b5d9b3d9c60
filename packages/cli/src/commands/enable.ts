import { writeState } from '@portshare/control';
import { PortshareCommand } from '../base-command.js';
import { probeQuietly } from '../probe-quietly.js';
import { defaultStartCommand } from '../service-binary.js';

export interface EnableResult {
  startMode: 'demand';
  command: string[];
  stateFile: string;
  /** pid of a daemon already running, else null. */
  runningPid: number | null;
}

export class EnableCommand extends PortshareCommand<typeof EnableCommand> {
  static override summary = 'Enable port sharing: set the start mode to "demand".';
  static override description =
    'Port sharing is disabled until an administrator enables it, as a security precaution (the counterpart of ' +
    "'sc.exe config NetTcpPortSharing start= demand'). Enabling records how to start the service, so a worker that " +
    "registers a URI starts it on demand. It does not start the service now: use 'portshare start --detach' for that.";
  static override examples = [
    { description: 'Enable the system instance (as root).', command: '<%= config.bin %> enable' },
    { description: 'Enable a private instance kept in one folder.', command: '<%= config.bin %> enable --home /srv/portshare' },
  ];

  async run(): Promise<EnableResult> {
    const command = defaultStartCommand();
    writeState(this.paths, { startMode: 'demand', command });
    const running = await probeQuietly(this.paths);
    this.log('Port sharing is enabled (start mode: demand). Workers start the service on demand.');
    this.log(running ? `The service is running (pid ${running.pid}).` : "Start it now with 'portshare start --detach'.");
    return { startMode: 'demand', command, stateFile: this.paths.stateFile, runningPid: running?.pid ?? null };
  }
}
