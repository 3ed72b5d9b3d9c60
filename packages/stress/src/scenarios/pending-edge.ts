/**
 * Scenario: the daemon's admission limits at their edges (the design is in the class comment of
 * packages/service/src/connection-pipeline.ts, the settings in packages/service/README.md):
 *
 * - exactly maxPendingConnections silent connections held. deferAcceptSeconds is 0 here: with
 *   TCP_DEFER_ACCEPT on (tcp(7)) the kernel would keep a silent connection from the daemon for
 *   about a second, and the times below would be the kernel's, not the daemon's;
 * - with every slot taken by connections younger than pendingEvictionMinAgeMs, a newcomer is
 *   accepted on probation: its whole preamble in its first write, it is handed off at once without
 *   a slot; only part of it, it is closed at once without a byte; nothing, it is closed without a
 *   byte once its probation is over; each of the two counted as a dispatch failure, and no held
 *   connection disturbed;
 * - the held ones cut at receiveTimeout; a routing point reached just before it handed off, just
 *   after it cut;
 * - a newcomer on probation without its routing point takes the slot of the oldest pending
 *   connection once that one is pendingEvictionMinAgeMs old, and not before;
 * - routed connections waiting for a worker that takes none (stopped) capped at
 *   maxPendingConnections: then the daemon stops accepting, and the next clients wait in the
 *   listen backlog, not accepted and not aborted, until the worker takes its hand-offs.
 *
 * @module
 */

import type { Socket } from 'node:net';
import { connect } from 'node:net';
import { StressError, StressErrorCodes } from '../errors.js';
import { preamble } from '../fuzz/wire.js';
import { Daemon, Instance } from '../instance.js';
import { criterion, type Criterion } from '../report.js';
import { freePort, intOption, round, sleep, waitFor } from '../util.js';
import { SessionWorker } from '../workers.js';
import { RECEIVE_TIMEOUT_SLACK_MS } from './slow-clients.js';

export interface PendingEdgeOptions {
  maxPendingConnections: number;
  receiveTimeoutMs: number;
  /** How far before/after receiveTimeout the edge preambles complete. */
  edgeMarginMs: number;
  /** How long the clients past the hand-off limit are watched while the worker takes nothing. */
  waitMs: number;
  /** pendingEvictionMinAgeMs for the eviction edge (the daemon's default is 1000). */
  evictionMinAgeMs: number;
}

export const PendingEdgeDefaults: PendingEdgeOptions = { maxPendingConnections: 100, receiveTimeoutMs: 2000, edgeMarginMs: 400, waitMs: 500, evictionMinAgeMs: 1000 };

/**
 * How soon a connection must be answered to count as "at once" (a few event-loop turns; the
 * daemon decides on a newcomer's first read, within its accept).
 */
export const AT_ONCE_MS = 200;

/**
 * How long a connection on probation that brought no bytes keeps its place: PROBATION_MS in
 * packages/service/src/connection-pipeline.ts (not a setting), checked by the pipeline's sweep,
 * every min(250 ms, receiveTimeout / 4).
 */
export const PROBATION_MS = 200;
/** Slack for timers and for the clocks of two processes when judging the edges. */
export const EDGE_SLACK_MS = 50;
/** The eviction edge's late newcomer sends the rest of its preamble this long after the first part. */
const LATE_REST_AFTER_MS = 300;
/** Clients opened once the hand-off limit is reached, to watch in the listen backlog. */
const PAST_HANDOFF_LIMIT = 10;

/** What one watched client got. */
export interface ClientFate {
  /** PreambleAck (0x0B) from the worker. */
  acknowledged: boolean;
  bytes: number;
  closed: boolean;
  /** ms from just before connect() to the first byte, or else to the close (NaN: neither yet). */
  answeredMs: number;
}

