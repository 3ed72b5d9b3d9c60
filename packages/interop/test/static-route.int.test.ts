// Issue 16: an unmodified WCF service behind the shared port. A stock Mono ServiceHost
// (csharp/TestService.cs) that cannot register with portshare listens on a private port; a static
// route sends the shared port's connections for its URI there, and the stock Mono client
// (csharp/TestClient.cs) calls it through the daemon. The service's endpoint address is the
// public URI (what clients name in the via and the To header) and its ListenUri the private one,
// as packages/service/README.md ("Static routes") says. The TypeScript client goes the same way.
import { createClient, FaultException } from '@portshare/soap';
import { connectSession } from '@portshare/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BAD_INPUT,
  type ChildProgram,
  canon,
  compileCSharp,
  ECHO_CASES,
  EchoOperations,
  freePort,
  ITest,
  LARGE_MESSAGE_CHARS,
  LARGE_MESSAGE_QUOTA,
  largeText,
  type PrivateDaemon,
  sha256,
  skipWithout,
  startMono,
  startPrivateDaemon,
} from '../src/index.js';
import { ask, askMany, daemonStatus, hex } from './helpers.js';

describe.skipIf(skipWithout('mcs', 'mono'))('a stock Mono WCF service behind a static route, called through the shared port', () => {
  let daemon: PrivateDaemon | undefined;
  let service: ChildProgram | undefined;
  let client: ChildProgram | undefined;
  let publicUri = '';
  let privateUri = '';

  beforeAll(async () => {
    const programs = compileCSharp();
    const port = await freePort();
    const backendPort = await freePort();
    publicUri = `net.tcp://localhost:${port}/interop/test`;
    privateUri = `net.tcp://localhost:${backendPort}/interop/test`;
    daemon = await startPrivateDaemon({ config: { routes: [{ uri: publicUri, to: `127.0.0.1:${backendPort}` }] } });
    service = startMono(programs.testService, [publicUri, String(LARGE_MESSAGE_QUOTA), privateUri]);
    await service.nextLine(/^ready$/);
    client = startMono(programs.testClient, [publicUri, String(LARGE_MESSAGE_QUOTA)]);
  });

  afterAll(async () => {
    if (client) {
      client.endInput();
      await client.waitForExit().catch(() => client?.stop());
    }
    if (service) {
      service.endInput();
      await service.waitForExit().catch(() => service?.stop());
    }
    await daemon?.stop();
  });

  /** The next call the Mono service reports: [operation, session, ...args]. */
  async function nextReceived(): Promise<string[]> {
    return (await service!.nextLine(/^recv\t/)).split('\t').slice(1);
  }

  describe('echo: the Mono client gets back what it sent, and the Mono service saw it', () => {
    for (const c of ECHO_CASES) {
      it(c.label, async () => {
        const expected = canon(c.type, c.value);
        expect(await ask(client!, c.label, 'echo', c.type, expected)).toEqual(['ok', expected]);
        expect(await nextReceived()).toEqual([EchoOperations[c.type], '1', expected]);
      });
    }
  });

  it('faults, typed faults and the fault of last resort pass through untouched', async () => {
    const fault = await ask(client!, 'fault', 'fail', hex('bad input: ü'));
    // The code, subcode and reason the Mono service wrote (its top code has no namespace: see
    // mono-service.int.test.ts), as the Mono client read them.
    expect([fault[0], fault[1], fault[3], fault[4], fault[5]]).toEqual(['fault', hex('Sender'), hex(BAD_INPUT.name), hex(BAD_INPUT.namespace), hex('bad input: ü')]);
    await nextReceived();
    const typed = await ask(client!, 'typed', 'failTyped', '42', hex('bad'));
    expect(typed.slice(0, 3)).toEqual(['fault-typed', '42', hex('bad')]);
    await nextReceived();
    const last = await ask(client!, 'div', 'divInt', '1', '0');
    expect(last[0]).toBe('fault');
    await nextReceived();
    expect(await ask(client!, 'div after', 'divInt', '7', '2')).toEqual(['ok', '3']);
    await nextReceived();
  });

  it('a one-way call, then a call on the same session', async () => {
    expect(await ask(client!, 'notify', 'notify', hex('ping'))).toEqual(['sent']);
    expect(await ask(client!, 'last notified', 'lastNotified')).toEqual(['ok', hex('ping')]);
    expect((await nextReceived())[0]).toBe('Notify');
    expect((await nextReceived())[0]).toBe('LastNotified');
  });

  it(`a 1 MB message each way (${LARGE_MESSAGE_CHARS} characters)`, async () => {
    const text = largeText(LARGE_MESSAGE_CHARS);
    expect(await ask(client!, 'large', 'large', String(LARGE_MESSAGE_CHARS))).toEqual(['ok', String(text.length), sha256(text), 'same']);
    expect((await nextReceived())[0]).toBe('EchoString');
  });

  it('several sessions at once, several calls each, each its own connection through the route', async () => {
    const before = (await daemonStatus(daemon!.paths)).routes![0]!.dispatched;
    const rows = await askMany(client!, 'parallel', 'done', 'parallel', '4', '5');
    const sessions = rows.filter((r) => r[0] === 'session');
    expect(sessions).toHaveLength(4);
    for (const [, t, values] of sessions) expect(values).toBe(`[${Array.from({ length: 5 }, (_, i) => Number(t) * 1000 + i).join(',')}]`);
    for (let i = 0; i < 20; i++) await nextReceived();
    const st = await daemonStatus(daemon!.paths);
    expect(st.routes).toEqual([expect.objectContaining({ uri: publicUri, healthy: true, backends: [expect.objectContaining({ to: expect.stringMatching(/^127\.0\.0\.1:\d+$/), healthy: true })] })]);
    expect(st.routes![0]!.dispatched - before).toBe(4);
    expect(st.registrations).toEqual([]);
  });

  it('the TypeScript client reaches the same service through the route', async () => {
    const session = await connectSession(publicUri, { maxMessageSize: LARGE_MESSAGE_QUOTA });
    try {
      const proxy = createClient(ITest, session, { operationTimeout: 30_000 });
      expect(await proxy.EchoInt(4242)).toBe(4242);
      expect(await nextReceived()).toEqual(['EchoInt', expect.any(String), '4242']);
      const err = await proxy.Fail('through the route').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FaultException);
      expect((err as FaultException).reason).toBe('through the route');
      await nextReceived();
    } finally {
      await session.close().catch(() => session.abort());
    }
  });

  it('the Mono client closes its session cleanly', async () => {
    client!.endInput();
    await client!.nextLine(/^closed$/);
    expect(await client!.waitForExit()).toEqual({ code: 0, signal: null });
  });
});

