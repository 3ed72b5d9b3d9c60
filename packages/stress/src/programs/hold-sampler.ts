#!/usr/bin/env node
/**
 * Samples how long another process (the sharing daemon) holds each network connection it accepts
 * (ConnectionHoldTimes in ../proc.ts), from a process of its own: reading one /proc link per
 * descriptor every interval costs milliseconds per thousand descriptors, which would stall the
 * clients a scenario measures if done in its process.
 *
 * argv[2]: a JSON {@link HoldSamplerSpec}. stdout: `READY` once the sockets open now (listeners)
 * are noted; on SIGTERM `HOLDS <json>` ({@link HoldFigures}), then exit.
 *
 * @module
 */

import { ConnectionHoldTimes } from '../proc.js';
import type { HoldFigures, HoldSamplerSpec } from '../workers.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as HoldSamplerSpec;
const holds = new ConnectionHoldTimes(spec.pid);
let gone = false;
const timer = setInterval(() => {
  try {
    holds.sample();
  } catch {
    gone = true; // the process exited: its last figures stand
    clearInterval(timer);
  }
}, spec.intervalMs);
process.once('SIGTERM', () => {
  clearInterval(timer);
  const figures: HoldFigures = { longestMs: Math.round(holds.longestMs()), seen: holds.seen, maxHeld: holds.maxHeld, samples: holds.samples, processGone: gone };
  process.stdout.write(`HOLDS ${JSON.stringify(figures)}\n`, () => process.exit(0));
});
process.stdout.write('READY\n');
