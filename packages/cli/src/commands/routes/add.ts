import { Args, Errors, Flags } from '@oclif/core';
import type { StaticRoute } from '@portshare/service';
import { PortshareCommand } from '../../base-command.js';
import { CliLimits, timeoutFlag } from '../../limits.js';
import { editRoutes, sameRoute } from '../../route-edit.js';
import { restartSeamlessly, runningConfigFile } from '../../seamless-restart.js';

export interface RoutesChangeResult {
  file: string;
  routes: StaticRoute[];
  /** pid of the service now serving them, or null when none runs (they apply at its next start). */
  pid: number | null;
}

const MODES = ['StrongWildcard', 'Exact', 'WeakWildcard'] as const;

export class RoutesAddCommand extends PortshareCommand<typeof RoutesAddCommand> {
  static override summary = 'Route a URI to a net.tcp server that does not register (an unmodified WCF service).';
  static override description =
    "Adds the route to the configuration file's `routes` (the running service's file, or the instance's), then, when the " +
    'service runs, restarts it without closing its ports so the route applies at once. Connections whose via matches ' +
    'URI (the lookup rules and precedence of registrations) are relayed to HOST:PORT with every byte the client sent, ' +
    'so the server answers the preamble itself. See the service README, "Static routes".';
  static override examples = [
    { description: 'Put a Mono or CoreWCF service on port 808.', command: '<%= config.bin %> routes add net.tcp://+:808/legacy/ --to 127.0.0.1:9000' },
  ];
  static override args = {
    uri: Args.string({ description: 'The base URI routed, e.g. net.tcp://+:808/legacy/', required: true }),
  };
  static override flags = {
    to: Flags.string({ description: 'The server: host:port ([::1]:port for IPv6).', required: true }),
    mode: Flags.string({ description: 'How the via host is compared.', options: [...MODES], default: 'StrongWildcard' }),
    timeout: timeoutFlag('How long to wait for the restarted service', CliLimits.stopTimeoutMs),
  };

  async run(): Promise<RoutesChangeResult> {
    const { file, runningPid } = await runningConfigFile(this.paths);
    const mode = this.flags.mode as StaticRoute['hostNameComparisonMode'];
    const routes = await editRoutes(this.paths, file, (list) => {
      if (list.some((r) => sameRoute(r, this.args.uri, mode))) {
        throw new Errors.CLIError(`${this.args.uri} (${mode}) is routed already; 'portshare routes remove' it first.`, { exit: 2 });
      }
      return [...list, { uri: this.args.uri, to: this.flags.to, hostNameComparisonMode: mode }];
    });
    const pid = runningPid === undefined ? null : (await restartSeamlessly(this.paths, file, this.flags.timeout)).pid;
    this.log(`Routed ${this.args.uri} to ${this.flags.to} in ${file}${pid === null ? ' (the service is not running: it applies at the next start).' : `; the service (pid ${pid}) serves it.`}`);
    return { file, routes, pid };
  }
}
