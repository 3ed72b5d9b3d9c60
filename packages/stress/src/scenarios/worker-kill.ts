/**
 * Scenario: a worker killed (SIGKILL) under load. Two workers share a port; clients keep opening
 * sessions to both. Worker A is stopped (SIGSTOP) so that connections queue up for it, then
 * killed; its route must be gone within 100 ms, the connections queued for it must be aborted
 * (not left hanging), worker B must not notice, and later clients for A's URI get EndpointNotFound
 * until A is started again. Over the whole run (10,000 connections by default) the daemon must not
 * leak a descriptor: its count is taken before and after.
 *
 * @module
 */

import { goodSession, closedLoop, type SessionOutcome } from '../clients.js';
import { Daemon, Instance } from '../instance.js';
import { fdKinds, fdTargets, settledFdCount } from '../proc.js';
import { criterion, type Criterion } from '../report.js';
import { freePort, intOption, percentile, round, sleep, waitFor } from '../util.js';
import { SessionWorker } from '../workers.js';

export interface WorkerKillOptions {
  /** Sessions opened over the run, half to each worker. */
  connections: number;
  /** Clients at once. */
  concurrency: number;
  /** Connections sent to worker A while it is stopped, queued for it when it is killed. */
  queued: number;
  /** How long A stays stopped before the kill (the queue builds up meanwhile). */
  stoppedMs: number;
}

export const WorkerKillDefaults: WorkerKillOptions = {
  connections: 10_000,
  concurrency: 32,
  queued: 50,
  stoppedMs: 300,
};

/** The bound on removing a dead worker's routes. */
export const ROUTE_REMOVAL_LIMIT_MS = 100;
/** How soon after the kill every queued connection must have been aborted. */
export const QUEUED_ABORT_LIMIT_MS = 1000;

interface Tracked extends SessionOutcome {
  worker: 'A' | 'B';
  startedAt: number;
  endedAt: number;
}

export interface WorkerKillReport {
  connections: number;
  durationMs: number;
  sessionsPerSecond: number;
  routeRemovalMs: number;
  queued: { sent: number; dispatchedBeforeKill: number; aborted: number; hung: number; maxAbortMs: number; errors: Record<string, number> };
  workerA: { ok: number; failed: number; errorsWhileGone: Record<string, number>; wrongAnswerWhileGone: number };
  workerB: { ok: number; failed: number; errors: Record<string, number>; p50Ms: number; p99Ms: number };
  daemon: { alive: boolean; fdStart: number; fdEnd: number; fdKindsStart: Record<string, number>; fdKindsEnd: Record<string, number> };
}

function countBy(items: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[i] = (out[i] ?? 0) + 1;
  return out;
}

