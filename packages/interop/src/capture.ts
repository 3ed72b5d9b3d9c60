import { spawnSync } from 'node:child_process';
import { ChildProgram } from './child-program.js';
import { InteropError, InteropErrorCodes } from './errors.js';
import { requireTools, Tools } from './toolchain.js';

/** A running live capture of one TCP port on the loopback interface. */
export interface LiveCapture {
  readonly file: string;
  readonly port: number;
  /** Stops capturing (tshark flushes the file) and resolves when the file is complete. */
  stop(): Promise<void>;
}

/** Options of {@link startLiveCapture}. */
export interface LiveCaptureOptions {
  /** Capture interface (default `lo`). */
  readonly interface?: string;
  /** tshark stops by itself after this many seconds (default 120), so a failed test leaves nothing running. */
  readonly maxDurationSeconds?: number;
  /** How long to wait for tshark to start capturing (default 20 000 ms). */
  readonly startTimeoutMs?: number;
}

/**
 * {@link startLiveCapture} for a test: where live capture is not permitted (no CAP_NET_RAW) and CI
 * is not set, says so and calls `skip` (vitest's `ctx.skip`, which does not return); under CI the
 * failure stands, as a missing peer must not pass silently.
 */
export async function startLiveCaptureOrSkip(port: number, file: string, skip: () => void): Promise<LiveCapture> {
  try {
    return await startLiveCapture(port, file);
  } catch (err) {
    if ((err as { code?: string }).code === InteropErrorCodes.CAPTURE_FAILED && !process.env['CI']) {
      console.warn(`Skipping the live capture: ${(err as Error).message}`);
      skip();
    }
    throw err;
  }
}

/**
 * Starts `tshark -i lo -f "tcp port N" -w FILE` and resolves once tshark reports that it is
 * capturing. Rejects with INTEROP_ERR_CAPTURE_FAILED (message from tshark) when live capture is
 * not permitted.
 */
export async function startLiveCapture(port: number, file: string, options: LiveCaptureOptions = {}): Promise<LiveCapture> {
  requireTools('tshark');
  const tshark = ChildProgram.start(
    Tools.tshark,
    ['-i', options.interface ?? 'lo', '-f', `tcp port ${port}`, '-w', file, '-a', `duration:${options.maxDurationSeconds ?? 120}`],
    { name: 'tshark (capture)' },
  );
  try {
    await tshark.nextLine(/^Capturing on /, { stream: 'stderr', timeoutMs: options.startTimeoutMs ?? 20_000 });
  } catch (err) {
    await tshark.stop();
    throw new InteropError(InteropErrorCodes.CAPTURE_FAILED, `tshark could not capture on ${options.interface ?? 'lo'}: ${tshark.stderr.trim()}`, {
      cause: err,
    });
  }
  return {
    file,
    port,
    async stop() {
      // Let the last segments (the FIN exchange) reach the capture before stopping it.
      await new Promise((r) => setTimeout(r, 300));
      await tshark.stop();
    },
  };
}

/** One frame as Wireshark's dissectors read it. */
export type DissectedFrame = Record<string, string>;

/**
 * Reads a capture with tshark, decoding `port` as MC-NMF (`-d tcp.port==N,mc-nmf`), and returns
 * the requested fields of every frame (several occurrences of a field joined by ',').
 */
export function dissect(file: string, port: number, fields: readonly string[], displayFilter?: string): DissectedFrame[] {
  requireTools('tshark');
  const args = ['-r', file, '-d', `tcp.port==${port},mc-nmf`, '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  if (displayFilter !== undefined) args.push('-Y', displayFilter);
  for (const f of fields) args.push('-e', f);
  const r = spawnSync(Tools.tshark, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new InteropError(InteropErrorCodes.CAPTURE_FAILED, `tshark could not read ${file}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => Object.fromEntries(line.split('|').map((value, i) => [fields[i]!, value])));
}
