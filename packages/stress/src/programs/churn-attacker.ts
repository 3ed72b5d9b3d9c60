#!/usr/bin/env node
/**
 * The churn attacker: keeps `inFlight` silent connections to the daemon at all times, reconnecting
 * as fast as it can. Each connection connects, sends nothing, and is closed by the attacker after
 * a random time in [minLifeMs, maxLifeMs] from its connect, or as soon as the daemon drops it;
 * either way a new one replaces it at once.
 *
 * argv[2]: a JSON {@link ChurnAttackerSpec}. stdout: `RUNNING` once `inFlight` connections have
 * connected; on SIGTERM `FINAL <json>` ({@link ChurnAttackerFigures}), then exit.
 *
 * @module
 */

import { connect } from 'node:net';
import type { ChurnAttackerFigures, ChurnAttackerSpec } from '../scenarios/churn.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as ChurnAttackerSpec;
const figures: ChurnAttackerFigures = { opened: 0, connected: 0, closedByAttacker: 0, droppedByDaemon: 0, errors: {}, runMs: 0 };
const startedAt = performance.now();
let running = true;
let announced = false;

function slot(): void {
  if (!running) return;
  figures.opened++;
  const socket = connect({ port: spec.port, host: spec.host });
  let timer: NodeJS.Timeout | undefined;
  let connected = false;
  let byUs = false;
  socket.once('connect', () => {
    connected = true;
    figures.connected++;
    if (!announced && figures.connected >= spec.inFlight) {
      announced = true;
      process.stdout.write('RUNNING\n');
    }
    timer = setTimeout(
      () => {
        byUs = true;
        socket.destroy();
      },
      spec.minLifeMs + Math.random() * (spec.maxLifeMs - spec.minLifeMs),
    );
  });
  socket.on('data', () => {});
  socket.on('error', (err: NodeJS.ErrnoException) => {
    const code = err.code ?? err.message;
    figures.errors[code] = (figures.errors[code] ?? 0) + 1;
  });
  socket.once('close', () => {
    clearTimeout(timer);
    if (!connected) {
      // Never connected (refused, out of local ports): back off a little rather than spin.
      setTimeout(slot, 10);
      return;
    }
    if (byUs) figures.closedByAttacker++;
    else figures.droppedByDaemon++;
    slot();
  });
}

for (let i = 0; i < spec.inFlight; i++) slot();

process.once('SIGTERM', () => {
  running = false;
  figures.runMs = Math.round(performance.now() - startedAt);
  process.stdout.write(`FINAL ${JSON.stringify(figures)}\n`, () => process.exit(0));
});
setInterval(() => {}, 1 << 30);
