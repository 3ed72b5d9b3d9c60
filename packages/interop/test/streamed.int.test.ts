// Streamed transfer with Mono's WCF, for contracts of ordinary parameters: NetTcpBinding with
// TransferMode.Streamed sends each call on a singleton-mode connection ([MC-NMF] mode 1, unsized
// envelopes) with the sessionless binary encoding (application/soap+msbin1). Mono's client →
// sharing daemon → a TypeScript ServiceHost, and the TypeScript client → Mono's service.
import { KnownEncoding, Mode } from '@portshare/framing';
import { ServiceHost } from '@portshare/host';
import { ICalculator } from '@portshare/sample-calculator';
import { createClient, implement } from '@portshare/soap';
import { connectSession } from '@portshare/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCSharp, freePort, type PrivateDaemon, skipWithout, startMono, startPrivateDaemon } from '../src/index.js';

const RESULTS = ['Add(100,15.99) = 115.99', 'Subtract(145,76.54) = 68.46', 'Multiply(9,81.25) = 731.25', 'Divide(22,7) = 3.14285714285714'];

describe.skipIf(skipWithout('mcs', 'mono'))('streamed transfer (singleton mode, msbin1) with Mono', () => {
  let daemon: PrivateDaemon | undefined;
  beforeAll(async () => {
    daemon = await startPrivateDaemon();
  });
  afterAll(async () => {
    await daemon?.stop();
  });

  it("Mono's streamed client → sharing daemon → a TypeScript ServiceHost: one connection per call", async () => {
    const programs = compileCSharp();
    const port = await freePort();
    const address = `net.tcp://localhost:${port}/calculator/streamed`;
    const host = await ServiceHost.open({
      address,
      portSharingEnabled: true,
      home: daemon!.home,
      services: [implement(ICalculator, { Add: (a, b) => a + b, Subtract: (a, b) => a - b, Multiply: (a, b) => a * b, Divide: (a, b) => a / b })],
    });
    const sessions: string[] = [];
    host.on('session', (session) => sessions.push(`${session.mode} ${session.encoding}`));
    try {
      const client = startMono(programs.streamedCalculator, ['client', address]);
      const status = await client.waitForExit(30_000);
      expect(status.code, client.stderr).toBe(0);
      expect(client.stdout.trim().split('\n')).toEqual(RESULTS);
      expect(sessions).toEqual(Array(4).fill('1 application/soap+msbin1'));
    } finally {
      await host.close();
    }
  });

  it("the TypeScript client in singleton mode → Mono's streamed service", async () => {
    const programs = compileCSharp();
    const port = await freePort();
    const address = `net.tcp://localhost:${port}/calculator/streamed`;
    const service = startMono(programs.streamedCalculator, ['service', address]);
    try {
      await service.nextLine(/^ready /, { timeoutMs: 30_000 });
      const results: number[] = [];
      for (const call of [(c: ReturnType<typeof createClient<typeof ICalculator>>) => c.Add(100, 15.99), (c: ReturnType<typeof createClient<typeof ICalculator>>) => c.Divide(22, 7)]) {
        const session = await connectSession(address, { mode: Mode.SingletonUnsized, encoding: KnownEncoding.Binary });
        results.push(await call(createClient(ICalculator, session)));
        await session.close();
      }
      expect(results).toEqual([115.99, 22 / 7]);
    } finally {
      service.endInput();
      await service.waitForExit().catch(() => service.stop());
    }
  });
});
