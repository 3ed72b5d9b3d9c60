// The Duplex sample end to end: the service registered with a real sharing daemon on the
// calculator sample's port, the client calling it through the daemon, the callbacks printed as
// WCF's sample prints them. Mono's duplex client and service against these: packages/interop.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { freePort, makeInstance, spawnNode, startDaemon, type DaemonProcess, type NodeProcess } from '@portshare/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const SERVICE_MAIN = createRequire(import.meta.url).resolve('@portshare/service/main');
const dist = (name: string): string => fileURLToPath(new URL(`../dist/${name}`, import.meta.url));

const TRANSCRIPT = [
  'Press <ENTER> to terminate client once the output is displayed.',
  '',
  'Result(100)',
  'Result(50)',
  'Result(882.5)',
  'Result(441.25)',
  'Equation(0 + 100 - 50 * 17.65 / 2 = 441.25)',
];

let daemon: DaemonProcess;
let home: string;
let cleanup: () => void;
const procs: NodeProcess[] = [];

beforeAll(async () => {
  ({ home, cleanup } = makeInstance({ serviceMain: SERVICE_MAIN, prefix: 'psd-' }));
  daemon = await startDaemon(home, SERVICE_MAIN);
});
afterEach(async () => {
  for (const p of procs.splice(0)) await p.kill('SIGKILL');
});
afterAll(async () => {
  await daemon.kill('SIGKILL');
  cleanup();
});

describe('the Duplex sample', () => {
  it('two clients at once through the sharing daemon: each session its own result, the callbacks as the sample prints them', async () => {
    const port = await freePort();
    const service = spawnNode([dist('service.js'), '--port', String(port)], { PORTSHARE_HOME: home });
    procs.push(service);
    const address = (await service.waitFor(/The service is ready at (\S+)\n/))[1]!;
    expect(address).toBe(`net.tcp://localhost:${port}/servicemodelsamples/duplex`);
    await service.waitFor(/Press <ENTER> to terminate service\./);
    const clients = [0, 1].map(() => {
      const client = spawnNode([dist('client.js'), address], { PORTSHARE_HOME: home });
      procs.push(client);
      return client;
    });
    for (const client of clients) {
      await client.waitFor(/Equation\(.*\)\n/);
      client.proc.stdin!.end('\n');
      expect(await client.exited).toBe(0);
      expect(client.out().split('\n').slice(0, -1)).toEqual(TRANSCRIPT);
    }
    service.proc.stdin!.end('\n');
    expect(await service.exited).toBe(0);
  });
});
