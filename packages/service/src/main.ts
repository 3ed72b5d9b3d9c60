#!/usr/bin/env node
// portshare-service: runs the sharing service in the foreground until SIGTERM/SIGINT or a 'stop'
// request. `portshare start` is the friendlier front end; this is what it (and on-demand starts) run.
import { resolveInstance } from '@portshare/control';
import { PortshareError } from '@portshare/framing';
import { runDaemon } from './daemon.js';
import { exitCodeFor } from './exit-codes.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function main(): Promise<void> {
  const paths = resolveInstance({ home: arg('--home') });
  const daemon = await runDaemon({ paths, configFile: arg('--config') });
  const onSignal = (): void => void daemon.stop();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  await daemon.stopped;
  process.exit(0);
}

main().catch((err: unknown) => {
  const e = err as PortshareError;
  process.stderr.write(`portshare-service: ${e.message}\n`);
  process.exit(e instanceof PortshareError ? exitCodeFor(e.code) : 1);
});
