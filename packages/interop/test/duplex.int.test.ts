// WCF's Duplex sample across implementations: Mono's duplex client calling the TypeScript
// service through the sharing daemon, and the TypeScript duplex client calling Mono's service.
// Callbacks go over the client's own session; their Actions are named after the service contract
// (…/ICalculatorDuplex/Result), as Mono (and .NET) send and expect them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChildProgram,
  compileCSharp,
  DUPLEX_SERVICE_BANNER,
  DUPLEX_TRANSCRIPT,
  DuplexSample,
  freePort,
  type PrivateDaemon,
  skipWithout,
  startMono,
  startPrivateDaemon,
} from '../src/index.js';

/**
 * Runs a client to its last callback, presses ENTER, and returns what it printed. The TypeScript
 * client must exit by itself. Mono's duplex client closes its channel (End, then FIN, on the
 * wire) but its process does not exit, against Mono's own service as against ours: it is stopped
 * once its channel is closed.
 */
async function transcript(client: ChildProgram, exits: boolean): Promise<string[]> {
  await client.nextLine(/^Equation\(/, { timeoutMs: 30_000 });
  client.endInput();
  if (exits) {
    const status = await client.waitForExit(30_000);
    expect(status.code, client.stderr).toBe(0);
  } else {
    await new Promise((resolve) => setTimeout(resolve, 500));
    await client.stop();
  }
  expect(client.stderr).toBe('');
  return client.stdout.split('\n').slice(0, -1);
}

describe.skipIf(skipWithout('mcs', 'mono'))("WCF's Duplex sample: Mono and TypeScript, each side", () => {
  let daemon: PrivateDaemon | undefined;
  beforeAll(async () => {
    daemon = await startPrivateDaemon();
  });
  afterAll(async () => {
    await daemon?.stop();
  });

  it("Mono's duplex client → sharing daemon → the TypeScript service: every callback, in order", async () => {
    const programs = compileCSharp();
    const port = await freePort();
    const service = ChildProgram.start(process.execPath, [DuplexSample.service, '--port', String(port)], {
      name: 'calculator-duplex service.js',
      env: { ...process.env, PORTSHARE_HOME: daemon!.home },
    });
    try {
      const address = DUPLEX_SERVICE_BANNER.exec(await service.nextLine(DUPLEX_SERVICE_BANNER))![1]!;
      // Two Mono clients at once: each session keeps its own result.
      const clients = [startMono(programs.duplexClient, [address]), startMono(programs.duplexClient, [address])];
      for (const client of clients) expect(await transcript(client, false)).toEqual([...DUPLEX_TRANSCRIPT]);
    } finally {
      service.endInput();
      await service.waitForExit().catch(() => service.stop());
    }
  });

  it("the TypeScript duplex client → Mono's service: every callback, in order", async () => {
    const programs = compileCSharp();
    const port = await freePort();
    const address = `net.tcp://localhost:${port}/servicemodelsamples/duplex`;
    const service = startMono(programs.duplexService, [address]);
    try {
      await service.nextLine(DUPLEX_SERVICE_BANNER, { timeoutMs: 30_000 });
      const client = ChildProgram.start(process.execPath, [DuplexSample.client, address], { name: 'calculator-duplex client.js' });
      expect(await transcript(client, true)).toEqual([...DUPLEX_TRANSCRIPT]);
    } finally {
      service.endInput();
      await service.waitForExit().catch(() => service.stop());
    }
  });
});
