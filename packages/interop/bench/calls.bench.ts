// Issue 5: calculator Add calls per second, TypeScript client → TypeScript service, side by side:
// a service on its own port, the same service reached through the daemon passing the socket, and
// through the daemon proxying the bytes. Two shapes: calls on one open session (after the hand-off
// the daemon is out of the path, or relays every byte in proxy mode), and a whole session per call
// (connect, preamble, route, Add, End: where the daemon's routing costs).
//
//   pnpm --filter @portshare/interop bench
import { ICalculator } from '@portshare/sample-calculator';
import { createClient, implement, ServiceDispatcher, type ClientProxy } from '@portshare/soap';
import { connectSession, NetTcpServer } from '@portshare/worker';
import { afterAll, bench, describe } from 'vitest';
import { freePort, startPrivateDaemon, type PrivateDaemon } from '../src/index.js';

const dispatcher = new ServiceDispatcher([
  implement(ICalculator, { Add: (a, b) => a + b, Subtract: (a, b) => a - b, Multiply: (a, b) => a * b, Divide: (a, b) => a / b }),
]);

interface Target {
  readonly name: string;
  readonly uri: string;
  readonly server: NetTcpServer;
  readonly daemon: PrivateDaemon | undefined;
  readonly calc: ClientProxy<typeof ICalculator>;
  readonly close: () => Promise<void>;
}

async function target(name: string, handoff: 'direct' | 'auto' | 'proxy'): Promise<Target> {
  const daemon = handoff === 'direct' ? undefined : await startPrivateDaemon({ config: { handoff } });
  const uri = `net.tcp://localhost:${await freePort()}/calculator/${handoff}`;
  const server = await NetTcpServer.listen({ uri, portSharingEnabled: daemon !== undefined, ...(daemon ? { home: daemon.home } : {}) });
  server.on('session', (session) => {
    dispatcher
      .serve(session)
      .then(() => session.close())
      .catch(() => session.abort());
  });
  const session = await connectSession(uri);
  return {
    name,
    uri,
    server,
    daemon,
    calc: createClient(ICalculator, session),
    async close() {
      await session.close();
      await server.close();
      await daemon?.stop();
    },
  };
}

const targets = [
  await target('own port (no daemon)', 'direct'),
  await target('through the daemon (socket passed)', 'auto'),
  await target('through the daemon (proxied)', 'proxy'),
];

afterAll(async () => {
  await Promise.all(targets.map((t) => t.close()));
});

let n = 0;
/** Long enough to even out the scheduler's noise on a small machine. */
const OPTIONS = { time: 3_000, warmupTime: 500 };

describe('Add on one open session (calls/s)', () => {
  for (const t of targets) {
    bench(t.name, async () => {
      n++;
      if ((await t.calc.Add(n, 1)) !== n + 1) throw new Error('wrong sum');
    }, OPTIONS);
  }
});

describe('a new session per Add: connect, preamble, Add, End (calls/s)', () => {
  for (const t of targets) {
    bench(t.name, async () => {
      const session = await connectSession(t.uri);
      const calc = createClient(ICalculator, session);
      if ((await calc.Add(2, 3)) !== 5) throw new Error('wrong sum');
      await session.close();
    }, OPTIONS);
  }
});
