#!/usr/bin/env node
// portshare-service: runs the sharing service in the foreground until SIGTERM/SIGINT or a 'stop'
// request. `portshare start` is the friendlier front end; this is what it (and on-demand starts) run.
import { resolveInstance } from '@portshare/control';
import { PortshareError } from '@portshare/framing';
import { runDaemon, type RunningDaemon } from './daemon.js';
import { exitCodeFor } from './exit-codes.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function main(): Promise<void> {
  const paths = resolveInstance({ home: arg('--home') });
  // SIGHUP's default action ends the process, leaving the control socket and the pid file behind;
  // systemd and administrators send it to mean "reload". Until a full reload exists it reopens
  // the log, and says that is all it did. SIGUSR1 reopens the log for logrotate without
  // copytruncate. Both are caught from the start, so one that arrives while starting is ignored,
  // not fatal. (A SIGUSR1 listener also keeps Node from opening its inspector on that signal.)
  const current: { daemon?: RunningDaemon } = {};
  process.on('SIGHUP', () => {
    const daemon = current.daemon;
    if (daemon === undefined) return;
    daemon.reopenLog('SIGHUP');
    daemon.service.log.warn('SIGHUP: a full reload is not implemented yet; the log file was reopened, the configuration was not reread (restart to apply it)');
  });
  process.on('SIGUSR1', () => void current.daemon?.reopenLog('SIGUSR1'));
  const running = await runDaemon({ paths, configFile: arg('--config') });
  current.daemon = running;
  const onSignal = (): void => void running.stop();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  await running.stopped;
  process.exit(0);
}

main().catch((err: unknown) => {
  const e = err as PortshareError;
  process.stderr.write(`portshare-service: ${e.message}\n`);
  process.exit(e instanceof PortshareError ? exitCodeFor(e.code) : 1);
});
