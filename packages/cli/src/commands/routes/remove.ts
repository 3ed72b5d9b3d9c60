import { Args, Errors, Flags } from '@oclif/core';
import type { StaticRoute } from '@portshare/service';
import { PortshareCommand } from '../../base-command.js';
import { CliLimits, timeoutFlag } from '../../limits.js';
import { editRoutes, sameRoute } from '../../route-edit.js';
import { restartSeamlessly, runningConfigFile } from '../../seamless-restart.js';
import type { RoutesChangeResult } from './add.js';

export class RoutesRemoveCommand extends PortshareCommand<typeof RoutesRemoveCommand> {
  static override summary = "Remove a static route 'portshare routes add' (or the file) made.";
  static override description =
    "Removes the route from the configuration file, then, when the service runs, restarts it without closing its ports. " +
    'Connections already relayed to the server go on until either side closes them.';
  static override examples = [{ description: 'Stop routing a URI.', command: '<%= config.bin %> routes remove net.tcp://+:808/legacy/' }];
  static override args = {
    uri: Args.string({ description: 'The routed base URI.', required: true }),
  };
  static override flags = {
    mode: Flags.string({ description: 'The route\'s host comparison mode.', options: ['StrongWildcard', 'Exact', 'WeakWildcard'], default: 'StrongWildcard' }),
    timeout: timeoutFlag('How long to wait for the restarted service', CliLimits.stopTimeoutMs),
  };

  async run(): Promise<RoutesChangeResult> {
    const { file, runningPid } = await runningConfigFile(this.paths);
    const mode = this.flags.mode as StaticRoute['hostNameComparisonMode'];
    const routes = await editRoutes(this.paths, file, (list) => {
      const kept = list.filter((r) => !sameRoute(r, this.args.uri, mode));
      if (kept.length === list.length) throw new Errors.CLIError(`${this.args.uri} (${mode}) is not routed in ${file}.`, { exit: 2 });
      return kept;
    });
    const pid = runningPid === undefined ? null : (await restartSeamlessly(this.paths, file, this.flags.timeout)).pid;
    this.log(`Removed the route for ${this.args.uri} from ${file}${pid === null ? '.' : `; the service (pid ${pid}) no longer serves it.`}`);
    return { file, routes, pid };
  }
}
