import type { InstancePaths } from '@portshare/control';
import { PortshareCommand } from '../../base-command.js';

export type ConfigPathResult = Omit<InstancePaths, 'home'> & { home: string | null };

export class ConfigPathCommand extends PortshareCommand<typeof ConfigPathCommand> {
  static override summary = "Print the configuration file's path (--json: every path of the instance).";
  static override description =
    'As root the instance lives in /etc/portshare, /run/portshare, /var/lib/portshare and /var/log/portshare; as ' +
    'another user in the XDG folders; with --home or PORTSHARE_HOME everything is in that one folder.';
  static override examples = [
    { description: 'Edit the configuration.', command: '"$EDITOR" "$(<%= config.bin %> config path)"' },
    { description: 'Every path of a private instance.', command: '<%= config.bin %> config path --home /srv/portshare --json' },
  ];

  async run(): Promise<ConfigPathResult> {
    const paths = this.paths;
    this.log(paths.configFile);
    return { ...paths, home: paths.home ?? null };
  }
}