export interface PendingEdgeReport {
  maxPendingConnections: number;
  receiveTimeoutMs: number;
  evictionMinAgeMs: number;
  /** Silent connections held when exactly maxPendingConnections were opened. */
  pendingAtLimit: number;
  /**
   * Newcomers while every slot is held by silent connections and eviction is off (so every held
   * one is younger than pendingEvictionMinAgeMs): a whole preamble, all but its last two bytes
   * (the encoding, the routing point of a duplex preamble, and PreambleEnd), nothing.
   */
  whileFull: {
    whole: ClientFate;
    partial: ClientFate;
    silent: ClientFate;
    /** Pending connections once they were answered, and held ones closed by then. */
    pendingAfter: number;
    heldClosed: number;
    dispatchFailures: number;
    protocolFailures: number;
  };
  /** The held ones, cut by receiveTimeout after [min, max] ms (from just before connect()). */
  heldCutMs: [number, number];
  /** A preamble completed receiveTimeout − margin after connecting: acknowledged by the worker? */
  beforeTimeoutAcknowledged: boolean;
  /** One completed receiveTimeout + margin after connecting: what it got, and when it was closed. */
  afterTimeout: { bytes: number; closedMs: number };
  /**
   * With pendingEvictionMinAgeMs on, every slot taken by silent connections: a newcomer sending
   * part of its preamble while they are younger than that (early), then one once they are older
   * (late), which sends the rest LATE_REST_AFTER_MS later. Times in ms after the first silent
   * connection was opened (just before its connect()).
   */
  eviction: {
    early: ClientFate;
    /** The held ones' age, at most, when the early newcomer was closed; held ones closed by then. */
    earlyAgeMs: number;
    evictedByEarly: number;
    lateAtMs: number;
    acknowledged: boolean;
    servedAtMs: number;
    /** Silent connections closed by the daemon by the time the late newcomer was served, when, and the bytes they got. */
    evicted: number;
    evictedAtMs: number[];
    evictedBytes: number;
  };
  /**
   * A worker that takes nothing (SIGSTOP), its clients sending whole preambles: the hand-offs its
   * kernel queue took, those waiting in the daemon once they reached maxPendingConnections, and
   * what happened to PAST_HANDOFF_LIMIT more clients in `waitedMs` (waiting in the daemon at its
   * end), then once the worker resumed.
   */
  handOffs: {
    routed: number;
    takenByKernel: number;
    waitingInDaemon: number;
    waitedMs: number;
    acceptedWhileFull: number;
    pendingWhileFull: number;
    waitingInDaemonAfter: number;
    pastLimit: ClientFate[];
    failuresCounted: number;
    /** Of every client sent to the stopped worker, acknowledged once it resumed. */
    acknowledgedAfterResume: number;
    clients: number;
    /** The last of the clients past the limit served this long after the worker resumed. */
    servedAfterResumeMs: number;
  };
}

/** A client connection whose every byte and close is recorded. */
interface Watched {
  socket: Socket;
  /**
   * Just before connect(): the daemon cannot accept the connection earlier, so times after it are
   * never shorter than the daemon's own (the 'connect' event can come later than the daemon's
   * accept when this process is busy).
   */
  startedAt: number;
  data: Buffer[];
  firstByteAt: number | undefined;
  closedAt: number | undefined;
  /** Resolves at the first byte or the close, whichever comes first. */
  answered: Promise<void>;
}

/**
 * Connects and writes `bytes` (nothing when empty) at once, and `rest` `restAfterMs` later;
 * resolves once connected.
 */
function openWatched(port: number, bytes: Buffer, rest?: { bytes: Buffer; afterMs: number }): Promise<Watched> {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    const socket = connect({ port, host: '127.0.0.1' });
    let answer: () => void = () => {};
    const w: Watched = { socket, startedAt, data: [], firstByteAt: undefined, closedAt: undefined, answered: new Promise((r) => (answer = r)) };
    socket.on('error', () => {});
    socket.on('data', (c: Buffer) => {
      w.firstByteAt ??= performance.now();
      w.data.push(c);
      answer();
    });
    socket.once('close', () => {
      w.closedAt = performance.now();
      answer();
    });
    socket.once('connect', () => {
      if (bytes.length > 0) socket.write(bytes);
      if (rest !== undefined) {
        setTimeout(() => {
          if (socket.writable) socket.write(rest.bytes);
        }, rest.afterMs);
      }
      resolve(w);
    });
  });
}

const bytesOf = (w: Watched): number => w.data.reduce((n, c) => n + c.length, 0);

function fate(w: Watched): ClientFate {
  const at = w.firstByteAt ?? w.closedAt;
  return {
    acknowledged: w.data[0]?.[0] === 0x0b,
    bytes: bytesOf(w),
    closed: w.closedAt !== undefined,
    answeredMs: at === undefined ? Number.NaN : round(at - w.startedAt, 1),
  };
}

