import { ChildProgram, type ChildProgramOptions } from './child-program.js';
import { Tools } from './toolchain.js';

/** Options of {@link startMono}. */
export interface MonoOptions extends ChildProgramOptions {
  /**
   * The time zone of the Mono process (default `Asia/Kolkata`, UTC+05:30 all year). A zone away
   * from UTC makes DateTimeKind.Local values differ from their UTC instant, so a Local DateTime
   * that crosses the wire with the wrong offset is caught.
   */
  readonly timeZone?: string;
}

export const MONO_DEFAULT_TIME_ZONE = 'Asia/Kolkata';

/**
 * Runs a compiled C# program with mono. The culture is en-US (LANG), as on the sample's page, so
 * Console.WriteLine prints numbers as the sample shows them whatever the machine's locale.
 */
export function startMono(exe: string, args: readonly string[], options: MonoOptions = {}): ChildProgram {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, LANG: 'en_US.UTF-8', TZ: options.timeZone ?? MONO_DEFAULT_TIME_ZONE };
  delete env['LC_ALL'];
  return ChildProgram.start(Tools.mono, ['--debug', exe, ...args], { name: exe.split('/').pop() ?? exe, ...options, env });
}