export async function runWorkerKill(partial: Partial<WorkerKillOptions> = {}): Promise<WorkerKillReport> {
  const o = { ...WorkerKillDefaults, ...partial };
  intOption('connections', o.connections, 100, 10_000_000);
  intOption('concurrency', o.concurrency, 2, 10_000);
  const port = await freePort();
  const instance = Instance.create({ listenBacklog: 1024 });
  const daemon = await Daemon.start(instance);
  const workers: SessionWorker[] = [];
  try {
    let a = await SessionWorker.start(instance, { uri: `net.tcp://localhost:${port}/a`, tag: 'A:' });
    workers.push(a);
    workers.push(await SessionWorker.start(instance, { uri: `net.tcp://localhost:${port}/b`, tag: 'B:' }));
    for (const path of ['/a', '/b']) {
      const warm = await goodSession(port, path);
      if (!warm.ok) throw new Error(`no answer from ${path} before the run: ${warm.error}`);
    }
    await waitFor('the daemon to be idle', async () => ((await daemon.status()).pendingConnections === 0 ? true : undefined), 5000);
    const fdStart = await settledFdCount(daemon.pid);
    const targetsStart = fdTargets(daemon.pid);

    const results: Tracked[] = [];
    let killedAt = Number.NaN;
    let routeGoneAt = Number.NaN;
    let restartedAt = Number.NaN;
    let completed = 0;
    const queuedOutcomes: Tracked[] = [];
    let dispatchedBeforeKill = 0;

    const killA = async (): Promise<void> => {
      const regA = (await daemon.status()).registrations.find((r) => r.uri.endsWith('/a'));
      const dispatched0 = regA?.dispatched ?? 0;
      a.signal('SIGSTOP');
      const queued = Array.from({ length: o.queued }, async () => {
        const startedAt = performance.now();
        const r = await goodSession(port, '/a/queued', { openTimeoutMs: 10_000 });
        queuedOutcomes.push({ ...r, worker: 'A', startedAt, endedAt: performance.now() });
      });
      await sleep(o.stoppedMs);
      const regStopped = (await daemon.status()).registrations.find((r) => r.uri.endsWith('/a'));
      dispatchedBeforeKill = (regStopped?.dispatched ?? 0) - dispatched0;
      a.signal('SIGKILL');
      killedAt = performance.now();
      await waitFor(
        "the killed worker's route to go",
        async () => ((await daemon.status()).registrations.some((r) => r.uri.endsWith('/a')) ? undefined : true),
        5000,
        2,
      );
      routeGoneAt = performance.now();
      await a.exited;
      await Promise.all(queued);
    };

    const killAt = Math.floor(o.connections / 3);
    const restartAt = Math.floor((2 * o.connections) / 3);
    let killing: Promise<void> | undefined;
    let restarting: Promise<void> | undefined;
    const started = performance.now();
    await closedLoop({
      concurrency: o.concurrency,
      count: o.connections,
      task: async (index) => {
        const worker = index % 2 === 0 ? 'A' : 'B';
        const startedAt = performance.now();
        const r = await goodSession(port, worker === 'A' ? '/a/load' : '/b/load', { expectTag: `${worker}:` });
        results.push({ ...r, worker, startedAt, endedAt: performance.now() });
        completed++;
        if (completed === killAt) killing = killA();
        if (completed === restartAt) {
          restarting = (async () => {
            await killing;
            a = await SessionWorker.start(instance, { uri: `net.tcp://localhost:${port}/a`, tag: 'A:' });
            workers.push(a);
            restartedAt = performance.now();
          })();
        }
      },
    });
    await killing;
    await restarting;
    const durationMs = performance.now() - started;

    // Every connection closed, then count the descriptors again.
    await waitFor('the daemon to be idle', async () => ((await daemon.status()).pendingConnections === 0 ? true : undefined), 10_000);
    const fdEnd = await settledFdCount(daemon.pid, 5000);
    const targetsEnd = fdTargets(daemon.pid);

    const aResults = results.filter((r) => r.worker === 'A');
    const bResults = results.filter((r) => r.worker === 'B');
    const whileGone = aResults.filter((r) => r.startedAt > routeGoneAt && r.endedAt < restartedAt);
    const bOk = bResults.filter((r) => r.ok).map((r) => r.ms);
    return {
      connections: results.length + queuedOutcomes.length,
      durationMs: Math.round(durationMs),
      sessionsPerSecond: Math.round(results.length / (durationMs / 1000)),
      routeRemovalMs: round(routeGoneAt - killedAt, 1),
      queued: {
        sent: queuedOutcomes.length,
        dispatchedBeforeKill,
        aborted: queuedOutcomes.filter((q) => !q.ok).length,
        hung: queuedOutcomes.filter((q) => q.error === 'SESSION_ERR_OPEN_TIMEOUT').length,
        maxAbortMs: round(Math.max(...queuedOutcomes.map((q) => q.endedAt - killedAt)), 1),
        errors: countBy(queuedOutcomes.map((q) => q.error ?? 'ok')),
      },
      workerA: {
        ok: aResults.filter((r) => r.ok).length,
        failed: aResults.filter((r) => !r.ok).length,
        errorsWhileGone: countBy(whileGone.map((r) => r.error ?? 'ok')),
        wrongAnswerWhileGone: whileGone.filter((r) => r.error !== 'SESSION_ERR_ENDPOINT_NOT_FOUND').length,
      },
      workerB: {
        ok: bOk.length,
        failed: bResults.length - bOk.length,
        errors: countBy(bResults.filter((r) => !r.ok).map((r) => r.error ?? '?')),
        p50Ms: round(percentile(bOk, 50), 2),
        p99Ms: round(percentile(bOk, 99), 2),
      },
      daemon: {
        alive: daemon.alive,
        fdStart,
        fdEnd,
        fdKindsStart: fdKinds(targetsStart),
        fdKindsEnd: fdKinds(targetsEnd),
      },
    };
  } finally {
    for (const w of workers) await w.kill9();
    await daemon.kill9();
    instance.remove();
  }
}

export function workerKillCriteria(r: WorkerKillReport): Criterion[] {
  return [
    criterion(`its routes gone within ${ROUTE_REMOVAL_LIMIT_MS} ms`, r.routeRemovalMs <= ROUTE_REMOVAL_LIMIT_MS, `${r.routeRemovalMs} ms from SIGKILL to the registration's removal`),
    criterion(
      'its queued connections aborted',
      r.queued.aborted === r.queued.sent && r.queued.hung === 0 && r.queued.maxAbortMs <= QUEUED_ABORT_LIMIT_MS,
      `${r.queued.aborted}/${r.queued.sent} aborted (${r.queued.dispatchedBeforeKill} handed off before the kill), the last ${r.queued.maxAbortMs} ms after the kill (limit ${QUEUED_ABORT_LIMIT_MS}), ${JSON.stringify(r.queued.errors)}`,
    ),
    criterion('other workers unaffected', r.workerB.failed === 0, `worker B: ${r.workerB.ok} ok, ${r.workerB.failed} failed ${JSON.stringify(r.workerB.errors)}`),
    criterion(
      "the dead worker's URI answers EndpointNotFound until it is back",
      r.workerA.wrongAnswerWhileGone === 0,
      `while gone: ${JSON.stringify(r.workerA.errorsWhileGone)}`,
    ),
    criterion(
      `no descriptor leaked in the daemon over ${r.connections} connections`,
      r.daemon.fdEnd <= r.daemon.fdStart && r.daemon.alive,
      `${r.daemon.fdStart} before ${JSON.stringify(r.daemon.fdKindsStart)}, ${r.daemon.fdEnd} after ${JSON.stringify(r.daemon.fdKindsEnd)}`,
    ),
  ];
}
