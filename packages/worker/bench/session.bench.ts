/**
 * Round trips per second of a 64-byte message over loopback: a net.tcp duplex session (SizedEnvelope
 * both ways through SessionServer and connectSession) beside raw TCP echoing the same 64 bytes, in
 * the same run, so the session's cost reads as a ratio.
 *
 * Run: pnpm --filter @portshare/worker bench
 */

import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, bench, describe } from 'vitest';
import { type ClientSession, connectSession, SessionServer } from '../src/session/index.js';

const PAYLOAD = Buffer.alloc(64, 0x5a);

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

// Raw TCP: the server writes back what it reads; the client waits for all 64 bytes each time.
const rawServer = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('data', (chunk) => socket.write(chunk));
});
const rawPort = await listen(rawServer);
const rawClient: Socket = connect({ host: '127.0.0.1', port: rawPort });
await once(rawClient, 'connect');
rawClient.setNoDelay(true);
let rawPending = 0;
let rawDone: (() => void) | undefined;
rawClient.on('data', (chunk: Buffer) => {
  rawPending -= chunk.length;
  if (rawPending <= 0) rawDone?.();
});
function rawRoundTrip(): Promise<void> {
  return new Promise((resolve) => {
    rawPending = PAYLOAD.length;
    rawDone = resolve;
    rawClient.write(PAYLOAD);
  });
}

// net.tcp: an echo service on a SessionServer and one client session.
const sessions = new SessionServer({ acceptVia: (via) => via.path === '/echo' });
sessions.on('session', (session) => {
  void (async () => {
    for await (const payload of session) await session.send(payload);
    await session.close();
  })().catch(() => {});
});
const sessionTcp = createServer((socket) => sessions.handle(socket));
const sessionPort = await listen(sessionTcp);
const client: ClientSession = await connectSession(`net.tcp://localhost:${sessionPort}/echo`);
const replies = client[Symbol.asyncIterator]();
async function sessionRoundTrip(): Promise<void> {
  await client.send(PAYLOAD);
  await replies.next();
}

afterAll(async () => {
  await client.close();
  await sessions.close();
  rawClient.destroy();
  sessionTcp.close();
  rawServer.close();
});

describe('64-byte echo round trip over loopback', () => {
  bench('raw TCP (baseline)', rawRoundTrip, { time: 2000, warmupTime: 300 });
  bench('net.tcp duplex session (SizedEnvelope)', sessionRoundTrip, { time: 2000, warmupTime: 300 });
});