/**
 * A service that knows only its private address: the route rewrites the Via Record to that address
 * (`rewriteVia`), which the Mono listener needs to take the connection at all; the SOAP To header
 * still names the public address, which the service's address filter refuses unless it matches
 * any address (.NET: AddressFilterMode.Any; Mono ignores that setting, so the endpoints'
 * AddressFilter is set to MatchAllMessageFilter: csharp/TestService.cs AnyAddress).
 */
describe.skipIf(skipWithout('mcs', 'mono'))('a Mono service that knows only its private address, behind a static route', () => {
  // Mono's listener does not compare the via with its address (a route without rewriteVia works
  // as well); .NET's and CoreWCF's framing do, which is what rewriteVia is for.
  const cases = [
    { anyAddress: true, rewrite: true, title: 'rewriting the via, with an address filter that matches any address' },
    { anyAddress: true, rewrite: false, title: 'not rewriting the via, with an address filter that matches any address' },
    { anyAddress: false, rewrite: true, title: 'rewriting the via, with the default address filter' },
  ];
  for (const { anyAddress, rewrite, title } of cases) {
    describe(title, () => {
      let daemon: PrivateDaemon | undefined;
      let service: ChildProgram | undefined;
      let publicUri = '';

      beforeAll(async () => {
        const programs = compileCSharp();
        const port = await freePort();
        const backendPort = await freePort();
        publicUri = `net.tcp://localhost:${port}/interop/test`;
        const privateUri = `net.tcp://localhost:${backendPort}/private/test`;
        const route = { uri: publicUri, to: `127.0.0.1:${backendPort}`, ...(rewrite ? { rewriteVia: privateUri } : {}) };
        daemon = await startPrivateDaemon({ config: { routes: [route] } });
        service = startMono(programs.testService, [privateUri, '65536', '-', ...(anyAddress ? ['any-address'] : [])]);
        await service.nextLine(/^ready$/);
      });

      afterAll(async () => {
        service?.endInput();
        await service?.waitForExit().catch(() => service?.stop());
        await daemon?.stop();
      });

      if (anyAddress) {
        it('the stock Mono client calls it through the shared port', async () => {
          const programs = compileCSharp();
          const client = startMono(programs.testClient, [publicUri]);
          try {
            expect(await ask(client, 'echo', 'echo', 'int', '17')).toEqual(['ok', '17']);
            expect((await service!.nextLine(/^recv\t/)).split('\t').slice(1)).toEqual(['EchoInt', '1', '17']);
            expect(await ask(client, 'typed', 'failTyped', '7', hex('x'))).toEqual(expect.arrayContaining(['fault-typed', '7', hex('x')]));
          } finally {
            client.endInput();
            await client.waitForExit().catch(() => client.stop());
          }
          const st = await daemonStatus(daemon!.paths);
          expect(st.routes![0]).toMatchObject({ dispatched: 1 });
          if (rewrite) expect(st.routes![0]!.rewriteVia).toMatch(/\/private\/test$/);
          else expect(st.routes![0]!.rewriteVia).toBeUndefined();
        });
      } else {
        it('the session opens (the via was rewritten) but Mono drops every message addressed to the public URI: the caller times out', async () => {
          const session = await connectSession(publicUri, { openTimeoutMs: 10_000 });
          try {
            const proxy = createClient(ITest, session, { operationTimeout: 2000 });
            await expect(proxy.EchoInt(17)).rejects.toMatchObject({ code: 'SOAP_ERR_TIMEOUT' });
          } finally {
            session.abort();
          }
        });
      }
    });
  }
});

