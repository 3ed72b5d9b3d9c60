import { resolve } from 'node:path';
import { Args } from '@oclif/core';
import { checkConfigOnHost } from '@portshare/service';
import { PortshareCommand } from '../../base-command.js';
import { readConfigView } from '../../config-view.js';
import { runningService } from '../../running-service.js';

export interface ConfigValidateResult {
  file: string;
  valid: true;
  fileExists: boolean;
  /** Settings the file sets; the others keep their defaults. */
  settingsFromFile: number;
}

export class ConfigValidateCommand extends PortshareCommand<typeof ConfigValidateCommand> {
  static override summary = 'Check a configuration file: exit 0 when valid, 78 with the key and the reason when not.';
  static override description =
    "Uses the service's own validation, so a file that passes is a file the service accepts. Unknown keys, keys " +
    'given twice and accounts that do not exist are errors: a misspelt limit must not silently keep its default. ' +
    'It also checks, as the user running it, what the service checks at start: that the log file can be written ' +
    'and that metrics.host is an address of this machine; and that each port the service binds (reservedPorts, ' +
    "static routes' ports, metrics.port) is free, or held by this instance's running service, whose sockets a " +
    "restart takes over. Without FILE, checks the instance's file.";
  static override examples = [
    { description: "Check the instance's configuration file.", command: '<%= config.bin %> config validate' },
    { description: 'Check a file before installing it.', command: '<%= config.bin %> config validate ./portshare.json' },
  ];
  static override args = {
    file: Args.string({ description: "Configuration file to check (default: the instance's)." }),
  };

  async run(): Promise<ConfigValidateResult> {
    const named = this.args.file;
    const file = named === undefined ? this.paths.configFile : resolve(named);
    const view = readConfigView(file, { mustExist: named !== undefined });
    // What the daemon checks at start beyond the file itself (the log file, the metrics address),
    // and that the ports it would bind are free now, or this instance's daemon's.
    const running = await runningService(this.paths);
    await checkConfigOnHost(view.config, { source: file, defaultLogFile: this.paths.logFile, ports: { running } });
    const settingsFromFile = view.entries.filter((e) => e.source === 'file').length;
    this.log(
      view.fileExists
        ? `${file} is valid (${settingsFromFile} setting${settingsFromFile === 1 ? '' : 's'} from the file, the rest default).`
        : `${file} does not exist: the defaults apply, which is valid.`,
    );
    return { file, valid: true, fileExists: view.fileExists, settingsFromFile };
  }
}
