#!/usr/bin/env node
/**
 * A worker process for the scenarios, built on the SDK as an application would be: a NetTcpServer
 * sharing its port through the daemon, answering every message with `<tag>` followed by the
 * message, and closing each session when the client ends it.
 *
 * argv[2]: a JSON {@link SessionWorkerSpec}; PORTSHARE_HOME names the instance.
 * stdout, one line each: `READY`, `REGISTERED <id>` (every registration, first and after a daemon
 * restart), `UNREGISTERED` (the daemon went away), `ERROR <code> <message>` (then exit 1).
 *
 * @module
 */

import type { ServerSession } from '@portshare/worker';
import { NetTcpServer } from '@portshare/worker';
import type { SessionWorkerSpec } from '../workers.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as SessionWorkerSpec;
const tag = Buffer.from(spec.tag);

async function serve(session: ServerSession): Promise<void> {
  try {
    for await (const message of session) await session.send(Buffer.concat([tag, message]));
    await session.close();
  } catch {
    // The session failed (the client vanished, a fault was sent): the server has dealt with it.
  }
}

try {
  const server = await NetTcpServer.listen({
    uri: spec.uri,
    portSharingEnabled: true,
    ...(spec.hostNameComparisonMode !== undefined ? { hostNameComparisonMode: spec.hostNameComparisonMode } : {}),
    ...(spec.maxMessageSize !== undefined ? { maxMessageSize: spec.maxMessageSize } : {}),
    ...(spec.maxConcurrentSessions !== undefined ? { maxConcurrentSessions: spec.maxConcurrentSessions } : {}),
    ...(spec.forceProxy === true ? { forceProxy: true } : {}),
  });
  server.on('session', (session) => void serve(session));
  server.on('connectionError', () => {
    // Counted by nobody: bad input is the point of several scenarios.
  });
  server.on('registered', (id) => process.stdout.write(`REGISTERED ${id}\n`));
  server.on('unregistered', () => process.stdout.write('UNREGISTERED\n'));
  server.on('warning', () => {});
  process.stdout.write('READY\n');
  process.once('SIGTERM', () => {
    void server.close().then(() => process.exit(0));
  });
} catch (err) {
  const e = err as { code?: string; message?: string };
  process.stdout.write(`ERROR ${e.code ?? 'UNKNOWN'} ${(e.message ?? String(err)).replace(/\n/g, ' ')}\n`);
  process.exit(1);
}
