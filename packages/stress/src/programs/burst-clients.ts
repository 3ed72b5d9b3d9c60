#!/usr/bin/env node
/**
 * One process's share of a burst of well-behaved clients. On SIGUSR1 it opens `count` connections
 * to the daemon at once; each sends a whole duplex preamble with its first write, as a WCF client
 * does, waits for the worker's PreambleAck ([MC-NMF] 2.2.3.9, the byte 0x0B), then ends the
 * session (End record, [MC-NMF] 2.2.3.7) and waits for the close.
 *
 * argv[2]: a JSON {@link BurstClientsSpec}. stdout: `READY` when waiting for SIGUSR1, then
 * `RESULT <json>` ({@link BurstClientsResult}) once every connection has an outcome, then exit.
 *
 * @module
 */

import { connect } from 'node:net';
import { preamble } from '../fuzz/wire.js';
import type { BurstClientsResult, BurstClientsSpec, BurstOutcome } from '../scenarios/burst.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as BurstClientsSpec;
const hello = preamble({ via: spec.via });
const END = Buffer.from([0x07]);

function client(startedAt: number): Promise<{ outcome: BurstOutcome; connectMs: number; ackMs: number }> {
  return new Promise((resolve) => {
    let connectMs = Number.NaN;
    let ackMs = Number.NaN;
    let got = 0;
    let first: number | undefined;
    let settled = false;
    const socket = connect({ port: spec.port, host: spec.host });
    const finish = (outcome: BurstOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ outcome, connectMs, ackMs });
    };
    const timer = setTimeout(() => finish(first === 0x0b ? 'acknowledged' : 'timeout'), spec.deadlineMs);
    socket.once('connect', () => {
      connectMs = performance.now() - startedAt;
      socket.write(hello);
    });
    socket.on('data', (chunk: Buffer) => {
      if (got === 0) {
        first = chunk[0];
        if (first === 0x0b) {
          ackMs = performance.now() - startedAt;
          // The session is open: close it the way a client does, and wait for the worker's close.
          socket.end(END);
        } else {
          finish(`answer 0x${(first ?? 0).toString(16).padStart(2, '0')}`);
        }
      }
      got += chunk.length;
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (first === 0x0b) finish('acknowledged');
      else finish(err.code === 'ECONNRESET' || err.code === 'EPIPE' ? 'reset' : `error ${err.code ?? err.message}`);
    });
    socket.once('close', () => finish(first === 0x0b ? 'acknowledged' : 'closed without a byte'));
  });
}

process.once('SIGUSR1', () => {
  const startedAt = performance.now();
  const all = Array.from({ length: spec.count }, () => client(startedAt));
  const issuedMs = performance.now() - startedAt;
  void Promise.all(all).then((results) => {
    const outcomes: Record<string, number> = {};
    for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    const result: BurstClientsResult = {
      issuedMs,
      outcomes,
      connectMs: results.map((r) => Math.round(r.connectMs * 10) / 10),
      ackMs: results.filter((r) => r.outcome === 'acknowledged').map((r) => Math.round(r.ackMs * 10) / 10),
    };
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`, () => process.exit(0));
  });
});
process.stdout.write('READY\n');
setInterval(() => {}, 1 << 30);