/** Waits until `w` is answered (a byte or the close), at most `ms`. */
const answeredWithin = (w: Watched, ms: number): Promise<unknown> => Promise.race([w.answered, sleep(ms)]);

/**
 * Sends a duplex preamble whose routing point (the encoding byte, docs/protocol.md §2 step 4) is
 * held back until `lastByteAtMs` after connecting; collects the answer.
 */
function lateCompletion(port: number, bytes: Buffer, lastByteAtMs: number): Promise<{ data: Buffer; closedMs: number }> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let at = 0;
    socket.on('error', () => {});
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      socket.destroy();
    });
    socket.once('connect', () => {
      at = performance.now();
      // The preamble ends `03 <encoding> 0C`: everything before the encoding byte goes now.
      socket.write(bytes.subarray(0, bytes.length - 2));
      setTimeout(() => {
        if (socket.writable) socket.write(bytes.subarray(bytes.length - 2));
      }, lastByteAtMs);
    });
    socket.once('close', () => resolve({ data: Buffer.concat(chunks), closedMs: performance.now() - at }));
  });
}

async function fillTable(daemon: Daemon, port: number, count: number, sockets: Socket[]): Promise<{ held: Watched[]; pending: number }> {
  const held = await Promise.all(Array.from({ length: count }, () => openWatched(port, Buffer.alloc(0))));
  sockets.push(...held.map((h) => h.socket));
  const pending = await waitFor(
    'the daemon to hold every silent connection',
    async () => {
      const p = (await daemon.status()).pendingConnections;
      return p >= count ? p : undefined;
    },
    5000,
  );
  return { held, pending };
}

interface Phase {
  instance: Instance;
  daemon: Daemon;
  worker: SessionWorker;
}

async function startPhase(uri: string, config: Record<string, unknown>, maxConcurrentSessions?: number): Promise<Phase> {
  const instance = Instance.create(config);
  let daemon: Daemon | undefined;
  try {
    daemon = await Daemon.start(instance);
    const worker = await SessionWorker.start(instance, { uri, tag: 'G:', ...(maxConcurrentSessions !== undefined ? { maxConcurrentSessions } : {}) });
    return { instance, daemon, worker };
  } catch (err) {
    await daemon?.kill9();
    instance.remove();
    throw err;
  }
}

async function endPhase(phase: Phase | undefined): Promise<void> {
  if (phase === undefined) return;
  await phase.worker.kill9();
  await phase.daemon.kill9();
  phase.instance.remove();
}

