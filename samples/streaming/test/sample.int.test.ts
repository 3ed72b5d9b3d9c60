// The Stream sample end to end: the service registered with a real sharing daemon on the
// calculator sample's port, the client calling each operation through the daemon (one streamed
// connection per call), its output as below. Mono's streamed client and service against these:
// packages/interop (streaming.int.test.ts).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { freePort, makeInstance, spawnNode, startDaemon, type DaemonProcess, type NodeProcess } from '@portshare/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { digestOf, FILE_SIZE, sampleBytes, sampleFile } from '../src/index.js';

const SERVICE_MAIN = createRequire(import.meta.url).resolve('@portshare/service/main');
const dist = (name: string): string => fileURLToPath(new URL(`../dist/${name}`, import.meta.url));

let daemon: DaemonProcess;
let home: string;
let cleanup: () => void;
const procs: NodeProcess[] = [];

beforeAll(async () => {
  ({ home, cleanup } = makeInstance({ serviceMain: SERVICE_MAIN, prefix: 'pss-' }));
  daemon = await startDaemon(home, SERVICE_MAIN);
});
afterEach(async () => {
  for (const p of procs.splice(0)) await p.kill('SIGKILL');
});
afterAll(async () => {
  await daemon.kill('SIGKILL');
  cleanup();
});

describe('the Stream sample', () => {
  it('the sample file and its digest are what csharp/StreamingSample.cs makes', async () => {
    // The values Mono's program printed for the same content (packages/interop checks it live).
    expect(await digestOf(sampleFile(FILE_SIZE))).toEqual({ length: 300_000, digest: 'ff547982' });
    expect(await digestOf([sampleBytes(FILE_SIZE).reverse()])).toEqual({ length: 300_000, digest: '8306bffc' });
    expect(await digestOf(sampleFile(FILE_SIZE, 7))).toEqual(await digestOf([sampleBytes(FILE_SIZE)]));
  });

  it('through the sharing daemon: GetStream, a 5 MB UploadStream, a 5 MB EchoStream, GetReversedStream', async () => {
    const port = await freePort();
    const service = spawnNode([dist('service.js'), '--port', String(port)], { PORTSHARE_HOME: home });
    procs.push(service);
    const address = (await service.waitFor(/The service is ready at (\S+)\n/))[1]!;
    expect(address).toBe(`net.tcp://localhost:${port}/servicemodelsamples/streaming`);
    const size = 5_000_000;
    const expected = await digestOf(sampleFile(size));
    const client = spawnNode([dist('client.js'), address, '--size', String(size), '--no-wait'], { PORTSHARE_HOME: home });
    procs.push(client);
    expect(await client.exited).toBe(0);
    expect(client.out().split('\n')).toEqual([
      'Calling GetStream()',
      'Read 300000 bytes (digest ff547982)',
      '',
      `Calling UploadStream() with ${size} bytes`,
      'UploadStream returned true',
      '',
      `Calling EchoStream() with ${size} bytes`,
      `Read ${size} bytes (digest ${expected.digest})`,
      '',
      'Calling GetReversedStream()',
      'Read 300000 bytes (digest 8306bffc)',
      '',
      'Press <ENTER> to terminate client.',
      '',
    ]);
    await service.waitFor(new RegExp(`Received an upload of ${size} bytes \\(digest ${expected.digest}\\)`));
    service.proc.stdin!.end('\n');
    expect(await service.exited).toBe(0);
  });
});
