#!/usr/bin/env node
// `pnpm bench`: runs every configuration side by side, prints the tables and writes the JSON.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PortshareError } from '@portshare/framing';
import { runBench } from './harness.js';
import { parseCommandLine } from './options.js';
import { formatReport } from './report.js';
import type { BenchResults } from './results.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<void> {
  const { options, help, report, usage } = parseCommandLine(process.argv.slice(2), join(packageDir, 'results', 'latest.json'));
  if (help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (report !== undefined) {
    process.stdout.write(formatReport(JSON.parse(readFileSync(report, 'utf8')) as BenchResults));
    return;
  }
  const results = await runBench(options);
  process.stdout.write(`\n${formatReport(results)}`);
  if (options.out !== undefined) {
    const out = resolve(options.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    process.stderr.write(`results written to ${out}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`portshare bench: ${err instanceof PortshareError ? `${err.code}: ` : ''}${(err as Error).message}\n`);
  process.exit(1);
});
