import { Errors, Flags } from '@oclif/core';
import { PortshareCommand } from '../base-command.js';
import { CliError, CliErrorCodes } from '../errors.js';
import { defaultStartCommand } from '../service-binary.js';
import { CONTROL_SOCKET_UNIT, SERVICE_UNIT, SOCKET_UNIT, listenStream, renderUnits, unitFolder } from '../systemd-units.js';
import { systemctl, systemdRuns, writeUnits } from '../unit-files.js';

export interface InstallServiceResult {
  folder: string;
  units: string[];
  execStart: string[];
  listen: string[];
  /** Whether `systemctl daemon-reload` ran (systemd runs this machine and --root is /). */
  reloaded: boolean;
}

export class InstallServiceCommand extends PortshareCommand<typeof InstallServiceCommand> {
  static override summary = 'Install the systemd units: portshare.service and portshare.socket.';
  static override description =
    'Writes portshare.service (Type=notify, Restart=on-failure, hardened) and portshare.socket (one ListenStream= per ' +
    '--listen) to /etc/systemd/system, with ExecStart= running this installation\'s service (this Node binary and ' +
    "@portshare/service's main module). systemd then opens the shared ports and passes them to the service " +
    '(socket activation), so they stay open while it restarts. It runs the system instance (/etc, /run, /var/lib, ' +
    "/var/log/portshare). Enable it with 'portshare enable' and 'systemctl enable --now portshare.socket portshare.service'.";
  static override examples = [
    { description: 'Install the units for port 808 (as root).', command: '<%= config.bin %> install-service' },
    { description: 'Share ports 808 and 8080 on one address.', command: '<%= config.bin %> install-service --listen 808 --listen 192.0.2.10:8080' },
    { description: 'Write them into a staged root (packaging, tests).', command: '<%= config.bin %> install-service --root /tmp/stage --no-reload' },
  ];
  static override flags = {
    listen: Flags.string({
      description: 'A shared port for portshare.socket: a port (808), or address:port (127.0.0.1:808, [::1]:808). Repeat for more.',
      multiple: true,
      default: ['808'],
      parse: async (value) => {
        try {
          return listenStream(value);
        } catch (err) {
          // A usage error, like every other flag oclif refuses (exit 2).
          throw new Errors.CLIError((err as Error).message, { exit: 2 });
        }
      },
    }),
    root: Flags.string({ description: 'Install under this root folder instead of / (units go to <root>/etc/systemd/system).', default: '/' }),
    force: Flags.boolean({ description: 'Replace unit files of the same name that portshare did not write.' }),
    reload: Flags.boolean({ description: "Run 'systemctl daemon-reload' afterwards (when systemd runs this machine).", default: true, allowNo: true }),
  };

  async run(): Promise<InstallServiceResult> {
    if (this.flags.home !== undefined) {
      throw new CliError(
        CliErrorCodes.ServiceUnit,
        `The units run the system instance, not the one in ${this.flags.home}: unset PORTSHARE_HOME (or drop --home) to install them.`,
      );
    }
    const execStart = defaultStartCommand();
    const listen = this.flags.listen;
    const folder = unitFolder(this.flags.root);
    const units = writeUnits(folder, renderUnits({ execStart, listen }), this.flags.force);
    const reloaded = this.flags.reload && systemdRuns(this.flags.root);
    const failed = reloaded ? systemctl(['daemon-reload']) : undefined;
    if (failed !== undefined) this.warn(`systemctl daemon-reload failed: ${failed}`);
    this.log(`Installed ${units.join(', ')}.`);
    this.log(`ExecStart: ${execStart.join(' ')}; shared ports: ${listen.join(', ')}.`);
    this.log(
      "Next: 'portshare enable', then " +
        (reloaded ? '' : "'systemctl daemon-reload' and ") +
        `'systemctl enable --now ${SOCKET_UNIT} ${CONTROL_SOCKET_UNIT} ${SERVICE_UNIT}'.`,
    );
    return { folder, units, execStart, listen, reloaded: reloaded && failed === undefined };
  }
}
