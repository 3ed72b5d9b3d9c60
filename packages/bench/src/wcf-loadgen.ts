import { type ClientSecurityOptions, connectSession } from '@portshare/worker';
import { createClient } from '@portshare/soap';
import { ICalculator, IStream, IWork } from './calculator.js';
import type { WcfMeasure } from './results.js';
import { SampleBuffer } from './stats.js';

export interface WcfSpec {
  via: string;
  host: string;
  port: number;
  concurrency: number;
  durationMs: number;
  /**
   * 'calls' (default): Add calls/s on open sessions. 'setup': sessions opened and closed per
   * second, one after another in each of `concurrency` loops. 'callbacks': one-way callbacks/s a
   * duplex service sends (Stream(500) in a loop on each session). 'work': IWork.Work(WORK_HASHES)
   * calls/s, as 'calls' otherwise.
   */
  measure?: WcfMeasure;
  /** Transport security: the CA (PEM) that issued the service certificate. */
  ca?: string;
}

export interface WcfResult {
  calls: number;
  seconds: number;
  callsPerSec: number;
  p50Us: number;
  p99Us: number;
}

const now = (): bigint => process.hrtime.bigint();

/** The measured stretch of a run: the first tenth (at most 1 s) warms up and is not counted. */
class MeasuredWindow {
  readonly stopAt: bigint;
  readonly #from: bigint;
  readonly #samples = new SampleBuffer();
  #count = 0;

  constructor(durationMs: number) {
    const t0 = now();
    this.#from = t0 + BigInt(Math.min(1000, Math.floor(durationMs / 10))) * 1_000_000n;
    this.stopAt = t0 + BigInt(durationMs) * 1_000_000n;
  }

  /** Counts `n` items of an iteration that started at `t` and took `elapsed` ns, unless it started in the warm-up. */
  record(t: bigint, elapsed: bigint, n = 1): void {
    if (t < this.#from) return;
    this.#samples.push(Number(elapsed) / 1000);
    this.#count += n;
  }

  result(): WcfResult {
    const seconds = Number(this.stopAt - this.#from) / 1e9;
    const { p50, p99 } = this.#samples.summary();
    return { calls: this.#count, seconds, callsPerSec: this.#count / seconds, p50Us: p50, p99Us: p99 };
  }
}

/**
 * WCF calls/s: `concurrency` sessions, each calling ICalculator.Add (or IWork.Work) in a loop
 * through the SDK's client session and the message layer, as a WCF client would (one outstanding
 * call per session).
 */
export async function wcfCalls(spec: WcfSpec): Promise<WcfResult> {
  if (spec.measure === 'setup') return sessionSetup(spec);
  if (spec.measure === 'callbacks') return callbacks(spec);
  const sessions = await Promise.all(Array.from({ length: spec.concurrency }, () => open(spec)));
  const window = new MeasuredWindow(spec.durationMs);
  try {
    await Promise.all(
      sessions.map(async (session, i) => {
        const call = spec.measure === 'work' ? workCall(session) : addCall(session, i);
        for (let n = 0; ; n++) {
          const t = now();
          if (t >= window.stopAt) break;
          await call(n);
          window.record(t, now() - t);
        }
      }),
    );
  } finally {
    await Promise.all(sessions.map((s) => s.close().catch(() => s.abort())));
  }
  return window.result();
}

type Session = Awaited<ReturnType<typeof connectSession>>;

function addCall(session: Session, i: number): (n: number) => Promise<void> {
  const calc = createClient(ICalculator, session);
  return async (n) => {
    const sum = await calc.Add(i, n);
    if (sum !== i + n) throw new Error(`Add(${i}, ${n}) returned ${sum}`);
  };
}

/** SHA-256 rounds over 4 KiB per Work call: about 0.2 ms of the service's CPU on this machine class. */
export const WORK_HASHES = 50;

function workCall(session: Session): () => Promise<void> {
  const worker = createClient(IWork, session);
  return async () => {
    const n = await worker.Work(WORK_HASHES);
    if (n !== WORK_HASHES) throw new Error(`Work(${WORK_HASHES}) returned ${n}`);
  };
}

// One security object for the whole run: connectSession loads its CAs once per object and resumes
// TLS sessions made with it, as a long-lived WCF client does.
const securityOf = new Map<string, ClientSecurityOptions>();

function open(spec: WcfSpec): ReturnType<typeof connectSession> {
  let security: ClientSecurityOptions | undefined;
  if (spec.ca !== undefined) {
    security = securityOf.get(spec.ca);
    if (security === undefined) {
      security = { ca: spec.ca };
      securityOf.set(spec.ca, security);
    }
  }
  return connectSession(spec.via, { host: spec.host, port: spec.port, ...(security === undefined ? {} : { security }) });
}

/**
 * Session setup: connect, preamble (and with `ca` the TLS upgrade and handshake), PreambleAck,
 * one Add call, End both ways; `calls` counts the sessions, the latencies are from connect to the
 * first reply.
 */
async function sessionSetup(spec: WcfSpec): Promise<WcfResult> {
  const window = new MeasuredWindow(spec.durationMs);
  await Promise.all(
    Array.from({ length: spec.concurrency }, async (_, i) => {
      for (let n = 0; ; n++) {
        const t = now();
        if (t >= window.stopAt) break;
        const session = await open(spec);
        const sum = await createClient(ICalculator, session).Add(i, n);
        if (sum !== i + n) throw new Error(`Add(${i}, ${n}) returned ${sum}`);
        const elapsed = now() - t;
        await session.close();
        window.record(t, elapsed);
      }
    }),
  );
  return window.result();
}

/** Callbacks per stream call: enough that a call's own round trip is a small part of it. */
const STREAM_LENGTH = 500;

/** Duplex callbacks: each session calls Stream(500) in a loop and counts the ticks it is sent. */
async function callbacks(spec: WcfSpec): Promise<WcfResult> {
  const window = new MeasuredWindow(spec.durationMs);
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      let received = 0;
      const session = await open(spec);
      const proxy = createClient(IStream, session, { callback: { Tick: () => void received++ } });
      try {
        for (;;) {
          const t = now();
          if (t >= window.stopAt) break;
          const before = received;
          const n = await proxy.Stream(STREAM_LENGTH);
          // The callbacks were all sent before the reply; the last ones may still be in the
          // client's queue (replies are delivered at once, callbacks one at a time).
          for (let spins = 0; received - before < STREAM_LENGTH && spins < 10_000; spins++) await new Promise(setImmediate);
          if (n !== STREAM_LENGTH || received - before !== STREAM_LENGTH) {
            throw new Error(`Stream(${STREAM_LENGTH}) returned ${n} after ${received - before} callbacks`);
          }
          window.record(t, now() - t, STREAM_LENGTH);
        }
      } finally {
        await session.close().catch(() => session.abort());
      }
    }),
  );
  return window.result();
}
