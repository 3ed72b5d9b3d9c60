import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const sampleDir = dirname(createRequire(import.meta.url).resolve('@portshare/sample-streaming/package.json'));

/** The TypeScript Stream sample's programs (samples/streaming, built to dist/). */
export const StreamingSample = {
  service: join(sampleDir, 'dist', 'service.js'),
  client: join(sampleDir, 'dist', 'client.js'),
} as const;
