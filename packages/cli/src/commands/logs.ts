import { existsSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { loadConfig } from '@portshare/service';
import { PortshareCommand } from '../base-command.js';
import { CliError, CliErrorCodes } from '../errors.js';
import { CliLimits } from '../limits.js';
import { followFile, formatLogLine, parseLogLine, readLastLines } from '../log-file.js';

export interface LogsResult {
  file: string;
  /** The service's structured records, oldest first; a line that is not JSON is { text }. */
  lines: Record<string, unknown>[];
}

export class LogsCommand extends PortshareCommand<typeof LogsCommand> {
  static override summary = "Show the service's log (the last lines, or --follow new ones as they come).";
  static override description =
    'The service logs one JSON object per line; this command shows them as "time LEVEL message key=value". ' +
    "With --json: { file, lines } (or, with --follow, one JSON object per line). The log file is log.file in the " +
    "configuration, else the instance's log folder.";
  static override examples = [
    { description: 'The last 50 lines.', command: '<%= config.bin %> logs' },
    { description: 'The last 200 lines, then new ones until Ctrl+C.', command: '<%= config.bin %> logs --lines 200 --follow' },
    { description: 'Warnings and errors only, as data.', command: "<%= config.bin %> logs --json | jq '.lines[] | select(.level >= 40)'" },
  ];
  static override flags = {
    lines: Flags.integer({
      char: 'n',
      description: `Number of lines to show (0..${CliLimits.maxLogLines}).`,
      default: CliLimits.logLines,
      min: 0,
      max: CliLimits.maxLogLines,
    }),
    follow: Flags.boolean({ char: 'f', description: 'Keep printing lines as the service writes them, until Ctrl+C.' }),
  };

  async run(): Promise<LogsResult | undefined> {
    const paths = this.paths;
    let file = paths.logFile;
    try {
      file = loadConfig(paths.configFile).log.file ?? paths.logFile;
    } catch {
      // An invalid configuration is `config validate`'s business; the service would not have
      // started with it, so its last log is in the default place.
    }
    if (file === '-') {
      throw new CliError(
        CliErrorCodes.LogNotInFile,
        `The service logs to its standard error (log.file is '-' in ${paths.configFile}). ` +
          'Read it where that goes (your service manager\'s journal), or set log.file to a path.',
      );
    }
    const json = this.jsonEnabled();
    let tail: { lines: string[]; end: number } = { lines: [], end: 0 };
    if (existsSync(file)) tail = readLastLines(file, this.flags.lines);
    else if (!json) this.log(`No log yet at ${file}: the service creates it when it starts.`);
    if (!this.flags.follow) {
      for (const line of tail.lines) this.log(formatLogLine(line));
      return { file, lines: tail.lines.map(parseLogLine) };
    }
    // Following: JSON output is one object per line, since there is no end to wrap an array around.
    const print = (line: string): void => {
      if (json) process.stdout.write(`${JSON.stringify(parseLogLine(line))}\n`);
      else this.log(formatLogLine(line));
    };
    for (const line of tail.lines) print(line);
    const done = new AbortController();
    const stop = (): void => done.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await followFile(file, tail.end, print, done.signal);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    return undefined;
  }
}
