import { ExitCode } from '@portshare/service';
import { PortshareCommand } from '../base-command.js';
import { runDoctor, type CheckResult } from '../doctor.js';
import { renderTable } from '../table.js';

export interface DoctorResult {
  /** False when any check failed. */
  ok: boolean;
  checks: CheckResult[];
}

export class DoctorCommand extends PortshareCommand<typeof DoctorCommand> {
  static override summary = 'Check the installation and the instance, and say what to fix.';
  static override description =
    'Checks that the hand-off addon loads (else connections are proxied), that the control socket path fits a Unix ' +
    'socket address, that the run directory has safe permissions, whether port sharing is enabled and its start ' +
    'command still exists, whether the configuration is valid and whether the service runs. Each check is ok, ' +
    'warn or fail; the exit code is 1 when any check fails.';
  static override examples = [
    { description: 'Check everything.', command: '<%= config.bin %> doctor' },
    { description: 'List only the problems.', command: "<%= config.bin %> doctor --json | jq '.checks[] | select(.status != \"ok\")'" },
  ];

  async run(): Promise<DoctorResult> {
    const checks = await runDoctor(this.flags.home);
    const ok = checks.every((c) => c.status !== 'fail');
    this.log(
      renderTable(
        [
          { header: 'status', value: (c: CheckResult) => c.status },
          { header: 'check', value: (c) => c.check },
          { header: 'detail', value: (c) => c.detail },
        ],
        checks,
      ),
    );
    if (!ok) this.setExitCode(ExitCode.Failure);
    return { ok, checks };
  }
}
