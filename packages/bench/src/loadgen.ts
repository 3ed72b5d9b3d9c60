import { connect, type Socket } from 'node:net';
import { SampleBuffer } from './stats.js';
import { benchEnvelope, envelopeRun, FAULT, PREAMBLE_ACK } from './wire.js';

/**
 * The load generator's tests, on raw node:net sockets with pre-encoded bytes and
 * process.hrtime.bigint() clocks. It runs in a process of its own (see loadgen-main.ts), so its CPU
 * is not taken from the server under test by the orchestrator.
 */

export interface Target {
  host: string;
  port: number;
  /** The whole preamble, sent in one write as WCF clients do. */
  preamble: Buffer;
}

export interface ConnRateSpec extends Target {
  concurrency: number;
  durationMs: number;
  /** A connection not acknowledged within this time counts as failed. */
  connectTimeoutMs: number;
}

export interface ConnRateResult {
  /** Connections completed after the warm-up (the ones the rate and latencies are from). */
  connections: number;
  /** All completed connections, warm-up included (for CPU per connection). */
  totalConnections: number;
  errors: number;
  seconds: number;
  connPerSec: number;
  setupP50Us: number;
  setupP99Us: number;
}

export interface RttSpec extends Target {
  concurrency: number;
  durationMs: number;
  messageBytes: number;
  connectTimeoutMs: number;
}

export interface RttResult {
  messages: number;
  seconds: number;
  msgPerSec: number;
  p50Us: number;
  p99Us: number;
}

export interface BulkSpec extends Target {
  bytes: number;
  messageBytes: number;
  connectTimeoutMs: number;
  /**
   * No echoed byte for this long (a whole check period, so detected within twice this) ends the
   * test as stalled, with 0 MB/s: a proxy that blocks on a full socket while the worker waits for
   * it to read (sslh-fork does) would otherwise hang the run.
   */
  stallTimeoutMs: number;
}

export interface BulkResult {
  payloadBytes: number;
  seconds: number;
  /** Payload megabytes (10^6) per second, each byte sent and echoed back once; 0 when stalled. */
  mbPerSec: number;
  /** Set when the echo stopped for stallTimeoutMs: the echoed bytes received until then. */
  stalledAfterBytes?: number;
}

const now = (): bigint => process.hrtime.bigint();

/** Warm-up before the clock starts: a tenth of the test, at most one second. */
function warmupMs(durationMs: number): number {
  return Math.min(1000, Math.floor(durationMs / 10));
}

/**
 * Connects and completes the preamble exchange. Resolves with the socket once PreambleAck arrives;
 * rejects on a Fault, EOF, error or timeout.
 */
export function openSession(target: Target, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port, noDelay: true });
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`no PreambleAck within ${timeoutMs} ms`)), timeoutMs);
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once('connect', () => socket.write(target.preamble));
    socket.once('data', (chunk: Buffer) => {
      if (settled) return;
      // A WCF client accepts only PreambleAck (0x0B) or a Fault (0x08) as the first byte
      // (FramingDecoders.cs ValidatePreambleAck); either way anything else is a failed connection.
      if (chunk[0] !== PREAMBLE_ACK) {
        fail(new Error(chunk[0] === FAULT ? 'the server answered with a Fault' : `unexpected record 0x${chunk[0]?.toString(16)}`));
        return;
      }
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners('end');
      socket.removeAllListeners('error');
      // Later errors (the server going away) must not crash the generator.
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('end', () => fail(new Error('the server closed the connection before PreambleAck')));
    socket.once('error', fail);
  });
}

/**
 * Connection rate: `concurrency` loops of connect → preamble → PreambleAck → close, for the test's
 * duration after a warm-up. Setup latency runs from connect() to the ack.
 */
