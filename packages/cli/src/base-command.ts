import { Command, Errors, Flags, type Interfaces } from '@oclif/core';
import { resolveInstance, type InstancePaths, type InstanceScope } from '@portshare/control';
import { presentError } from './present-error.js';

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof PortshareCommand)['baseFlags'] & T['flags']>;
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/**
 * What every portshare command shares: the instance (--home / PORTSHARE_HOME), machine output
 * (--json), and one mapping from errors to messages and exit codes (the service's ExitCode).
 * Commands stay thin: parse, call the control or service API, print.
 */
export abstract class PortshareCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    home: Flags.string({
      description:
        'Instance folder holding config, state, sockets and logs. Default: the system instance (/etc, /run and /var/lib/portshare) ' +
        "for root, and for other accounts when one is installed or running; else the account's own (XDG folders).",
      env: 'PORTSHARE_HOME',
      helpGroup: 'GLOBAL',
    }),
    system: Flags.boolean({
      description: 'The system instance (/etc, /run and /var/lib/portshare), whoever runs the command.',
      exclusive: ['user', 'home'],
      helpGroup: 'GLOBAL',
    }),
    user: Flags.boolean({
      description: "This account's own instance (XDG folders), even when a system instance exists.",
      exclusive: ['system', 'home'],
      helpGroup: 'GLOBAL',
    }),
  };

  protected flags!: CommandFlags<T>;
  protected args!: CommandArgs<T>;
  #paths: InstancePaths | undefined;

  override async init(): Promise<void> {
    await super.init();
    const { args, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: this.ctor.baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as CommandFlags<T>;
    this.args = args as CommandArgs<T>;
  }

  /** The instance's paths (throws CONTROL_ERR_SOCKET_PATH_TOO_LONG for an unusable --home). */
  protected get paths(): InstancePaths {
    this.#paths ??= resolveInstance({ home: this.flags.home, scope: this.#scope() });
    return this.#paths;
  }

  /** Machine output is plain JSON, never colored, whatever the terminal supports. */
  protected override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }

  /** Sets the exit code without throwing, so --json still prints the result. */
  protected setExitCode(code: number): void {
    process.exitCode = code;
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err;
    const shown = presentError(err, this.#pathsIfResolvable());
    if (shown) {
      process.exitCode = shown.exitCode;
      if (this.jsonEnabled()) {
        this.logJson({ error: shown });
        return undefined;
      }
      // A CLIError prints as "Error: <message>" and "Code: <code>", with no stack trace.
      throw new Errors.CLIError(shown.message, { exit: shown.exitCode, code: shown.code });
    }
    if (this.jsonEnabled()) {
      // Usage errors carry oclif's exit code (2); anything else is a failure (1).
      const exitCode = (err as { oclif?: { exit?: number } }).oclif?.exit ?? 1;
      process.exitCode = exitCode;
      const code = (err as { code?: unknown }).code;
      this.logJson({ error: { code: typeof code === 'string' ? code : undefined, message: err.message, exitCode } });
      return undefined;
    }
    return super.catch(err);
  }

  #scope(): InstanceScope | undefined {
    if (this.flags?.system) return 'system';
    if (this.flags?.user) return 'user';
    return undefined;
  }

  #pathsIfResolvable(): InstancePaths | undefined {
    try {
      return this.#paths ?? resolveInstance({ home: this.flags?.home, scope: this.#scope() });
    } catch {
      return undefined;
    }
  }
}
