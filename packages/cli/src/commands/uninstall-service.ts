import { Flags } from '@oclif/core';
import { PortshareCommand } from '../base-command.js';
import { CliError, CliErrorCodes } from '../errors.js';
import { UNIT_NAMES, unitFolder } from '../systemd-units.js';
import { removeUnits, systemctl, systemdRuns } from '../unit-files.js';

export interface UninstallServiceResult {
  folder: string;
  removed: string[];
  /** Whether systemctl stopped and disabled the units and reloaded (systemd runs this machine and --root is /). */
  systemctl: boolean;
}

export class UninstallServiceCommand extends PortshareCommand<typeof UninstallServiceCommand> {
  static override summary = "Remove the systemd units 'portshare install-service' wrote.";
  static override description =
    'Stops and disables portshare.socket and portshare.service (when systemd runs this machine), removes the unit ' +
    "files and the links 'systemctl enable' made to them, and reloads systemd. Unit files portshare did not write " +
    'are left alone unless --force. The configuration, state and logs stay.';
  static override examples = [
    { description: 'Remove the units (as root).', command: '<%= config.bin %> uninstall-service' },
    { description: 'Remove them from a staged root.', command: '<%= config.bin %> uninstall-service --root /tmp/stage --no-reload' },
  ];
  static override flags = {
    root: Flags.string({ description: 'Remove from this root folder instead of / (<root>/etc/systemd/system).', default: '/' }),
    force: Flags.boolean({ description: 'Remove unit files of the same name even if portshare did not write them.' }),
    reload: Flags.boolean({ description: 'Stop and disable the units with systemctl, and reload (when systemd runs this machine).', default: true, allowNo: true }),
  };

  async run(): Promise<UninstallServiceResult> {
    if (this.flags.home !== undefined) {
      throw new CliError(
        CliErrorCodes.ServiceUnit,
        `The units run the system instance, not the one in ${this.flags.home}: unset PORTSHARE_HOME (or drop --home) to remove them.`,
      );
    }
    const folder = unitFolder(this.flags.root);
    const useSystemctl = this.flags.reload && systemdRuns(this.flags.root);
    if (useSystemctl) {
      const failed = systemctl(['disable', '--now', ...UNIT_NAMES]);
      if (failed !== undefined) this.warn(`systemctl disable --now failed: ${failed}`);
    }
    const removed = removeUnits(folder, UNIT_NAMES, this.flags.force);
    if (useSystemctl) {
      const failed = systemctl(['daemon-reload']);
      if (failed !== undefined) this.warn(`systemctl daemon-reload failed: ${failed}`);
    }
    this.log(removed.length > 0 ? `Removed ${removed.join(', ')}.` : `No portshare units in ${folder}.`);
    return { folder, removed, systemctl: useSystemctl };
  }
}
