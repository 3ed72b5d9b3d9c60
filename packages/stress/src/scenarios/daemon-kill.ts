/**
 * Scenario: the daemon killed (SIGKILL) under load, then started again. Long sessions are in the
 * workers' hands when the daemon dies, and new clients keep connecting. With the socket passed to
 * the worker (fd hand-off) the daemon holds nothing of a handed-off connection, so every such
 * session must finish its exchange; the workers (SDK listeners) must register again within 2 s
 * of the daemon's restart, whether it comes back at once or after a while.
 *
 * @module
 */

import { goodSession, closedLoop, type SessionOutcome } from '../clients.js';
import { Daemon, Instance } from '../instance.js';
import { criterion, type Criterion } from '../report.js';
import { freePort, intOption, round, sleep, waitFor } from '../util.js';
import { SessionWorker } from '../workers.js';

export interface DaemonKillOptions {
  /** Long sessions open (acknowledged) when the daemon is killed, over the two workers. */
  sessions: number;
  /** Messages each long session exchanges… */
  messagesPerSession: number;
  /** …with this pause between them, so the sessions span the kill. */
  gapMs: number;
  /** Clients opening short sessions all along (the load). */
  loadConcurrency: number;
  /** Time between the kill and the restart, one round each. */
  downtimesMs: number[];
}

export const DaemonKillDefaults: DaemonKillOptions = {
  sessions: 200,
  messagesPerSession: 20,
  gapMs: 50,
  loadConcurrency: 8,
  downtimesMs: [0, 3500],
};

/** The issue's bound on re-registration after the daemon's restart. */
export const REREGISTRATION_LIMIT_MS = 2000;

export interface DaemonKillRound {
  downtimeMs: number;
  /** Long sessions that failed before the kill, before being acknowledged (not handed off). */
  failedBeforeKill: Record<string, number>;
  /** Long sessions acknowledged before the kill. */
  handedOff: number;
  /** …of which finished their exchange. */
  finished: number;
  lost: { error: string; replies: number }[];
  /** Short sessions of the load: ok, and failed before or after the restart. */
  load: { ok: number; failed: number; errors: Record<string, number> };
  /** Milliseconds from the restarted daemon's first answer to each worker's registration. */
  reregistrationMs: number[];
  /** Whether short sessions to both workers succeeded after the re-registration. */
  servedAfterRestart: boolean;
}

export interface DaemonKillReport {
  rounds: DaemonKillRound[];
}

