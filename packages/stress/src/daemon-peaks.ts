import type { Daemon } from './instance.js';
import { sampleListenQueue } from './listen-queue.js';
import { sleep } from './util.js';

/** The most a daemon held while a scenario ran. */
export interface DaemonPeaks {
  /** Pending connections (accepted, preamble not yet routed), from its status. */
  pending: number;
  /** Hand-offs waiting in one registration's queue, from its status. */
  handOffsWaiting: number;
  /** Resident memory, bytes. */
  rssBytes: number;
  /** Open descriptors. */
  fds: number;
  /** Connections in the listen backlog of the shared port (NaN without `ss`: listen-queue.ts). */
  listenQueue: number;
}

/**
 * Samples a daemon every 100 ms (its status, RSS and descriptors while it is alive) and the
 * listen backlog of `port` until `stop()`, which returns the peaks; `each` runs at every sample,
 * for a figure of the scenario's own. `stop()` may be called again (a scenario's cleanup).
 */
export function sampleDaemonPeaks(daemon: Daemon, port: number, each?: () => void): { stop(): Promise<DaemonPeaks> } {
  const peaks: DaemonPeaks = { pending: 0, handOffsWaiting: 0, rssBytes: 0, fds: 0, listenQueue: Number.NaN };
  const listenQueue = sampleListenQueue(port);
  let running = true;
  const loop = (async () => {
    while (running) {
      const s = await daemon.status().catch(() => undefined);
      if (s !== undefined) {
        peaks.pending = Math.max(peaks.pending, s.pendingConnections);
        peaks.handOffsWaiting = Math.max(peaks.handOffsWaiting, ...s.registrations.map((reg) => reg.queueLength));
      }
      if (daemon.alive) {
        peaks.rssBytes = Math.max(peaks.rssBytes, daemon.rss());
        peaks.fds = Math.max(peaks.fds, daemon.openFds());
      }
      each?.();
      await sleep(100);
    }
  })();
  let stopped: Promise<DaemonPeaks> | undefined;
  return {
    stop() {
      running = false;
      stopped ??= (async () => {
        await loop;
        peaks.listenQueue = await listenQueue.stop();
        return peaks;
      })();
      return stopped;
    },
  };
}
