import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const sampleDir = dirname(createRequire(import.meta.url).resolve('@portshare/sample-calculator-duplex/package.json'));

/** The TypeScript Duplex sample's programs (samples/calculator-duplex, built to dist/). */
export const DuplexSample = {
  service: join(sampleDir, 'dist', 'service.js'),
  client: join(sampleDir, 'dist', 'client.js'),
} as const;

/** What the Duplex sample's client prints, C# or TypeScript: the prompt, then each callback. */
export const DUPLEX_TRANSCRIPT = [
  'Press <ENTER> to terminate client once the output is displayed.',
  '',
  'Result(100)',
  'Result(50)',
  'Result(882.5)',
  'Result(441.25)',
  'Equation(0 + 100 - 50 * 17.65 / 2 = 441.25)',
] as const;

/** The service's banner, both implementations: "The service is ready at net.tcp://…". */
export const DUPLEX_SERVICE_BANNER = /^The service is ready at (net\.tcp:\/\/\S+)$/;
