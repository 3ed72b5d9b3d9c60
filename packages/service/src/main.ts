#!/usr/bin/env node
// portshare-service: runs the sharing service in the foreground until SIGTERM/SIGINT or a 'stop'
// request. `portshare start` is the friendlier front end; this is what it (and on-demand starts) run.
//
//   portshare-service [--home DIR] [--config FILE]   serve (refused if a daemon already serves)
//   ... --takeover                                   take over from the daemon serving now, if any
//   ... --reload                                     start a daemon that takes over, wait for it, exit
//                                                    (systemd's ExecReload=)
import { ControlClient, resolveInstance, startDetached, type InstancePaths } from '@portshare/control';
import { PortshareError } from '@portshare/framing';
import { runDaemon, type RunningDaemon } from './daemon.js';
import { exitCodeFor } from './exit-codes.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

/**
 * The command that starts a daemon taking over from this instance's: this program, with the same
 * Node options and arguments (so `--config` is kept, or given), and `--takeover`.
 */
function successorCommand(configFile: string | undefined): string[] {
  const args = ownArguments();
  const i = args.indexOf('--config');
  if (i !== -1) args.splice(i, 2);
  if (configFile !== undefined) args.push('--config', configFile);
  return [process.execPath, ...process.execArgv, process.argv[1]!, ...args, '--takeover'];
}

/** This program's `--reload` command, with the same Node options and arguments (reload-helper.ts). */
function reloadCommand(): string[] {
  return [process.execPath, ...process.execArgv, process.argv[1]!, ...ownArguments(), '--reload'];
}

/** This program's arguments without the ones that say how it was started. */
function ownArguments(): string[] {
  return process.argv.slice(2).filter((a) => a !== '--takeover' && a !== '--reload');
}

/**
 * A seamless reload: a new daemon reads the configuration again and takes the listening sockets
 * over (takeover.ts); resolves with its pid once it answers, rejects (the old one serving on) if
 * it could not start.
 */
async function startSuccessor(paths: InstancePaths, configFile: string | undefined): Promise<number> {
  return startDetached(paths, successorCommand(configFile), { timeoutMs: 30_000, replacing: true });
}

/** The configuration file the running daemon read, so a reload rereads that one. */
async function runningConfigFile(paths: InstancePaths): Promise<string | undefined> {
  const client = await ControlClient.connect(paths.controlSocket, { requestTimeoutMs: 5000 });
  try {
    return (await client.request({ op: 'status' })).configFile;
  } finally {
    client.destroy();
  }
}

async function main(): Promise<void> {
  const paths = resolveInstance({ home: arg('--home') });
  if (process.argv.includes('--reload')) {
    const pid = await startSuccessor(paths, arg('--config') ?? (await runningConfigFile(paths)));
    process.stdout.write(`portshare-service: reloaded; the service is now pid ${pid}\n`);
    return;
  }
  // SIGHUP means "reload" to systemd and to administrators: a new daemon rereads the configuration
  // and takes the sockets over, and this one exits once it has (the log says how it went). A
  // daemon that dropped root asks its reload helper, which stayed root, to run the reload for it
  // (reload-helper.ts). SIGUSR1 reopens the log for logrotate without copytruncate. Both are caught
  // from the start, so one that arrives while starting is ignored, not fatal (a SIGUSR1 listener
  // also keeps Node's inspector off it).
  const current: { daemon?: RunningDaemon; reloading?: boolean } = {};
  process.on('SIGHUP', () => {
    const daemon = current.daemon;
    if (daemon === undefined || current.reloading) return;
    const helper = daemon.reloadHelper;
    // After the drop the file is root's and cannot be reopened here; the new daemon opens it.
    if (helper === undefined) daemon.reopenLog('SIGHUP');
    const log = daemon.service.log;
    current.reloading = true;
    log.info('SIGHUP: starting a new service to take over with the configuration as it is now');
    (helper !== undefined ? helper.reload() : startSuccessor(paths, arg('--config')))
      .then((pid) => log.info({ successorPid: pid }, 'SIGHUP: the new service took over'))
      .catch((err: unknown) => {
        current.reloading = false;
        log.error({ err }, 'SIGHUP: the new service could not start; this one serves on');
      });
  });
  process.on('SIGUSR1', () => void current.daemon?.reopenLog('SIGUSR1'));
  const running = await runDaemon({
    paths,
    configFile: arg('--config'),
    takeover: process.argv.includes('--takeover'),
    reloadCommand: reloadCommand(),
  });
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
