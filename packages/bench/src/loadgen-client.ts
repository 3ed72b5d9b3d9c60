import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError, BenchErrorCodes } from './errors.js';
import type { IdleResult, LoadgenReply, LoadgenRequest } from './loadgen-protocol.js';
import type { BulkResult, ConnRateResult, RttResult } from './loadgen.js';
import { spawnWithFdLimit } from './processes.js';
import type { WcfResult } from './wcf-loadgen.js';

// The built program, whether this module runs from src (tests) or from dist.
const LOADGEN_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'loadgen-main.js');

type ResultOf<T extends LoadgenRequest['test']> = T extends 'conn'
  ? ConnRateResult
  : T extends 'rtt'
    ? RttResult
    : T extends 'bulk'
      ? BulkResult
      : T extends 'idle'
        ? IdleResult
        : WcfResult;

export interface LoadgenRunOptions {
  fdLimit: number;
  /** Idle test: called once the connections are held; the connections close when it resolves. */
  whileHolding?: (held: { open: number; errors: number }) => Promise<void>;
}

/**
 * Runs one measurement in a fresh load generator process (node:net only, its own core's worth of
 * CPU) and returns its result.
 */
/** A measurement and what it cost the load generator. */
export type Measured<T> = T & { loadgen: { cpuMs: number; wallMs: number } };

export function runLoadgen<R extends LoadgenRequest>(req: R, options: LoadgenRunOptions): Promise<Measured<ResultOf<R['test']>>> {
  const child = spawnWithFdLimit(process.execPath, [LOADGEN_MAIN], {
    fdLimit: options.fdLimit,
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    let result: Measured<ResultOf<R['test']>> | undefined;
    let failure: string | undefined;
    child.on('message', (msg: LoadgenReply) => {
      if (msg.type === 'result') {
        result = { ...(msg.result as ResultOf<R['test']>), loadgen: { cpuMs: msg.loadgenCpuMs, wallMs: msg.wallMs } };
      }
      else if (msg.type === 'error') failure = msg.message;
      else if (msg.type === 'holding') {
        const proceed = options.whileHolding?.({ open: msg.open, errors: msg.errors }) ?? Promise.resolve();
        proceed.then(
          () => child.send('release'),
          (err: unknown) => {
            failure = (err as Error).message;
            child.send('release');
          },
        );
      }
    });
    child.once('spawn', () => child.send(req));
    child.once('exit', (code) => {
      if (result !== undefined && failure === undefined) resolve(result);
      else
        reject(
          new BenchError(
            BenchErrorCodes.LoadgenFailed,
            `The load generator (${req.test} test on port ${req.port}) ${failure ? `failed: ${failure}` : `exited with code ${code} without a result`}.${stderr ? `\n${stderr.slice(-2000)}` : ''}`,
          ),
        );
    });
  });
}
