import type { RegistrationStatus } from '@portshare/control';
import { PortshareCommand } from '../base-command.js';
import { request } from '../daemon-client.js';
import { registrationsTable } from '../registrations.js';

export interface RoutesResult {
  registrations: RegistrationStatus[];
}

export class RoutesCommand extends PortshareCommand<typeof RoutesCommand> {
  static override summary = 'List the registered URIs (the routing table) and the workers behind them.';
  static override description =
    'A via is routed to the registration with the longest matching path, looking up StrongWildcard (+) ' +
    'registrations first, then Exact, then WeakWildcard (*), as SMSvcHost does.';
  static override examples = [
    { description: 'Show the routing table.', command: '<%= config.bin %> routes' },
    { description: 'List the registered URIs only.', command: "<%= config.bin %> routes --json | jq -r '.registrations[].uri'" },
  ];

  async run(): Promise<RoutesResult> {
    const { registrations } = await request(this.paths, { op: 'status' });
    this.log(registrationsTable(registrations));
    return { registrations };
  }
}
