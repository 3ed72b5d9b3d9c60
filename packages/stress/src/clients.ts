/**
 * The client side of the scenarios: well-behaved net.tcp sessions (through the worker SDK's
 * connectSession, as an application would open them), raw byte exchanges for hostile input, and
 * a closed-loop driver that keeps N clients busy.
 *
 * @module
 */

import { connect } from 'node:net';
import { connectSession } from '@portshare/worker';

/** The result of one good client's session. */
export interface SessionOutcome {
  ok: boolean;
  /** Milliseconds from connect to the session's close. */
  ms: number;
  /** Whether the server acknowledged the preamble (the connection was in a worker's hands). */
  acknowledged: boolean;
  /** The error code (WORKER_ERR_*) or message when not ok. */
  error?: string;
  /** The replies, in order. */
  replies: Buffer[];
}

export interface GoodSessionOptions {
  /** Messages to exchange (default 1). */
  messages?: number;
  /** Pause between messages (default 0). */
  gapMs?: number;
  /** Reply prefix expected from the worker, e.g. "A:"; a reply without it fails the session. */
  expectTag?: string;
  /** Limit for connect + preamble + ack (default 5000). */
  openTimeoutMs?: number;
  /** Limit for each reply (default 5000). */
  replyTimeoutMs?: number;
  /** Called once the server acknowledged the preamble (the connection is in a worker's hands). */
  onAck?: () => void;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`${what} took longer than ${ms} ms`), { code: 'TIMEOUT' })), ms);
    }),
  ]);
}

/**
 * One session the way a WCF client has it: connect to 127.0.0.1:port, preamble for
 * net.tcp://localhost:port<path>, PreambleAck, `messages` request/reply exchanges (each reply must
 * be the tag followed by the request), End both ways.
 */
export async function goodSession(port: number, path: string, options: GoodSessionOptions = {}): Promise<SessionOutcome> {
  const started = performance.now();
  const replies: Buffer[] = [];
  let acknowledged = false;
  const messages = options.messages ?? 1;
  try {
    const session = await connectSession(`net.tcp://localhost:${port}${path}`, {
      host: '127.0.0.1',
      port,
      openTimeoutMs: options.openTimeoutMs ?? 5000,
      closeTimeoutMs: 5000,
    });
    acknowledged = true;
    options.onAck?.();
    try {
      const incoming = session[Symbol.asyncIterator]();
      for (let i = 0; i < messages; i++) {
        if (i > 0 && options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
        const request = Buffer.from(`m${i}:${port}${path}`);
        await session.send(request);
        const next = await withTimeout(incoming.next(), options.replyTimeoutMs ?? 5000, 'a reply');
        if (next.done === true) throw Object.assign(new Error('the session ended before the reply'), { code: 'NO_REPLY' });
        const reply = Buffer.from(next.value);
        replies.push(reply);
        const expected = Buffer.concat([Buffer.from(options.expectTag ?? ''), request]);
        if (options.expectTag !== undefined && !reply.equals(expected)) {
          throw Object.assign(new Error(`wrong reply ${JSON.stringify(reply.toString('latin1'))}`), { code: 'WRONG_REPLY' });
        }
      }
      await session.close();
    } catch (err) {
      session.abort();
      throw err;
    }
    return { ok: true, ms: performance.now() - started, acknowledged, replies };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { ok: false, ms: performance.now() - started, acknowledged, error: e.code ?? e.message ?? String(err), replies };
  }
}

/** How a raw connection ended. */
export type RawEnd = 'eof' | 'reset' | 'timeout' | 'refused' | 'error';

export interface RawOutcome {
  /** Everything the server sent. */
  data: Buffer;
  end: RawEnd;
  ms: number;
}

export interface RawExchangeOptions {
  host?: string;
  /** Source address (any 127.x.y.z works on Linux loopback), to spread connections over more ports. */
  localAddress?: string;
  /** Half-close after writing (default true): "this is all the input". */
  endAfterWrite?: boolean;
  /** Give up (and report 'timeout') after this long. Default 10 s. */
  deadlineMs?: number;
  /** Stop collecting once this many bytes arrived. */
  maxBytes?: number;
}

/** Connects, writes `bytes` in one write, and collects the answer until the server closes. */
export function rawExchange(port: number, bytes: Uint8Array, options: RawExchangeOptions = {}): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const socket = connect({
      port,
      host: options.host ?? '127.0.0.1',
      ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
    });
    const finish = (end: RawEnd): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks), end, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish('timeout'), options.deadlineMs ?? 10_000);
    socket.once('connect', () => {
      if (bytes.length > 0) socket.write(bytes);
      if (options.endAfterWrite ?? true) socket.end();
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (options.maxBytes !== undefined && total >= options.maxBytes) finish('eof');
    });
    socket.once('end', () => finish('eof'));
    socket.once('close', () => finish('eof'));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') finish('reset');
      else if (err.code === 'ECONNREFUSED') finish('refused');
      else finish('error');
    });
  });
}

export interface ClosedLoopOptions<T> {
  /** Clients running at once. */
  concurrency: number;
  /** Stop after this many tasks in total… */
  count?: number;
  /** …or once this many milliseconds have passed (no new task starts after it). */
  durationMs?: number;
  /** Also stop when this returns true (checked before each task). */
  stop?: () => boolean;
  task: (index: number) => Promise<T>;
}

/** Runs `task` with `concurrency` clients, each starting its next task when the previous ends. */
export async function closedLoop<T>(options: ClosedLoopOptions<T>): Promise<T[]> {
  const results: T[] = [];
  const until = options.durationMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + options.durationMs;
  const count = options.count ?? Number.POSITIVE_INFINITY;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count && performance.now() < until && options.stop?.() !== true) {
      const index = next++;
      results.push(await options.task(index));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, () => lane()));
  return results;
}
