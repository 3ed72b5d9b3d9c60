import { PortshareCommand } from '../../base-command.js';
import { formatSetting, readConfigView, type ConfigEntry } from '../../config-view.js';
import { renderTable } from '../../table.js';

export interface ConfigResult {
  file: string;
  fileExists: boolean;
  /** Every setting with its effective value (null when unset) and whether the file or the default set it. */
  settings: { key: string; value: unknown; source: ConfigEntry['source'] }[];
}

export class ConfigCommand extends PortshareCommand<typeof ConfigCommand> {
  static override summary = 'Show the effective configuration: the defaults merged with the configuration file.';
  static override description =
    "The SOURCE column says whether a value comes from the file or is the default. The file is JSON; its keys are SMSvcHost.exe.config's " +
    '<net.tcp> settings (listenBacklog, maxPendingAccepts, maxPendingConnections, receiveTimeout as receiveTimeoutMs) ' +
    'plus the allow list and the limits of this service. Changes take effect when the service restarts. ' +
    "Related: 'portshare config validate [FILE]' checks a file, 'portshare config path' prints where it is.";
  static override examples = [
    { description: 'Show every setting and where it comes from.', command: '<%= config.bin %> config' },
    { description: 'Only the settings the file changes.', command: "<%= config.bin %> config --json | jq '.settings[] | select(.source == \"file\")'" },
  ];

  async run(): Promise<ConfigResult> {
    const view = readConfigView(this.paths.configFile);
    this.log(`Configuration file: ${view.file}${view.fileExists ? '' : ' (not found: the defaults apply)'}`);
    this.log("Changes take effect when the service restarts ('portshare restart').\n");
    this.log(
      renderTable(
        [
          { header: 'setting', value: (e: ConfigEntry) => e.key },
          { header: 'value', value: (e) => formatSetting(e.value) },
          { header: 'source', value: (e) => e.source },
        ],
        view.entries,
      ),
    );
    return {
      file: view.file,
      fileExists: view.fileExists,
      settings: view.entries.map((e) => ({ key: e.key, value: e.value ?? null, source: e.source })),
    };
  }
}
