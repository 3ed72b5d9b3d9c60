/**
 * Scenario: a stalled worker and clients that do not wait. While a worker does not take its
 * connections (here: SIGSTOP; in life: a long GC pause or a busy event loop), the daemon's
 * hand-offs to it queue up, first in the kernel and then in the daemon. Clients whose connection
 * waits in that queue may half-close or give up meanwhile. Each waiting connection must still
 * reach the worker when it resumes, and none of this may cost the worker its registration.
 *
 * Found by the fuzzer: under load, inputs sent with an immediate EOF made the daemon unregister a
 * healthy worker ("hand-off failed", EBADF).
 *
 * @module
 */

import { rawExchange, type RawOutcome } from '../clients.js';
import { preamble } from '../fuzz/wire.js';
import { Daemon, Instance } from '../instance.js';
import { criterion, summariseLog, type Criterion, type LogSummary } from '../report.js';
import { freePort, sleep, waitFor } from '../util.js';
import { SessionWorker } from '../workers.js';

export interface StalledWorkerOptions {
  /** Connections sent to the stalled worker, each a full preamble followed by EOF. */
  connections: number;
  /** How long the worker stays stopped once every connection is routed. */
  stalledMs: number;
}

export const StalledWorkerDefaults: StalledWorkerOptions = { connections: 300, stalledMs: 300 };

export interface StalledWorkerReport {
  connections: number;
  /** The most hand-offs seen waiting in the daemon (beyond what the kernel queue took). */
  queuedInDaemon: number;
  /** Connections the worker acknowledged once resumed. */
  acknowledged: number;
  /** What the others got. */
  others: Record<string, number>;
  registrationKept: boolean;
  registrationsAfter: number[];
  daemonLog: LogSummary;
}

export async function runStalledWorker(partial: Partial<StalledWorkerOptions> = {}): Promise<StalledWorkerReport> {
  const o = { ...StalledWorkerDefaults, ...partial };
  const port = await freePort();
  // Room for every connection in the pending and per-registration queues: nothing is refused for a full queue.
  const instance = Instance.create({ listenBacklog: 4096, maxPendingConnections: Math.max(1000, 2 * o.connections) });
  const daemon = await Daemon.start(instance);
  let worker: SessionWorker | undefined;
  try {
    worker = await SessionWorker.start(instance, { uri: `net.tcp://localhost:${port}/w`, tag: 'W:' });
    const before = (await daemon.status()).registrations.map((r) => r.id);
    worker.signal('SIGSTOP');
    const bytes = preamble({ via: `net.tcp://localhost:${port}/w/stalled` });
    const outcomes: Promise<RawOutcome>[] = Array.from({ length: o.connections }, () => rawExchange(port, bytes, { deadlineMs: 15_000, maxBytes: 1 }));
    let queuedInDaemon = 0;
    await waitFor(
      'every connection to be routed to the stalled worker',
      async () => {
        const reg = (await daemon.status()).registrations[0];
        queuedInDaemon = Math.max(queuedInDaemon, reg?.queueLength ?? 0);
        return reg !== undefined && reg.dispatched + reg.queueLength >= o.connections ? true : undefined;
      },
      10_000,
      20,
    ).catch(() => undefined);
    await sleep(o.stalledMs);
    worker.signal('SIGCONT');
    const results = await Promise.all(outcomes);
    await sleep(200);
    const after = (await daemon.status()).registrations.map((r) => r.id);
    const others: Record<string, number> = {};
    let acknowledged = 0;
    for (const r of results) {
      if (r.data[0] === 0x0b) acknowledged++;
      else {
        const key = r.data.length === 0 ? `nothing (${r.end})` : `0x${r.data.subarray(0, 2).toString('hex')}`;
        others[key] = (others[key] ?? 0) + 1;
      }
    }
    return {
      connections: o.connections,
      queuedInDaemon,
      acknowledged,
      others,
      registrationKept: after.length === 1 && after[0] === before[0],
      registrationsAfter: after,
      daemonLog: summariseLog(instance.warnings(), 2),
    };
  } finally {
    await worker?.kill9();
    await daemon.kill9();
    instance.remove();
  }
}

export function stalledWorkerCriteria(r: StalledWorkerReport): Criterion[] {
  return [
    criterion(
      'clients that leave while their hand-off waits do not cost the worker its registration',
      r.registrationKept && r.daemonLog.count === 0,
      `registrations after: ${r.registrationsAfter.join(', ')}; daemon warnings ${JSON.stringify(r.daemonLog.byMessage)} ${r.daemonLog.examples[0]?.slice(0, 400) ?? ''}`,
    ),
    criterion(
      'every waiting connection reaches the worker when it resumes',
      r.acknowledged === r.connections && r.queuedInDaemon > 0,
      `${r.acknowledged}/${r.connections} acknowledged (up to ${r.queuedInDaemon} waited in the daemon); others: ${JSON.stringify(r.others)}`,
    ),
  ];
}
