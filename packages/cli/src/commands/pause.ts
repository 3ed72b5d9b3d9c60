import { PortshareCommand } from '../base-command.js';
import { request } from '../daemon-client.js';

export interface PauseResult {
  state: 'paused';
}

export class PauseCommand extends PortshareCommand<typeof PauseCommand> {
  static override summary = 'Pause dispatching: new connections get the EndpointUnavailable fault.';
  static override description =
    'While paused the service keeps its listeners and registrations, and answers each new connection with ' +
    "the [MC-NMF] EndpointUnavailable fault. Connections already handed off are not affected. Needs root or the service's user.";
  static override examples = [
    { description: 'Pause during maintenance, then resume.', command: '<%= config.bin %> pause && <%= config.bin %> resume' },
  ];

  async run(): Promise<PauseResult> {
    await request(this.paths, { op: 'pause' });
    this.log("Paused: new connections get EndpointUnavailable. Resume with 'portshare resume'.");
    return { state: 'paused' };
  }
}
