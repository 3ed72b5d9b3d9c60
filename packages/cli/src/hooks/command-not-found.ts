import { Errors, type Hook, toConfiguredId } from '@oclif/core';
import { distance } from 'fastest-levenshtein';
import { CliErrorCodes, cliErrorExitCodes } from '../errors.js';

/**
 * An unknown command is a usage error (exit 2, as an unknown flag is), with the nearest command
 * named when one is close enough to be a typo: at most a third of the word's letters differ.
 * Never a prompt: the CLI runs in scripts and units as often as at a terminal.
 */
const hook: Hook<'command_not_found'> = async function (options) {
  const typed = options.id;
  const visible = options.config.commands.filter((c) => !c.hidden);
  const ids = [...visible.map((c) => c.id), ...visible.flatMap((c) => c.aliases)];
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const id of ids) {
    const d = distance(typed, id);
    if (d < bestDistance) {
      best = id;
      bestDistance = d;
    }
  }
  const shown = toConfiguredId(typed, options.config);
  const hint =
    best !== undefined && bestDistance <= Math.max(1, Math.floor(typed.length / 3))
      ? ` Did you mean '${options.config.bin} ${toConfiguredId(best, options.config)}'?`
      : '';
  throw new Errors.CLIError(`'${shown}' is not a ${options.config.bin} command.${hint} Run '${options.config.bin} help' for the list.`, {
    exit: cliErrorExitCodes[CliErrorCodes.UnknownCommand],
    code: CliErrorCodes.UnknownCommand,
  });
};

export default hook;