export async function runDaemonKill(partial: Partial<DaemonKillOptions> = {}): Promise<DaemonKillReport> {
  const o = { ...DaemonKillDefaults, ...partial };
  intOption('sessions', o.sessions, 2, 100_000);
  const port = await freePort();
  // Every long session connects at once: room for all of them in the pending queue (the limit
  // itself is the slow clients scenario's subject).
  const instance = Instance.create({ listenBacklog: 4096, maxPendingConnections: Math.max(1000, 2 * o.sessions) });
  let daemon = await Daemon.start(instance);
  const workers: SessionWorker[] = [];
  try {
    const limits = { maxConcurrentSessions: 10 * o.sessions };
    workers.push(await SessionWorker.start(instance, { uri: `net.tcp://localhost:${port}/one`, tag: 'O:', ...limits }));
    workers.push(await SessionWorker.start(instance, { uri: `net.tcp://localhost:${port}/two`, tag: 'T:', ...limits }));
    const rounds: DaemonKillRound[] = [];
    for (const downtimeMs of o.downtimesMs) {
      // Long sessions: open them all, then kill the daemon while they exchange messages.
      let acknowledged = 0;
      let failedEarly = 0;
      const long: Promise<SessionOutcome>[] = [];
      for (let i = 0; i < o.sessions; i++) {
        const tag = i % 2 === 0 ? 'O:' : 'T:';
        long.push(
          goodSession(port, i % 2 === 0 ? '/one/long' : '/two/long', {
            messages: o.messagesPerSession,
            gapMs: o.gapMs,
            expectTag: tag,
            replyTimeoutMs: 30_000,
            onAck: () => acknowledged++,
          }).then((r) => {
            if (!r.acknowledged) failedEarly++;
            return r;
          }),
        );
      }
      // The load: short sessions all along, through the kill and the restart.
      let loading = true;
      const load = closedLoop({
        concurrency: o.loadConcurrency,
        stop: () => !loading,
        task: async (i) => {
          const r = await goodSession(port, i % 2 === 0 ? '/one/short' : '/two/short', { openTimeoutMs: 3000 });
          if (!r.ok) await sleep(20);
          return r;
        },
      });
      await waitFor('every long session to be acknowledged or refused', () => (acknowledged + failedEarly === o.sessions ? true : undefined), 20_000, 2);
      const linesAtKill = workers.map((w) => w.lines.length);
      await daemon.kill9();
      await sleep(downtimeMs);
      daemon = await Daemon.start(instance);
      const reregistrationMs: number[] = [];
      for (const [i, w] of workers.entries()) {
        const { at } = await w.waitForLine(/^REGISTERED /, 30_000, linesAtKill[i]);
        reregistrationMs.push(round(at - daemon.readyAt, 1));
      }
      const outcomes = await Promise.all(long);
      loading = false;
      const loadResults = await load;
      const after = await Promise.all([goodSession(port, '/one/after', { expectTag: 'O:' }), goodSession(port, '/two/after', { expectTag: 'T:' })]);
      const lost = outcomes.filter((r) => r.acknowledged && !r.ok).map((r) => ({ error: r.error ?? '?', replies: r.replies.length }));
      const errors: Record<string, number> = {};
      for (const r of loadResults) if (!r.ok) errors[r.error ?? '?'] = (errors[r.error ?? '?'] ?? 0) + 1;
      const failedBeforeKill: Record<string, number> = {};
      for (const r of outcomes) if (!r.acknowledged) failedBeforeKill[r.error ?? '?'] = (failedBeforeKill[r.error ?? '?'] ?? 0) + 1;
      rounds.push({
        downtimeMs,
        failedBeforeKill,
        handedOff: outcomes.filter((r) => r.acknowledged).length,
        finished: outcomes.filter((r) => r.acknowledged && r.ok).length,
        lost,
        load: { ok: loadResults.filter((r) => r.ok).length, failed: loadResults.filter((r) => !r.ok).length, errors },
        reregistrationMs,
        servedAfterRestart: after.every((r) => r.ok),
      });
    }
    return { rounds };
  } finally {
    for (const w of workers) await w.kill9();
    await daemon.kill9();
    instance.remove();
  }
}

export function daemonKillCriteria(r: DaemonKillReport): Criterion[] {
  return r.rounds.flatMap((round) => [
    criterion(
      `no handed-off connection lost (restart after ${round.downtimeMs} ms)`,
      round.lost.length === 0 && round.handedOff > 0,
      `${round.finished}/${round.handedOff} handed-off sessions finished their exchange${round.lost.length > 0 ? `; lost: ${JSON.stringify(round.lost.slice(0, 3))}` : ''}${Object.keys(round.failedBeforeKill).length > 0 ? `; not handed off before the kill: ${JSON.stringify(round.failedBeforeKill)}` : ''}`,
    ),
    criterion(
      `every worker registered again within ${REREGISTRATION_LIMIT_MS} ms of the restart (restart after ${round.downtimeMs} ms)`,
      round.reregistrationMs.every((ms) => ms <= REREGISTRATION_LIMIT_MS) && round.servedAfterRestart,
      `re-registered ${round.reregistrationMs.join(' ms, ')} ms after the restarted daemon answered; served after: ${round.servedAfterRestart}`,
    ),
  ]);
}
