import { PortshareCommand } from '../base-command.js';
import { request } from '../daemon-client.js';

export interface ResumeResult {
  state: 'running';
}

export class ResumeCommand extends PortshareCommand<typeof ResumeCommand> {
  static override summary = 'Resume dispatching after a pause.';
  static override description = "New connections are routed to their workers again. Needs root or the service's user.";
  static override examples = [{ description: 'Resume a paused service.', command: '<%= config.bin %> resume' }];

  async run(): Promise<ResumeResult> {
    await request(this.paths, { op: 'resume' });
    this.log('Resumed: new connections are dispatched to their workers.');
    return { state: 'running' };
  }
}
