import { createRequire } from 'node:module';
import { waitForDaemon, type InstancePaths } from '@portshare/control';
import { makeInstance } from '@portshare/test-utils';
import { BenchError, BenchErrorCodes } from './errors.js';
import { manage, spawnWithFdLimit, type ManagedProcess } from './processes.js';

/** The daemon's entry point, as `portshare enable` records it. */
export const SERVICE_MAIN = createRequire(import.meta.url).resolve('@portshare/service/main');

export interface DaemonHandle {
  readonly home: string;
  readonly paths: InstancePaths;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export interface DaemonStartOptions {
  mode: 'auto' | 'proxy';
  fdLimit: number;
  readyTimeoutMs: number;
  /** Extra node options (e.g. --cpu-prof). */
  nodeArgs?: readonly string[];
  /** More configuration (static routes). */
  config?: Record<string, unknown>;
}

/**
 * Starts a portshare daemon in a private instance folder: enabled, with its own control socket,
 * started as an administrator would (`portshare-service --home DIR`). Logging is at 'warn' so the
 * log file does not weigh on the connection path.
 */
export async function startDaemon(options: DaemonStartOptions): Promise<DaemonHandle> {
  const { home, paths, cleanup } = makeInstance({
    serviceMain: SERVICE_MAIN,
    prefix: 'psb-',
    config: { handoff: options.mode, log: { level: 'warn' }, ...options.config },
  });
  const child = spawnWithFdLimit(process.execPath, [...(options.nodeArgs ?? []), SERVICE_MAIN, '--home', home], {
    fdLimit: options.fdLimit,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = manage(`the portshare daemon (handoff ${options.mode})`, child);
  const hello = await waitForDaemon(paths, options.readyTimeoutMs, () => {
    if (child.exitCode !== null) {
      throw new BenchError(BenchErrorCodes.StartFailed, `${proc.name} exited with code ${child.exitCode}: ${proc.output()}`);
    }
  });
  if (hello === undefined) {
    await proc.stop();
    throw new BenchError(
      BenchErrorCodes.StartFailed,
      `${proc.name} did not answer on ${paths.controlSocket} within ${options.readyTimeoutMs} ms. Output:\n${proc.output()}`,
    );
  }
  return {
    home,
    paths,
    process: proc,
    async stop() {
      await proc.stop();
      cleanup();
    },
  };
}
