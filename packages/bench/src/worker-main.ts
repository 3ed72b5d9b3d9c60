#!/usr/bin/env node
// The one worker program behind every configuration: NetTcpServers that acknowledge preambles and
// echo each envelope (--service echo), serve the calculator contract (--service calculator), or take
// streamed uploads (--service streaming: TransferMode.Streamed, messages up to 2 GiB).
// Each --listen '{"uri": …, "home": …}' is one listener: with "home" it registers with the
// portshare daemon of that instance (sharing on); without, it binds its own port (sharing off), as
// the direct configuration and the HAProxy and sslh backends need; "onConflict": "balance" shares
// the URI with the other workers that registered it so. One process serves them all, so
// configurations differ only in the path to it. Prints "READY" once every listener is up.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { NetTcpServer, type ServerSession } from '@portshare/worker';

const { values } = parseArgs({
  options: {
    listen: { type: 'string', multiple: true },
    service: { type: 'string' },
  },
});
const listens = (values.listen ?? []).map(
  (text) => JSON.parse(text) as { uri: string; home?: string; tls?: { certificate: string; key: string }; onConflict?: 'balance' },
);
if (listens.length === 0) throw new Error('at least one --listen is required');

async function echo(session: ServerSession): Promise<void> {
  try {
    for await (const payload of session) await session.send(payload);
    await session.close();
  } catch {
    // The load generator closes connections without End; that ends the session, nothing more.
    session.abort();
  }
}

/** Sessions served by the message layer: serve() returns at the client's End, and answering with ours lets the client's close() finish. */
function served(dispatcher: { serve(session: ServerSession): Promise<void> }): (session: ServerSession) => void {
  return (session) =>
    void dispatcher
      .serve(session)
      .then(
        () => session.close(),
        () => session.abort(),
      )
      .catch(() => session.abort());
}

let serve: (session: ServerSession) => void = (session) => void echo(session);
const streaming = values.service === 'streaming';
if (streaming) {
  const { ServiceDispatcher, implement } = await import('@portshare/soap');
  const { IUpload } = await import('./calculator.js');
  const upload = implement(IUpload, {
    Upload: async (stream) => {
      let n = 0;
      for await (const chunk of stream) n += (chunk as Buffer).length;
      return BigInt(n);
    },
  });
  serve = served(new ServiceDispatcher([upload], { quotas: { maxReceivedMessageSize: 2 ** 31 - 1 } }));
} else if (values.service === 'calculator') {
  // Loaded only here, so the echo worker does not pay for the message layer.
  const { OperationContext, ServiceDispatcher, implement } = await import('@portshare/soap');
  const { ICalculator, IStream, IStreamCallback, IWork } = await import('./calculator.js');
  const { createHash } = await import('node:crypto');
  const block = Buffer.alloc(4096, 0x5a);
  const work = implement(IWork, {
    Work: (n) => {
      for (let i = 0; i < n; i++) createHash('sha256').update(block).digest();
      return n;
    },
  });
  const stream = implement(IStream, {
    Stream: async (n) => {
      const back = OperationContext.current!.getCallbackChannel(IStreamCallback);
      for (let i = 0; i < n; i++) await back.Tick(i);
      return n;
    },
  });
  serve = served(new ServiceDispatcher([implement(ICalculator, { Add: (n1, n2) => n1 + n2 }), stream, work]));
}

const servers = await Promise.all(
  listens.map((l) =>
    NetTcpServer.listen({
      uri: l.uri,
      portSharingEnabled: l.home !== undefined,
      home: l.home,
      ...(l.onConflict === undefined ? {} : { onConflict: l.onConflict }),
      // 10,000 idle sessions are part of the benchmark: lift the session cap (WCF's
      // MaxConcurrentSessions) and the idle timeout, which would otherwise close them.
      maxConcurrentSessions: 100_000,
      idleTimeoutMs: Number.POSITIVE_INFINITY,
      ...(streaming ? { transferMode: 'streamed' as const, maxMessageSize: 2 ** 31 - 1 } : {}),
      ...(l.tls === undefined
        ? {}
        : { security: { certificate: readFileSync(l.tls.certificate), key: readFileSync(l.tls.key) } }),
    }),
  ),
);
for (const server of servers) {
  server.on('session', (session) => serve(session));
  server.on('warning', (err) => process.stderr.write(`worker warning: ${err.message}\n`));
}
process.stdout.write('READY\n');

const stop = (): void => {
  void Promise.all(servers.map((s) => s.close())).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