export async function connRate(spec: ConnRateSpec): Promise<ConnRateResult> {
  const samples = new SampleBuffer();
  let errors = 0;
  let connections = 0;
  let totalConnections = 0;
  const t0 = now();
  const measureFrom = t0 + BigInt(warmupMs(spec.durationMs)) * 1_000_000n;
  const stopAt = t0 + BigInt(spec.durationMs) * 1_000_000n;
  let lastDone = measureFrom;
  const loop = async (): Promise<void> => {
    while (now() < stopAt) {
      const start = now();
      try {
        const socket = await openSession(spec, spec.connectTimeoutMs);
        socket.destroy();
        const end = now();
        totalConnections++;
        if (start >= measureFrom) {
          connections++;
          samples.push(Number(end - start) / 1000);
          lastDone = end;
        }
      } catch {
        if (start >= measureFrom) errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, loop));
  const seconds = Number(lastDone - measureFrom) / 1e9;
  const { p50, p99 } = samples.summary();
  return { connections, totalConnections, errors, seconds, connPerSec: seconds > 0 ? connections / seconds : 0, setupP50Us: p50, setupP99Us: p99 };
}

/** Reads exactly `length` bytes per request from a socket that echoes what it gets. */
function pingPong(socket: Socket, message: Buffer, samples: SampleBuffer, measureFrom: bigint, stopAt: bigint): Promise<number> {
  return new Promise((resolve, reject) => {
    let counted = 0;
    let pending = message.length;
    let t = now();
    const send = (): void => {
      t = now();
      pending = message.length;
      socket.write(message);
    };
    socket.on('data', (chunk: Buffer) => {
      pending -= chunk.length;
      if (pending > 0) return;
      if (pending < 0) {
        reject(new Error(`the echo returned ${-pending} bytes more than were sent`));
        return;
      }
      const end = now();
      if (t >= measureFrom) {
        samples.push(Number(end - t) / 1000);
        counted++;
      }
      if (end < stopAt) send();
      else resolve(counted);
    });
    socket.once('close', () => reject(new Error('the connection closed during the round-trip test')));
    send();
  });
}

/** Round trips of one SizedEnvelope on `concurrency` established sessions. */
export async function roundTrip(spec: RttSpec): Promise<RttResult> {
  const sockets = await Promise.all(Array.from({ length: spec.concurrency }, () => openSession(spec, spec.connectTimeoutMs)));
  const message = benchEnvelope(spec.messageBytes);
  const samples = new SampleBuffer();
  const t0 = now();
  const measureFrom = t0 + BigInt(warmupMs(spec.durationMs)) * 1_000_000n;
  const stopAt = t0 + BigInt(spec.durationMs) * 1_000_000n;
  try {
    const counts = await Promise.all(sockets.map((s) => pingPong(s, message, samples, measureFrom, stopAt)));
    const seconds = Number(now() - measureFrom) / 1e9;
    const messages = counts.reduce((a, b) => a + b, 0);
    const { p50, p99 } = samples.summary();
    return { messages, seconds, msgPerSec: messages / seconds, p50Us: p50, p99Us: p99 };
  } finally {
    for (const s of sockets) {
      s.removeAllListeners('close');
      s.destroy();
    }
  }
}

/** Bulk: `bytes` of payload in envelopes, written with backpressure while the echo is read back. */
export async function bulk(spec: BulkSpec): Promise<BulkResult> {
  const socket = await openSession(spec, spec.connectTimeoutMs);
  const perWrite = Math.max(1, Math.floor((1024 * 1024) / spec.messageBytes));
  const chunk = envelopeRun(spec.messageBytes, perWrite);
  const envelopeLength = chunk.length / perWrite;
  const envelopes = Math.ceil(spec.bytes / spec.messageBytes);
  const expected = envelopes * envelopeLength;
  const t0 = now();
  let stalledAfterBytes: number | undefined;
  let stallCheck: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let received = 0;
      // One check per stallTimeoutMs, nothing per chunk: the echo stalled when a whole period
      // passed without a byte.
      let receivedAtLastCheck = 0;
      stallCheck = setInterval(() => {
        if (received === receivedAtLastCheck) {
          stalledAfterBytes = received;
          resolve();
        }
        receivedAtLastCheck = received;
      }, spec.stallTimeoutMs);
      socket.on('data', (c: Buffer) => {
        received += c.length;
        if (received >= expected) resolve();
      });
      socket.once('close', () => reject(new Error(`the connection closed after ${received} of ${expected} echoed bytes`)));
      let left = envelopes;
      const write = (): void => {
        while (left > 0) {
          const n = Math.min(left, perWrite);
          left -= n;
          const ok = socket.write(n === perWrite ? chunk : chunk.subarray(0, n * envelopeLength));
          if (!ok) {
            socket.once('drain', write);
            return;
          }
        }
      };
      write();
    });
  } finally {
    clearInterval(stallCheck);
    socket.removeAllListeners('close');
    socket.destroy();
  }
  const seconds = Number(now() - t0) / 1e9;
  const payloadBytes = envelopes * spec.messageBytes;
  if (stalledAfterBytes !== undefined) return { payloadBytes, seconds, mbPerSec: 0, stalledAfterBytes };
  return { payloadBytes, seconds, mbPerSec: payloadBytes / 1e6 / seconds };
}

export interface IdleSpec extends Target {
  connections: number;
  openConcurrency: number;
  connectTimeoutMs: number;
}

export interface IdleHold {
  open: number;
  errors: number;
  /** Closes every held connection. */
  release(): void;
}

/** Opens `connections` acknowledged sessions, `openConcurrency` at a time, and holds them. */
export async function holdIdle(spec: IdleSpec): Promise<IdleHold> {
  const held: Socket[] = [];
  let errors = 0;
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < spec.connections) {
      next++;
      try {
        held.push(await openSession(spec, spec.connectTimeoutMs));
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.openConcurrency }, loop));
  return {
    open: held.length,
    errors,
    release: () => {
      for (const s of held) s.destroy();
    },
  };
}
