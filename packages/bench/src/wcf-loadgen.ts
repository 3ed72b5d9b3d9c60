import { connectSession } from '@portshare/worker';
import { createClient } from '@portshare/soap';
import { ICalculator } from './calculator.js';
import { SampleBuffer } from './stats.js';

export interface WcfSpec {
  via: string;
  host: string;
  port: number;
  concurrency: number;
  durationMs: number;
}

export interface WcfResult {
  calls: number;
  seconds: number;
  callsPerSec: number;
  p50Us: number;
  p99Us: number;
}

const now = (): bigint => process.hrtime.bigint();

/**
 * WCF calls/s: `concurrency` sessions, each calling ICalculator.Add in a loop through the SDK's
 * client session and the message layer, as a WCF client would (one outstanding call per session).
 */
export async function wcfCalls(spec: WcfSpec): Promise<WcfResult> {
  const sessions = await Promise.all(
    Array.from({ length: spec.concurrency }, () => connectSession(spec.via, { host: spec.host, port: spec.port })),
  );
  const samples = new SampleBuffer();
  const t0 = now();
  const measureFrom = t0 + BigInt(Math.min(1000, Math.floor(spec.durationMs / 10))) * 1_000_000n;
  const stopAt = t0 + BigInt(spec.durationMs) * 1_000_000n;
  let calls = 0;
  try {
    await Promise.all(
      sessions.map(async (session, i) => {
        const calc = createClient(ICalculator, session);
        for (let n = 0; ; n++) {
          const t = now();
          if (t >= stopAt) break;
          const sum = await calc.Add(i, n);
          if (sum !== i + n) throw new Error(`Add(${i}, ${n}) returned ${sum}`);
          if (t >= measureFrom) {
            samples.push(Number(now() - t) / 1000);
            calls++;
          }
        }
      }),
    );
  } finally {
    await Promise.all(sessions.map((s) => s.close().catch(() => s.abort())));
  }
  const seconds = Number(stopAt - measureFrom) / 1e9;
  const { p50, p99 } = samples.summary();
  return { calls, seconds, callsPerSec: calls / seconds, p50Us: p50, p99Us: p99 };
}
