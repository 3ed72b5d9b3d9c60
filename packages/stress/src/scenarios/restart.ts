/**
 * Scenario: the daemon restarted and reloaded under load, the seamless way (docs/operations.md): a
 * new daemon takes the listening sockets over while clients keep connecting. Three rounds, one per
 * way in: `--takeover` (what `portshare restart` runs), SIGHUP, and `--reload` (systemd's
 * ExecReload=). Each round, clients open short sessions back to back (a session: preamble,
 * PreambleAck, one message and its reply, End both ways) from before the restart until after the
 * old daemon has exited, and long sessions, handed off before the restart, exchange messages
 * throughout. Nothing may be refused, reset or lost, and the load must be real: at least
 * `minRate` sessions a second over the round.
 *
 * @module
 */

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { waitForDaemon } from '@portshare/control';
import { closedLoop, goodSession, type SessionOutcome } from '../clients.js';
import { Daemon, Instance, SERVICE_MAIN } from '../instance.js';
import { criterion, type Criterion } from '../report.js';
import { freePort, intOption, round, sleep } from '../util.js';
import { SessionWorker } from '../workers.js';

export type RestartWay = 'takeover' | 'sighup' | 'reload';

export interface RestartOptions {
  /** Clients opening short sessions back to back. */
  concurrency: number;
  /** Load before the restart starts and after the old daemon has gone. */
  settleMs: number;
  /** Long sessions handed off before the restart, exchanging messages through it. */
  longSessions: number;
  ways: RestartWay[];
}

export const RestartDefaults: RestartOptions = {
  concurrency: 16,
  settleMs: 500,
  longSessions: 50,
  ways: ['takeover', 'sighup', 'reload'],
};

/** The load each round must carry for "nothing lost" to mean something (issue: ≥ 1,000 connections/s). */
export const MIN_SESSIONS_PER_SECOND = 1000;

export interface RestartRound {
  way: RestartWay;
  previousPid: number;
  newPid: number;
  /** Milliseconds from the start of the restart to the old daemon's exit. */
  handoverMs: number;
  /** Short sessions: ok, failed (by error), and the rate over the round. */
  load: { ok: number; failed: number; errors: Record<string, number>; perSecond: number };
  longFinished: number;
  longLost: { error: string; replies: number }[];
  /** Whether the worker kept its registration throughout (it never saw the daemon go). */
  workerStayedRegistered: boolean;
}

export interface RestartReport {
  rounds: RestartRound[];
}

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z'; // a zombie has exited (proc(5))
  } catch {
    return false;
  }
}

async function exitOf(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (running(pid)) {
    if (Date.now() > deadline) throw new Error(`pid ${pid} still runs ${timeoutMs} ms after the restart`);
    await sleep(5);
  }
}

export async function runRestart(partial: Partial<RestartOptions> = {}): Promise<RestartReport> {
  const o = { ...RestartDefaults, ...partial };
  intOption('concurrency', o.concurrency, 1, 1000);
  const port = await freePort();
  const instance = Instance.create({ listenBacklog: 4096, maxPendingConnections: 1000 });
  const first = await Daemon.start(instance);
  let current = first.pid;
  const worker = await SessionWorker.start(instance, { uri: `net.tcp://localhost:${port}/svc`, tag: 'S:', maxConcurrentSessions: 100_000 });
  const rounds: RestartRound[] = [];
  try {
    for (const way of o.ways) {
      const linesBefore = worker.lines.length;
      const long: Promise<SessionOutcome>[] = [];
      let acknowledged = 0;
      for (let i = 0; i < o.longSessions; i++) {
        long.push(
          goodSession(port, '/svc/long', { messages: 20, gapMs: 100, expectTag: 'S:', replyTimeoutMs: 30_000, onAck: () => acknowledged++ }),
        );
      }
      let loading = true;
      const started = performance.now();
      const load = closedLoop({
        concurrency: o.concurrency,
        stop: () => !loading,
        task: (i) => goodSession(port, `/svc/short/${i}`, { expectTag: 'S:', openTimeoutMs: 10_000 }),
      });
      while (acknowledged < o.longSessions && performance.now() - started < 10_000) await sleep(10);
      await sleep(o.settleMs);
      const previousPid = current;
      const restartAt = performance.now();
      if (way === 'takeover') {
        spawn(process.execPath, [SERVICE_MAIN, '--home', instance.home, '--takeover'], { stdio: 'ignore', detached: true }).unref();
      } else if (way === 'sighup') {
        process.kill(previousPid, 'SIGHUP');
      } else {
        const reload = spawn(process.execPath, [SERVICE_MAIN, '--home', instance.home, '--reload'], { stdio: 'ignore' });
        const code = await new Promise<number | null>((r) => reload.once('exit', r));
        if (code !== 0) throw new Error(`--reload exited with ${code}`);
      }
      const hello = await waitForDaemon(instance.paths, 20_000, undefined, (h) => h.pid !== previousPid);
      if (hello === undefined) throw new Error(`no new daemon answered after the ${way}`);
      current = hello.pid;
      await exitOf(previousPid, 30_000);
      const handoverMs = performance.now() - restartAt;
      await sleep(o.settleMs);
      loading = false;
      const results = await load;
      const elapsed = (performance.now() - started) / 1000;
      const outcomes = await Promise.all(long);
      const errors: Record<string, number> = {};
      for (const r of results) if (!r.ok) errors[r.error ?? '?'] = (errors[r.error ?? '?'] ?? 0) + 1;
      rounds.push({
        way,
        previousPid,
        newPid: current,
        handoverMs: round(handoverMs, 1),
        load: { ok: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length, errors, perSecond: round(results.length / elapsed, 0) },
        longFinished: outcomes.filter((r) => r.ok).length,
        longLost: outcomes.filter((r) => !r.ok).map((r) => ({ error: r.error ?? '?', replies: r.replies.length })),
        workerStayedRegistered: !worker.lines.slice(linesBefore).some((l) => l.text.startsWith('UNREGISTERED')),
      });
    }
    return { rounds };
  } finally {
    await worker.kill9();
    try {
      process.kill(current, 'SIGKILL');
    } catch {
      /* gone */
    }
    await first.kill9();
    instance.remove();
  }
}

export function restartCriteria(r: RestartReport): Criterion[] {
  return r.rounds.flatMap((x) => [
    criterion(
      `${x.way}: no client refused, reset or lost`,
      x.load.failed === 0 && x.load.ok > 0,
      `${x.load.ok} sessions ok, ${x.load.failed} failed${x.load.failed > 0 ? ` ${JSON.stringify(x.load.errors)}` : ''}; pid ${x.previousPid} -> ${x.newPid} in ${x.handoverMs} ms`,
    ),
    criterion(
      `${x.way}: the load was at least ${MIN_SESSIONS_PER_SECOND} sessions/s`,
      x.load.perSecond >= MIN_SESSIONS_PER_SECOND,
      `${x.load.perSecond} sessions/s over the round`,
    ),
    criterion(
      `${x.way}: every handed-off session finished, and the worker kept its registration`,
      x.longLost.length === 0 && x.longFinished > 0 && x.workerStayedRegistered,
      `${x.longFinished} finished${x.longLost.length > 0 ? `, lost ${JSON.stringify(x.longLost.slice(0, 3))}` : ''}; registration kept: ${x.workerStayedRegistered}`,
    ),
  ]);
}
