import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient, resolveInstance, writeState, type InstancePaths } from '@portshare/control';
import { BenchError, BenchErrorCodes } from './errors.js';
import { manage, sleep, spawnWithFdLimit, type ManagedProcess } from './processes.js';

/** The daemon's entry point, as `portshare enable` records it. */
export const SERVICE_MAIN = createRequire(import.meta.url).resolve('@portshare/service/main');

export interface DaemonHandle {
  readonly mode: 'auto' | 'proxy';
  readonly home: string;
  readonly paths: InstancePaths;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export interface DaemonStartOptions {
  mode: 'auto' | 'proxy';
  fdLimit: number;
  readyTimeoutMs: number;
  /** Settings written to the instance's portshare.json over the defaults. */
  config?: Record<string, unknown>;
  /** Extra node options (e.g. --cpu-prof). */
  nodeArgs?: readonly string[];
}

/**
 * Starts a portshare daemon in a private instance folder: enabled, with its own control socket,
 * started as an administrator would (`portshare-service --home DIR`). Logging is at 'warn' so the
 * log file does not weigh on the connection path.
 */
export async function startDaemon(options: DaemonStartOptions): Promise<DaemonHandle> {
  // Short path: Unix socket paths are limited to 107 bytes.
  const home = mkdtempSync(join(tmpdir(), 'psb-'));
  chmodSync(home, 0o755);
  const paths = resolveInstance({ home });
  writeState(paths, { startMode: 'demand', command: [process.execPath, SERVICE_MAIN] });
  writeFileSync(
    paths.configFile,
    JSON.stringify({ handoff: options.mode, log: { level: 'warn' }, ...options.config }, null, 2),
  );
  const child = spawnWithFdLimit(process.execPath, [...(options.nodeArgs ?? []), SERVICE_MAIN, '--home', home], {
    fdLimit: options.fdLimit,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = manage(`the portshare daemon (handoff ${options.mode})`, child);
  const deadline = Date.now() + options.readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new BenchError(BenchErrorCodes.StartFailed, `${proc.name} exited with code ${child.exitCode}: ${proc.output()}`);
    }
    try {
      const c = await ControlClient.connect(paths.controlSocket);
      await c.hello();
      c.destroy();
      break;
    } catch {
      if (Date.now() > deadline) {
        await proc.stop();
        throw new BenchError(
          BenchErrorCodes.StartFailed,
          `${proc.name} did not answer on ${paths.controlSocket} within ${options.readyTimeoutMs} ms. Output:\n${proc.output()}`,
        );
      }
      await sleep(20);
    }
  }
  return {
    mode: options.mode,
    home,
    paths,
    process: proc,
    async stop() {
      await proc.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
