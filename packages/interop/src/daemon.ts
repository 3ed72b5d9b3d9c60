import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveInstance, waitForDaemon, writeState, type InstancePaths } from '@portshare/control';
import { ChildProgram } from './child-program.js';
import { InteropError, InteropErrorCodes } from './errors.js';

/** The daemon's entry point, as `portshare enable` records it. */
export const SERVICE_MAIN = createRequire(import.meta.url).resolve('@portshare/service/main');

/** Options of {@link startPrivateDaemon}. */
export interface PrivateDaemonOptions {
  /** Settings written to the instance's portshare.json. */
  readonly config?: Record<string, unknown>;
  /** How long to wait for the control socket to answer (default 15 000 ms). */
  readonly readyTimeoutMs?: number;
}

/** A portshare daemon running in its own instance folder. */
export interface PrivateDaemon {
  /** The instance folder: pass it as PORTSHARE_HOME (or the `home` option) to workers. */
  readonly home: string;
  readonly paths: InstancePaths;
  readonly process: ChildProgram;
  /** Stops the daemon (SIGTERM) and removes the instance folder. */
  stop(): Promise<void>;
}

/**
 * Starts `portshare-service --home DIR` in a new, enabled instance folder under the temporary
 * directory, so tests never touch the machine's own instance. Resolves once the control socket
 * answers `hello`.
 */
export async function startPrivateDaemon(options: PrivateDaemonOptions = {}): Promise<PrivateDaemon> {
  // Short path: Unix socket paths are limited to 107 bytes.
  const home = mkdtempSync(join(tmpdir(), 'psi-'));
  chmodSync(home, 0o755);
  const paths = resolveInstance({ home });
  writeState(paths, { startMode: 'demand', command: [process.execPath, SERVICE_MAIN] });
  writeFileSync(paths.configFile, JSON.stringify({ log: { level: 'warn' }, ...options.config }));
  const proc = ChildProgram.start(process.execPath, [SERVICE_MAIN, '--home', home], { name: 'portshare-service' });
  const cleanup = async (): Promise<void> => {
    await proc.stop();
    rmSync(home, { recursive: true, force: true });
  };
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  let hello;
  try {
    hello = await waitForDaemon(paths, readyTimeoutMs, () => {
      if (proc.exitStatus) {
        throw new InteropError(
          InteropErrorCodes.DAEMON_START_FAILED,
          `The portshare daemon exited with code ${proc.exitStatus.code} at start: ${proc.stderr}`,
        );
      }
    });
  } catch (err) {
    await cleanup();
    throw err;
  }
  if (hello === undefined) {
    await cleanup();
    throw new InteropError(
      InteropErrorCodes.DAEMON_START_FAILED,
      `The portshare daemon did not answer on ${paths.controlSocket} within ${readyTimeoutMs} ms: ${proc.stderr}`,
    );
  }
  return { home, paths, process: proc, stop: cleanup };
}