/**
 * The Mono service behind the route is killed and started again: while it is down, a client gets
 * the ConnectionDispatchFailed fault and the route shows the server down; once it is back the
 * route recovers on its own and the stock Mono client calls it again.
 */
describe.skipIf(skipWithout('mcs', 'mono'))('a Mono service behind a static route, killed and started again', () => {
  let daemon: PrivateDaemon | undefined;
  let service: ChildProgram | undefined;
  let publicUri = '';
  let privateUri = '';

  beforeAll(async () => {
    const port = await freePort();
    const backendPort = await freePort();
    publicUri = `net.tcp://localhost:${port}/interop/test`;
    privateUri = `net.tcp://localhost:${backendPort}/interop/test`;
    daemon = await startPrivateDaemon({ config: { routes: [{ uri: publicUri, to: `127.0.0.1:${backendPort}` }] } });
  });

  afterAll(async () => {
    await service?.stop();
    await daemon?.stop();
  });

  async function monoCall(label: string): Promise<string[]> {
    const client = startMono(compileCSharp().testClient, [publicUri]);
    try {
      return await ask(client, label, 'echo', 'int', '5');
    } finally {
      client.endInput();
      await client.waitForExit().catch(() => client.stop());
    }
  }

  it('up, down (ConnectionDispatchFailed, the route down), up again (the route recovers)', async () => {
    service = startMono(compileCSharp().testService, [publicUri, '65536', privateUri]);
    await service.nextLine(/^ready$/);
    expect(await monoCall('before')).toEqual(['ok', '5']);
    await service.stop();
    service = undefined;

    const err = await connectSession(publicUri, { openTimeoutMs: 10_000 }).then(
      (s) => {
        s.abort();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'SESSION_ERR_CONNECTION_DISPATCH_FAILED' });
    const down = (await daemonStatus(daemon!.paths)).routes![0]!;
    expect(down.healthy).toBe(false);
    expect(down.backends[0]).toMatchObject({ healthy: false, lastError: 'ECONNREFUSED' });

    service = startMono(compileCSharp().testService, [publicUri, '65536', privateUri]);
    await service.nextLine(/^ready$/);
    expect(await monoCall('after')).toEqual(['ok', '5']);
    expect((await daemonStatus(daemon!.paths)).routes![0]).toMatchObject({ healthy: true });
  });
});