export async function runPendingEdge(partial: Partial<PendingEdgeOptions> = {}): Promise<PendingEdgeReport> {
  const o = { ...PendingEdgeDefaults, ...partial };
  intOption('maxPendingConnections', o.maxPendingConnections, 1, 10_000);
  intOption('evictionMinAgeMs', o.evictionMinAgeMs, 1, o.receiveTimeoutMs - 500);
  const port = await freePort();
  const uri = `net.tcp://localhost:${port}/good`;
  const valid = preamble({ via: `${uri}/edge` });
  // A duplex preamble ends `03 <encoding> 0C`: without the last two bytes it has no routing point.
  const head = valid.subarray(0, valid.length - 2);
  const tail = valid.subarray(valid.length - 2);
  const sockets: Socket[] = [];
  let phase: Phase | undefined;
  try {
    // 1. Eviction off (pendingEvictionMinAgeMs past receiveTimeout, SMSvcHost's behaviour), so
    // every held connection stays younger than it: newcomers on probation.
    phase = await startPhase(uri, {
      maxPendingConnections: o.maxPendingConnections,
      receiveTimeoutMs: o.receiveTimeoutMs,
      pendingEvictionMinAgeMs: o.receiveTimeoutMs * 10,
      deferAcceptSeconds: 0,
      listenBacklog: 1024,
    });
    let { daemon } = phase;
    const { held, pending: pendingAtLimit } = await fillTable(daemon, port, o.maxPendingConnections, sockets);
    const before = (await daemon.status()).counters;
    const [whole, partialOne, silent] = await Promise.all([openWatched(port, valid), openWatched(port, head), openWatched(port, Buffer.alloc(0))]);
    sockets.push(whole.socket, partialOne.socket, silent.socket);
    await Promise.all([whole, partialOne, silent].map((w) => answeredWithin(w, 3000)));
    const afterNewcomers = await daemon.status();
    const whileFull = {
      whole: fate(whole),
      partial: fate(partialOne),
      silent: fate(silent),
      pendingAfter: afterNewcomers.pendingConnections,
      heldClosed: held.filter((h) => h.closedAt !== undefined).length,
      dispatchFailures: afterNewcomers.counters.dispatchFailures - before.dispatchFailures,
      protocolFailures: afterNewcomers.counters.protocolFailures - before.protocolFailures,
    };
    whole.socket.destroy();
    await Promise.all(held.map((h) => h.answered));
    const cut = held.map((h) => (h.closedAt as number) - h.startedAt);
    const [early, late] = await Promise.all([
      lateCompletion(port, valid, o.receiveTimeoutMs - o.edgeMarginMs),
      lateCompletion(port, valid, o.receiveTimeoutMs + o.edgeMarginMs),
    ]);
    await endPhase(phase);
    phase = undefined;

    // 2. Eviction on: a newcomer without its routing point is closed while the held ones are
    // younger than evictionMinAgeMs, and takes the oldest one's slot once they are older.
    phase = await startPhase(uri, {
      maxPendingConnections: o.maxPendingConnections,
      receiveTimeoutMs: o.receiveTimeoutMs,
      pendingEvictionMinAgeMs: o.evictionMinAgeMs,
      deferAcceptSeconds: 0,
    });
    daemon = phase.daemon;
    const table = await fillTable(daemon, port, o.maxPendingConnections, sockets);
    const firstAt = Math.min(...table.held.map((h) => h.startedAt));
    const earlyOne = await openWatched(port, head);
    sockets.push(earlyOne.socket);
    await answeredWithin(earlyOne, 3000);
    const earlyAt = earlyOne.closedAt ?? performance.now();
    const evictedByEarly = table.held.filter((h) => h.closedAt !== undefined).length;
    await sleep(Math.max(0, firstAt + o.evictionMinAgeMs + 200 - performance.now()));
    const lateOne = await openWatched(port, head, { bytes: tail, afterMs: LATE_REST_AFTER_MS });
    sockets.push(lateOne.socket);
    await answeredWithin(lateOne, LATE_REST_AFTER_MS + 3000);
    const servedAt = lateOne.firstByteAt ?? Number.NaN;
    const evicted = table.held.filter((h) => h.closedAt !== undefined && h.closedAt <= servedAt);
    const eviction = {
      early: fate(earlyOne),
      earlyAgeMs: round(earlyAt - firstAt, 1),
      evictedByEarly,
      lateAtMs: round(lateOne.startedAt - firstAt, 1),
      acknowledged: lateOne.data[0]?.[0] === 0x0b,
      servedAtMs: round(servedAt - firstAt, 1),
      evicted: evicted.length,
      evictedAtMs: evicted.map((h) => round((h.closedAt as number) - firstAt, 1)),
      evictedBytes: evicted.reduce((n, h) => n + bytesOf(h), 0),
    };
    for (const s of sockets.splice(0)) s.destroy();
    await endPhase(phase);
    phase = undefined;

    // 3. The hand-off limit: the worker stopped, receiveTimeout and workerStallTimeoutMs long
    // enough that nothing is withdrawn meanwhile, and the worker's own session throttle
    // (maxConcurrentSessions, 100 per core by default) above every client sent, which all keep
    // their sessions open.
    phase = await startPhase(
      uri,
      { maxPendingConnections: o.maxPendingConnections, receiveTimeoutMs: 120_000, workerStallTimeoutMs: 120_000, listenBacklog: 4096 },
      100_000,
    );
    daemon = phase.daemon;
    phase.worker.signal('SIGSTOP');
    const sent: Watched[] = [];
    const s0 = await daemon.status();
    const fillStarted = performance.now();
    for (;;) {
      const reg = (await daemon.status()).registrations[0];
      if ((reg?.queueLength ?? 0) >= o.maxPendingConnections) break;
      if (sent.length >= 20_000 || performance.now() - fillStarted > 30_000) {
        throw new StressError(
          StressErrorCodes.Timeout,
          `The stopped worker's hand-offs waiting in the daemon did not reach ${o.maxPendingConnections} after ${sent.length} clients (${reg?.queueLength ?? 0} waiting).`,
        );
      }
      const batch = await Promise.all(Array.from({ length: 25 }, () => openWatched(port, valid)));
      sent.push(...batch);
      sockets.push(...batch.map((w) => w.socket));
      await sleep(20);
    }
    const atLimit = await daemon.status();
    const regAtLimit = atLimit.registrations[0];
    const past = await Promise.all(Array.from({ length: PAST_HANDOFF_LIMIT }, () => openWatched(port, valid)));
    sockets.push(...past.map((w) => w.socket));
    await sleep(o.waitMs);
    const mid = await daemon.status();
    const pastWhileFull = past.map(fate);
    const resumedAt = performance.now();
    phase.worker.signal('SIGCONT');
    const everyone = [...sent, ...past];
    await Promise.all(everyone.map((w) => answeredWithin(w, 15_000)));
    const handOffs = {
      routed: atLimit.counters.connectionsAccepted - s0.counters.connectionsAccepted,
      takenByKernel: regAtLimit?.dispatched ?? 0,
      waitingInDaemon: regAtLimit?.queueLength ?? 0,
      waitedMs: o.waitMs,
      acceptedWhileFull: mid.counters.connectionsAccepted - atLimit.counters.connectionsAccepted,
      pendingWhileFull: mid.pendingConnections,
      waitingInDaemonAfter: mid.registrations[0]?.queueLength ?? 0,
      pastLimit: pastWhileFull,
      failuresCounted:
        mid.counters.dispatchFailures + mid.counters.protocolFailures - atLimit.counters.dispatchFailures - atLimit.counters.protocolFailures,
      acknowledgedAfterResume: everyone.filter((w) => w.data[0]?.[0] === 0x0b).length,
      clients: everyone.length,
      servedAfterResumeMs: round(Math.max(...past.map((w) => (w.firstByteAt ?? Number.NaN) - resumedAt)), 1),
    };

    return {
      maxPendingConnections: o.maxPendingConnections,
      receiveTimeoutMs: o.receiveTimeoutMs,
      evictionMinAgeMs: o.evictionMinAgeMs,
      pendingAtLimit,
      whileFull,
      heldCutMs: [Math.round(Math.min(...cut)), Math.round(Math.max(...cut))],
      beforeTimeoutAcknowledged: early.data.length > 0 && early.data[0] === 0x0b,
      afterTimeout: { bytes: late.data.length, closedMs: Math.round(late.closedMs) },
      eviction,
      handOffs,
    };
  } finally {
    for (const s of sockets) s.destroy();
    await endPhase(phase);
  }
}

