import type { BulkResult, ConnRateResult, RttResult } from './loadgen.js';
import type { WcfMeasure } from './results.js';
import type { WcfResult } from './wcf-loadgen.js';

/** What the orchestrator asks of one load generator process (JSON over the IPC channel). */
export type LoadgenRequest = { host: string; port: number; preambleHex: string } & (
  | { test: 'conn'; conn: { concurrency: number; durationMs: number; connectTimeoutMs: number } }
  | { test: 'rtt'; rtt: { concurrency: number; durationMs: number; messageBytes: number; connectTimeoutMs: number } }
  | { test: 'bulk'; bulk: { bytes: number; messageBytes: number; connectTimeoutMs: number; stallTimeoutMs: number } }
  | { test: 'idle'; idle: { connections: number; openConcurrency: number; connectTimeoutMs: number } }
  | { test: 'wcf'; wcf: { via: string; concurrency: number; durationMs: number; measure?: WcfMeasure; ca?: string } }
);

export interface IdleResult {
  open: number;
  errors: number;
}

export type LoadgenResult = ConnRateResult | RttResult | BulkResult | IdleResult | WcfResult;

export type LoadgenReply =
  | { type: 'result'; result: LoadgenResult; loadgenCpuMs: number; wallMs: number }
  | { type: 'holding'; open: number; errors: number }
  | { type: 'error'; message: string };
