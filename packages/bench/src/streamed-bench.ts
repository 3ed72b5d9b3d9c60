/**
 * The streamed upload (#17): one `Upload(Stream)` call of 1 GiB with TransferMode.Streamed, through
 * the message layer, to a worker of its own, direct and through the fd hand-off daemon in each
 * round. It reports MB/s and the service process's peak resident memory during the upload (VmHWM,
 * reset before each upload through /proc/<pid>/clear_refs, proc(5)): a streamed message must not
 * be held whole, so the peak stays flat whatever the size.
 *
 * @module
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createClient } from '@portshare/soap';
import { connectSession } from '@portshare/worker';
import { IUpload } from './calculator.js';
import type { BenchOptions } from './options.js';
import { rssBytes } from './proc-stats.js';
import { freePort } from './processes.js';
import type { StreamedResults, StreamedUploadSample, StreamedUploadSummary } from './results.js';
import { type BenchSetup, startWorker, type WorkerListen } from './setup.js';
import { median } from './stats.js';

type Log = (line: string) => void;
interface Gate {
  pass(what: string): Promise<void>;
}

const PATH = '/streamed/upload';

/** Peak resident memory (VmHWM) of a process, in bytes. */
function peakRssBytes(pid: number): number {
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`/proc/${pid}/status has no VmHWM line`);
  return Number(m[1]) * 1024;
}

/** `bytes` bytes from one reused 256 KiB buffer: the client costs no allocation per piece. */
function source(bytes: number): Readable {
  const block = Buffer.alloc(256 * 1024, 0x5a);
  let left = bytes;
  return new Readable({
    highWaterMark: block.length,
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const n = Math.min(left, block.length);
      left -= n;
      this.push(n === block.length ? block : block.subarray(0, n));
    },
  });
}

async function upload(via: string, bytes: number): Promise<bigint> {
  const session = await connectSession(via, { transferMode: 'streamed' });
  try {
    return await createClient(IUpload, session).Upload(source(bytes));
  } finally {
    await session.close().catch(() => session.abort());
  }
}

/** Medians and the worst memory growth per configuration; handoff over direct paired by round. */
export function summarizeStreamed(samples: readonly StreamedUploadSample[]): StreamedUploadSummary[] {
  return (['direct', 'handoff'] as const).flatMap((configuration) => {
    const mine = samples.filter((s) => s.configuration === configuration);
    if (mine.length === 0) return [];
    const paired = mine.flatMap((s) => {
      const d = samples.find((x) => x.configuration === 'direct' && x.round === s.round);
      return d === undefined ? [] : [s.mbPerSec / d.mbPerSec];
    });
    return [
      {
        configuration,
        mbPerSec: median(mine.map((s) => s.mbPerSec)),
        peakRssGrowthBytes: Math.max(...mine.map((s) => s.servicePeakRssBytes - s.serviceRssBeforeBytes)),
        ratioToDirect: configuration === 'direct' || paired.length === 0 ? null : median(paired),
      },
    ];
  });
}

export async function measureStreamed(setup: BenchSetup, o: BenchOptions, log: Log, gate: Gate): Promise<StreamedResults> {
  const daemon = setup.daemons.get('handoff');
  if (!o.configurations.includes('direct') || daemon === undefined) {
    return { ran: false, reason: 'the streamed upload needs the direct and handoff configurations' };
  }
  const targets: { configuration: 'direct' | 'handoff'; via: string }[] = [];
  const listens: WorkerListen[] = [];
  for (const configuration of ['direct', 'handoff'] as const) {
    const via = `net.tcp://127.0.0.1:${await freePort()}${PATH}`;
    listens.push({ uri: via, home: configuration === 'handoff' ? daemon.home : undefined });
    targets.push({ configuration, via });
  }
  const worker = setup.adopt(
    await startWorker({
      listens,
      service: 'streaming',
      fdLimit: o.fdLimit,
      readyTimeoutMs: o.readyTimeoutMs,
      nodeArgs: o.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`],
    }),
  );
  // A first upload grows the fresh worker's heap to its working size (44 MB in the first run that
  // measured it, then 2 to 5 MB per upload): warm up on each path, unrecorded, so that the peak
  // measures what an upload holds, not the process starting.
  for (const t of targets) await upload(t.via, Math.min(o.streamedUploadBytes, 64 * 1024 ** 2));
  const samples: StreamedUploadSample[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    for (const t of targets) {
      await gate.pass(`round ${round}: streamed upload ${t.configuration}`);
      // "5" resets the peak RSS (VmHWM) to the current RSS (proc(5), /proc/<pid>/clear_refs).
      writeFileSync(`/proc/${worker.pid}/clear_refs`, '5');
      const before = rssBytes(worker.pid);
      const t0 = process.hrtime.bigint();
      const got = await upload(t.via, o.streamedUploadBytes);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (got !== BigInt(o.streamedUploadBytes)) throw new Error(`the service read ${got} bytes of a ${o.streamedUploadBytes}-byte upload`);
      const sample: StreamedUploadSample = {
        round,
        configuration: t.configuration,
        bytes: o.streamedUploadBytes,
        seconds,
        mbPerSec: o.streamedUploadBytes / 1e6 / seconds,
        serviceRssBeforeBytes: before,
        // The kernel updates VmHWM lazily (per-thread RSS counters are folded in from time to
        // time), so it can read a few pages below an RSS seen earlier: the peak is at least the
        // RSS before and after.
        servicePeakRssBytes: Math.max(peakRssBytes(worker.pid), before, rssBytes(worker.pid)),
      };
      samples.push(sample);
      log(
        `  streamed upload ${t.configuration.padEnd(7)} ${(sample.bytes / 1024 ** 3).toFixed(2)} GiB: ${sample.mbPerSec.toFixed(0)} MB/s, service RSS ${(before / 1e6).toFixed(1)} → peak ${(sample.servicePeakRssBytes / 1e6).toFixed(1)} MB`,
      );
    }
  }
  return { ran: true, samples, summary: summarizeStreamed(samples) };
}
