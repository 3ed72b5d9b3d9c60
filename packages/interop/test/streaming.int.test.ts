// WCF's Stream sample across implementations, with streams as Stream parameters and results
// (TransferMode.Streamed: one singleton-mode connection per call, msbin1): Mono's client calling
// the TypeScript service through the sharing daemon, and the TypeScript client calling Mono's
// service. Both programs make the same content and print each stream's length and FNV-1a digest
// (csharp/StreamingSample.cs, samples/streaming), so the lines compare exactly.
import { digestOf, sampleFile } from '@portshare/sample-streaming';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildProgram, compileCSharp, freePort, type PrivateDaemon, skipWithout, startMono, startPrivateDaemon, StreamingSample } from '../src/index.js';

const SIZE = 2_000_000;

describe.skipIf(skipWithout('mcs', 'mono'))("WCF's Stream sample: Mono and TypeScript, each side", () => {
  let daemon: PrivateDaemon | undefined;
  let uploaded: { length: number; digest: string };
  beforeAll(async () => {
    daemon = await startPrivateDaemon();
    uploaded = await digestOf(sampleFile(SIZE));
  });
  afterAll(async () => {
    await daemon?.stop();
  });

  it("Mono's streamed client → sharing daemon → the TypeScript service: every operation, the content exact", async () => {
    const programs = compileCSharp();
    const port = await freePort();
    const service = ChildProgram.start(process.execPath, [StreamingSample.service, '--port', String(port)], {
      name: 'streaming service.js',
      env: { ...process.env, PORTSHARE_HOME: daemon!.home },
    });
    try {
      const address = /^The service is ready at (\S+)$/.exec(await service.nextLine(/^The service is ready at /))![1]!;
      const client = startMono(programs.streamingSample, ['client', address, String(SIZE)]);
      const status = await client.waitForExit(60_000);
      expect(status.code, client.stderr).toBe(0);
      expect(client.stdout.trim().split('\n')).toEqual([
        'GetStream ff547982 300000',
        'UploadStream True',
        `EchoStream ${uploaded.digest} ${SIZE}`,
        'GetReversedStream 8306bffc 300000',
      ]);
      await service.nextLine(new RegExp(`^Received an upload of ${SIZE} bytes \\(digest ${uploaded.digest}\\)$`));
    } finally {
      service.endInput();
      await service.waitForExit().catch(() => service.stop());
    }
  });

  it("the TypeScript client → Mono's streamed service: every operation, the content exact", async () => {
    const programs = compileCSharp();
    const port = await freePort();
    const address = `net.tcp://localhost:${port}/servicemodelsamples/streaming`;
    const service = startMono(programs.streamingSample, ['service', address]);
    try {
      await service.nextLine(/^ready /, { timeoutMs: 30_000 });
      const client = ChildProgram.start(process.execPath, [StreamingSample.client, address, '--size', String(SIZE), '--no-wait'], { name: 'streaming client.js' });
      const status = await client.waitForExit(60_000);
      expect(status.code, client.stderr).toBe(0);
      expect(client.stdout.split('\n').filter((line) => line.startsWith('Read ') || line.startsWith('UploadStream'))).toEqual([
        'Read 300000 bytes (digest ff547982)',
        'UploadStream returned true',
        `Read ${SIZE} bytes (digest ${uploaded.digest})`,
        'Read 300000 bytes (digest 8306bffc)',
      ]);
      // Mono's service read the upload whole and saw the same bytes.
      await service.nextLine(new RegExp(`^uploaded ${SIZE} ${uploaded.digest}$`), { timeoutMs: 30_000 });
    } finally {
      service.endInput();
      await service.waitForExit().catch(() => service.stop());
    }
  });
});
