import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { ChildProgram, type ChildProgramOptions } from './child-program.js';
import { InteropError, InteropErrorCodes } from './errors.js';

const sampleDir = dirname(createRequire(import.meta.url).resolve('@portshare/sample-calculator/package.json'));

/** The TypeScript sample's programs (samples/calculator, built to dist/). */
export const CalculatorSample = {
  service: join(sampleDir, 'dist', 'service.js'),
  client: join(sampleDir, 'dist', 'client.js'),
} as const;

/** The sample's service banner: "Service #4381 listening on net.tcp://localhost:9000/calculator/4381." */
export const SERVICE_BANNER = /^Service #(\d+) listening on (net\.tcp:\/\/\S+)\.$/;

/**
 * The client's transcript on the sample's page ("Running the Sample"), for service number `salt`
 * when the typed number is not echoed (standard input is a pipe): the prompt, the four results,
 * the closing prompt.
 */
export const SAMPLE_TRANSCRIPT = [
  'Enter the service number to test: Add(100,15.99) = 115.99',
  'Subtract(145,76.54) = 68.46',
  'Multiply(9,81.25) = 731.25',
  'Divide(22,7) = 3.14285714285714',
  'Press <ENTER> to terminate client.',
] as const;

/** A running calculator service (either implementation) and the number in its address. */
export interface RunningCalculator {
  readonly process: ChildProgram;
  readonly salt: number;
  readonly address: string;
  /** Presses ENTER and waits for the service to exit. */
  stop(): Promise<void>;
}

/** Waits for a calculator service's banner. */
export async function calculatorStarted(process: ChildProgram): Promise<RunningCalculator> {
  const banner = SERVICE_BANNER.exec(await process.nextLine(SERVICE_BANNER));
  await process.nextLine(/^Press <ENTER> to terminate service\.$/);
  return {
    process,
    salt: Number(banner![1]),
    address: banner![2]!,
    async stop() {
      process.endInput();
      await process.waitForExit().catch(() => process.stop());
    },
  };
}

/**
 * Starts the TypeScript sample service on `port`, registered with the instance at `home`; `args`
 * are more of its options (`--certificate FILE --key FILE`, `--number N`).
 */
export function startTsCalculatorService(
  port: number,
  home: string,
  options: ChildProgramOptions = {},
  args: readonly string[] = [],
): Promise<RunningCalculator> {
  const proc = ChildProgram.start(process.execPath, [CalculatorSample.service, '--port', String(port), ...args], {
    name: 'calculator service.js',
    ...options,
    env: { ...process.env, ...options.env, PORTSHARE_HOME: home },
  });
  return calculatorStarted(proc);
}

/**
 * Runs a calculator client program to the end: types the service number and ENTER, as a user
 * would, and returns its standard output split into lines.
 */
export async function runCalculatorClient(client: ChildProgram, salt: number): Promise<string[]> {
  client.write(`${salt}\n\n`);
  client.endInput();
  const status = await client.waitForExit();
  if (status.code !== 0) {
    throw new InteropError(InteropErrorCodes.PROCESS_EXITED, `${client.name} exited with code ${status.code}:\n${client.stdout}\n${client.stderr}`);
  }
  return client.stdout.replace(/\n$/, '').split('\n');
}
