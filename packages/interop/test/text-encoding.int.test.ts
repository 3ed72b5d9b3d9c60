// The SOAP 1.2 text encoding over TCP (a custom binding: TextMessageEncoding + TcpTransport) with
// Mono's WCF: Mono's client → sharing daemon → a TypeScript ServiceHost, and the TypeScript client
// → Mono's service. The preamble carries KnownEncoding 3 (application/soap+xml; charset=utf-8);
// the envelopes are XML text.
import { KnownEncoding } from '@portshare/framing';
import { ServiceHost } from '@portshare/host';
import { ICalculator } from '@portshare/sample-calculator';
import { createClient, implement } from '@portshare/soap';
import { connectSession } from '@portshare/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCSharp, freePort, type PrivateDaemon, skipWithout, startMono, startPrivateDaemon } from '../src/index.js';

const RESULTS = ['Add(100,15.99) = 115.99', 'Subtract(145,76.54) = 68.46', 'Multiply(9,81.25) = 731.25', 'Divide(22,7) = 3.14285714285714'];

describe.skipIf(skipWithout('mcs', 'mono'))('the text encoding with Mono', () => {
  let daemon: PrivateDaemon | undefined;
  beforeAll(async () => {
    daemon = await startPrivateDaemon();
  });
  afterAll(async () => {
    await daemon?.stop();
  });

  it("Mono's text client → sharing daemon → a TypeScript ServiceHost", async () => {
    const programs = compileCSharp();
    const port = await freePort();
    const address = `net.tcp://localhost:${port}/calculator/text`;
    const host = await ServiceHost.open({
      address,
      portSharingEnabled: true,
      home: daemon!.home,
      services: [implement(ICalculator, { Add: (a, b) => a + b, Subtract: (a, b) => a - b, Multiply: (a, b) => a * b, Divide: (a, b) => a / b })],
    });
    const encodings: string[] = [];
    host.on('session', (session) => encodings.push(session.encoding));
    try {
      const client = startMono(programs.textCalculator, ['client', address]);
      const status = await client.waitForExit(30_000);
      expect(status.code, client.stderr).toBe(0);
      expect(client.stdout.trim().split('\n')).toEqual(RESULTS);
      expect(encodings).toEqual(['application/soap+xml; charset=utf-8']);
    } finally {
      await host.close();
    }
  });

  it("the TypeScript text client → Mono's service", async () => {
    const programs = compileCSharp();
    const port = await freePort();
    const address = `net.tcp://localhost:${port}/calculator/text`;
    const service = startMono(programs.textCalculator, ['service', address]);
    try {
      await service.nextLine(/^ready /, { timeoutMs: 30_000 });
      const session = await connectSession(address, { encoding: KnownEncoding.Soap12Utf8 });
      const proxy = createClient(ICalculator, session);
      expect([await proxy.Add(100, 15.99), await proxy.Subtract(145, 76.54), await proxy.Multiply(9, 81.25), await proxy.Divide(22, 7)]).toEqual([
        115.99, 68.46, 731.25, 22 / 7,
      ]);
      await session.close();
    } finally {
      service.endInput();
      await service.waitForExit().catch(() => service.stop());
    }
  });
});
