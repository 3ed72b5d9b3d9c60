#!/usr/bin/env node
/**
 * Misuses the daemon's control socket from its own process, so that the kernel credentials the
 * daemon reads (SO_PEERCRED) are those of the user it is spawned as.
 *
 * argv[2]: a JSON {@link AbuserSpec}.
 * - `hold`: opens `count` control connections one after another and keeps them; prints
 *   `HELD <open> <closed-by-daemon>` once done, then waits to be killed.
 * - `flood`: on one connection, writes `line` `requests` times without ever reading an answer;
 *   prints `SENT <n>` when everything is written (or `BLOCKED <n>` when the daemon stopped reading
 *   for a second), then waits to be killed.
 * - `request`: sends one request and prints `ANSWER <json>` (or `ANSWER "closed"`), then exits.
 *
 * @module
 */

import { connect, type Socket } from 'node:net';
import type { AbuserSpec } from '../workers.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as AbuserSpec;

function open(path: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => resolve(undefined));
  });
}

const held: Socket[] = [];
if (spec.action === 'request') {
  const socket = await open(spec.socket);
  if (socket === undefined) {
    process.stdout.write('ANSWER "refused"\n');
    process.exit(0);
  }
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    const nl = text.indexOf('\n');
    if (nl >= 0) {
      process.stdout.write(`ANSWER ${text.slice(0, nl)}\n`);
      process.exit(0);
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    process.stdout.write('ANSWER "closed"\n');
    process.exit(0);
  });
  socket.write(`${JSON.stringify({ id: 1, ...spec.request })}\n`);
} else if (spec.action === 'hold') {
  let closed = 0;
  for (let i = 0; i < spec.count; i++) {
    const socket = await open(spec.socket);
    if (socket === undefined) continue;
    socket.on('error', () => {});
    socket.on('close', () => closed++);
    held.push(socket);
  }
  // Give the daemon a moment to refuse the connections over its limit.
  await new Promise((r) => setTimeout(r, 300));
  process.stdout.write(`HELD ${held.length - closed} ${closed}\n`);
} else {
  const socket = await open(spec.socket);
  if (socket === undefined) {
    process.stdout.write('ERROR cannot connect\n');
    process.exit(1);
  }
  socket.on('error', () => {});
  socket.pause(); // never read an answer
  held.push(socket);
  const line = Buffer.from(spec.line.endsWith('\n') ? spec.line : `${spec.line}\n`);
  const perBatch = Math.max(1, Math.floor(65_536 / line.length));
  const batch = Buffer.concat(Array.from({ length: perBatch }, () => line));
  let sent = 0;
  let blocked = false;
  while (sent < spec.requests && !socket.destroyed) {
    if (!socket.write(batch)) {
      const drained = await Promise.race([
        new Promise<boolean>((r) => socket.once('drain', () => r(true))),
        new Promise<boolean>((r) => setTimeout(() => r(false), 1000)),
      ]);
      if (!drained) {
        blocked = true;
        break;
      }
    }
    sent += perBatch;
  }
  process.stdout.write(`${blocked ? 'BLOCKED' : 'SENT'} ${sent}\n`);
}
process.once('SIGTERM', () => process.exit(0));
setInterval(() => {}, 1 << 30);