const closedUnanswered = (f: ClientFate): boolean => f.closed && f.bytes === 0;

export function pendingEdgeCriteria(r: PendingEdgeReport): Criterion[] {
  const w = r.whileFull;
  const e = r.eviction;
  const h = r.handOffs;
  const show = (f: ClientFate): string => (f.acknowledged ? `acknowledged after ${f.answeredMs} ms` : `${f.bytes} bytes, ${f.closed ? `closed after ${f.answeredMs} ms` : 'still open'}`);
  return [
    criterion('exactly maxPendingConnections held', r.pendingAtLimit === r.maxPendingConnections, `${r.pendingAtLimit} held (limit ${r.maxPendingConnections})`),
    criterion(
      'when full, a newcomer with its whole preamble is handed off at once, without a slot',
      w.whole.acknowledged && w.whole.answeredMs < AT_ONCE_MS && w.pendingAfter === r.maxPendingConnections && w.heldClosed === 0,
      `${show(w.whole)}; ${w.pendingAfter} pending after (limit ${r.maxPendingConnections}), ${w.heldClosed} held ones closed`,
    ),
    criterion(
      'when full of younger connections, one with part of its preamble is closed at once without a byte, a silent one after its probation',
      closedUnanswered(w.partial) &&
        w.partial.answeredMs < AT_ONCE_MS &&
        closedUnanswered(w.silent) &&
        w.silent.answeredMs >= PROBATION_MS - EDGE_SLACK_MS &&
        w.silent.answeredMs <= PROBATION_MS + 250 + 500 &&
        w.dispatchFailures === 2 &&
        w.protocolFailures === 0 &&
        w.heldClosed === 0,
      `part of a preamble: ${show(w.partial)}; nothing: ${show(w.silent)} (probation ${PROBATION_MS} ms); ${w.dispatchFailures} dispatch and ${w.protocolFailures} protocol failures counted, ${w.heldClosed} held ones closed`,
    ),
    criterion(
      'held ones cut at receiveTimeout',
      r.heldCutMs[0] >= r.receiveTimeoutMs - EDGE_SLACK_MS && r.heldCutMs[1] <= r.receiveTimeoutMs + RECEIVE_TIMEOUT_SLACK_MS,
      `cut after ${r.heldCutMs[0]}–${r.heldCutMs[1]} ms (receiveTimeout ${r.receiveTimeoutMs} ms)`,
    ),
    criterion(
      'routing point before receiveTimeout: handed off; after: cut',
      r.beforeTimeoutAcknowledged && r.afterTimeout.bytes === 0 && r.afterTimeout.closedMs < r.receiveTimeoutMs + RECEIVE_TIMEOUT_SLACK_MS,
      `before: acknowledged ${r.beforeTimeoutAcknowledged}; after: ${r.afterTimeout.bytes} bytes, closed at ${r.afterTimeout.closedMs} ms`,
    ),
    criterion(
      'a newcomer without its routing point evicts the oldest pending connection at pendingEvictionMinAgeMs, not before',
      closedUnanswered(e.early) &&
        e.earlyAgeMs < r.evictionMinAgeMs - EDGE_SLACK_MS &&
        e.evictedByEarly === 0 &&
        e.acknowledged &&
        e.evicted === 1 &&
        e.evictedBytes === 0 &&
        (e.evictedAtMs[0] ?? 0) >= r.evictionMinAgeMs - EDGE_SLACK_MS &&
        (e.evictedAtMs[0] ?? Number.POSITIVE_INFINITY) - e.lateAtMs < AT_ONCE_MS,
      `at ${e.earlyAgeMs} ms (pendingEvictionMinAgeMs ${r.evictionMinAgeMs}): ${show(e.early)}, ${e.evictedByEarly} evicted; at ${e.lateAtMs} ms: ${e.evicted} evicted at ${e.evictedAtMs.join(', ')} ms with ${e.evictedBytes} bytes, the newcomer acknowledged ${e.acknowledged} at ${e.servedAtMs} ms`,
    ),
    criterion(
      'hand-offs waiting for a stopped worker reach maxPendingConnections and the daemon stops accepting; the next clients wait in the listen backlog: not accepted, not aborted',
      h.waitingInDaemon >= r.maxPendingConnections &&
        h.acceptedWhileFull === 0 &&
        h.failuresCounted === 0 &&
        h.pastLimit.every((f) => f.bytes === 0 && !f.closed),
      `${h.routed} routed: ${h.takenByKernel} taken by the kernel, ${h.waitingInDaemon} waiting in the daemon (limit ${r.maxPendingConnections}); in ${h.waitedMs} ms after: ${h.acceptedWhileFull} accepted, ${h.waitingInDaemonAfter} waiting, ${h.failuresCounted} failures counted; the ${h.pastLimit.length} clients past the limit: ${h.pastLimit.filter((f) => f.bytes > 0).length} answered, ${h.pastLimit.filter((f) => f.closed).length} closed`,
    ),
    // The documented bound (packages/service/README.md, maxPendingConnections): accepting stops
    // at maxPendingConnections hand-offs waiting; the connections still being read then may join
    // them, never past the per-worker queue limit (12 × maxPendingConnections).
    criterion(
      'hand-offs waiting for the worker stay under the per-worker queue limit',
      h.waitingInDaemon <= 12 * r.maxPendingConnections && h.waitingInDaemonAfter <= 12 * r.maxPendingConnections,
      `${h.waitingInDaemon} waiting when the daemon stopped accepting, ${h.waitingInDaemonAfter} ${h.waitedMs} ms later (accepting stops at ${r.maxPendingConnections}; queue limit ${12 * r.maxPendingConnections})`,
    ),
    criterion(
      'and every one is served once the worker takes its hand-offs',
      h.acknowledgedAfterResume === h.clients,
      `${h.acknowledgedAfterResume}/${h.clients} acknowledged; the last of those past the limit ${h.servedAfterResumeMs} ms after the worker resumed`,
    ),
  ];
}
