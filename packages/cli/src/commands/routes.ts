import type { RegistrationStatus, StaticRouteStatus } from '@portshare/control';
import { PortshareCommand } from '../base-command.js';
import { request } from '../daemon-client.js';
import { registrationsTable, staticRoutesTable } from '../registrations.js';

export interface RoutesResult {
  registrations: RegistrationStatus[];
  /** Static routes (config `routes`; `portshare routes add`). */
  staticRoutes: StaticRouteStatus[];
}

export class RoutesCommand extends PortshareCommand<typeof RoutesCommand> {
  static override summary = 'List the registered URIs (the routing table), the workers behind them, and the static routes.';
  static override description =
    'A via is routed to the registration with the longest matching path, looking up StrongWildcard (+) ' +
    'registrations first, then Exact, then WeakWildcard (*), as SMSvcHost does.';
  static override examples = [
    { description: 'Show the routing table.', command: '<%= config.bin %> routes' },
    { description: 'List the registered URIs only.', command: "<%= config.bin %> routes --json | jq -r '.registrations[].uri'" },
  ];

  async run(): Promise<RoutesResult> {
    const { registrations, routes } = await request(this.paths, { op: 'status' });
    this.log(registrationsTable(registrations));
    const table = staticRoutesTable(routes);
    if (table !== '') this.log(`\n${table}`);
    return { registrations, staticRoutes: routes ?? [] };
  }
}
