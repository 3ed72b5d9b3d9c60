import {
  ControlError,
  ControlErrorCodes,
  readState,
  type Counters,
  type RegistrationStatus,
  type StartMode,
  type StatusReply,
} from '@portshare/control';
import { ExitCode } from '@portshare/service';
import { PortshareCommand } from '../base-command.js';
import { counterRows } from '../counters.js';
import { request } from '../daemon-client.js';
import { registrationsTable, staticRoutesTable } from '../registrations.js';
import { formatUptime, renderTable } from '../table.js';

export interface StatusResult {
  startMode: StartMode;
  enabled: boolean;
  state: 'running' | 'paused' | 'stopped';
  controlSocket: string;
  pid?: number;
  /** The systemd unit the service runs in, when systemd started it. */
  systemdUnit?: string;
  startedAt?: string;
  uptimeSeconds?: number;
  handoff?: StatusReply['handoff'];
  pendingConnections?: number;
  listeners?: StatusReply['listeners'];
  registrations?: RegistrationStatus[];
  counters?: Counters;
  /** The same counters under SMSvcHost's performance-counter names. */
  smsvchostCounters?: Record<string, number>;
}

export class StatusCommand extends PortshareCommand<typeof StatusCommand> {
  static override summary = 'Show whether the service is enabled and running, its listeners, registrations and counters.';
  static override description =
    'Exit code 0 when the service runs (or is paused), 3 when it is stopped. The counters are SMSvcHost\'s ' +
    'performance counters for net.tcp, shown under both names.';
  static override examples = [
    { description: 'Human-readable status.', command: '<%= config.bin %> status' },
    { description: 'Machine-readable status.', command: '<%= config.bin %> status --json' },
    { description: 'Use the exit code in a script.', command: '<%= config.bin %> status >/dev/null || <%= config.bin %> start --detach' },
  ];

  async run(): Promise<StatusResult> {
    const paths = this.paths;
    const { startMode } = readState(paths);
    const enabled = startMode !== 'disabled';
    const mode = enabled ? `enabled (start mode: ${startMode})` : "disabled (enable it with 'portshare enable')";
    let status: StatusReply;
    try {
      status = await request(paths, { op: 'status' });
    } catch (err) {
      if (!(err instanceof ControlError && err.code === ControlErrorCodes.NotRunning)) throw err;
      this.setExitCode(ExitCode.NotRunning);
      this.log(`portshare service: stopped, ${mode}`);
      if (enabled) this.log("Start it with 'portshare start --detach'; workers also start it on demand.");
      return { startMode, enabled, state: 'stopped', controlSocket: paths.controlSocket };
    }
    const rows = counterRows(status.counters);
    this.log(`portshare service: ${status.state} (pid ${status.pid}, up ${formatUptime(status.uptimeSeconds)}), ${mode}`);
    this.log(`Hand-off: ${status.handoff === 'fd' ? 'fd (socket passed to the worker)' : 'proxy (bytes relayed by the service)'}`);
    this.log(`Control socket: ${paths.controlSocket}`);
    if (status.systemdUnit !== undefined) this.log(`Run by systemd: ${status.systemdUnit} (restart and reload go through systemctl)`);
    this.log(`Connections being read: ${status.pendingConnections}`);
    this.log('\nListeners');
    this.log(
      status.listeners.length === 0
        ? 'None: a port is opened when the first worker registers a URI on it.'
        : renderTable(
            [
              { header: 'address', value: (l: StatusReply['listeners'][number]) => l.address },
              { header: 'port', value: (l) => l.port, right: true },
              { header: 'accepted', value: (l) => l.connections, right: true },
            ],
            status.listeners,
          ),
    );
    this.log('\nRegistrations');
    this.log(registrationsTable(status.registrations));
    const routes = staticRoutesTable(status.routes);
    if (routes !== '') this.log(`\n${routes}`);
    this.log('\nCounters');
    this.log(
      renderTable(
        [
          { header: 'counter', value: (r: (typeof rows)[number]) => r.name },
          { header: 'smsvchost counter', value: (r) => r.smsvchostName },
          { header: 'value', value: (r) => r.value, right: true },
        ],
        rows,
      ),
    );
    return {
      startMode,
      enabled,
      state: status.state,
      controlSocket: paths.controlSocket,
      pid: status.pid,
      ...(status.systemdUnit === undefined ? {} : { systemdUnit: status.systemdUnit }),
      startedAt: status.startedAt,
      uptimeSeconds: status.uptimeSeconds,
      handoff: status.handoff,
      pendingConnections: status.pendingConnections,
      listeners: status.listeners,
      registrations: status.registrations,
      counters: status.counters,
      smsvchostCounters: Object.fromEntries(rows.map((r) => [r.smsvchostName, r.value])),
    };
  }
}
