import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlClient, resolveInstance, writeState } from '@portshare/control';
import { freePort, makeTestPki } from '@portshare/test-utils';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const serviceMain = createRequire(import.meta.url).resolve('@portshare/service/main');
const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const f of cleanups.splice(0)) f();
});

function enabledHome(): { home: string } {
  const home = mkdtempSync(join(tmpdir(), 'psc-'));
  chmodSync(home, 0o755);
  writeState(resolveInstance({ home }), { startMode: 'demand', command: [process.execPath, serviceMain] });
  cleanups.push(() => {
    // The first service started the daemon on demand; stop it.
    void ControlClient.connect(resolveInstance({ home }).controlSocket)
      .then((c) => c.request({ op: 'stop' }).finally(() => c.destroy()))
      .catch(() => {})
      .finally(() => setTimeout(() => rmSync(home, { recursive: true, force: true }), 500));
  });
  return { home };
}

interface Run {
  proc: ChildProcess;
  lines(): string[];
  text(): string;
  waitFor(re: RegExp): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

function run(script: string, args: string[], env: NodeJS.ProcessEnv): Run {
  const proc = spawn(process.execPath, [join(dist, script), ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
  children.push(proc);
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  proc.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    for (const w of waiters) w();
  });
  proc.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
    for (const w of waiters) w();
  });
  return {
    proc,
    lines: () => out.split('\n'),
    text: () => out + err,
    exited: new Promise((r) => proc.once('exit', (code) => r(code))),
    waitFor(re) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = re.exec(out + err);
          if (m) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${out}${err}`)), 15_000);
        waiters.add(check);
        check();
      });
    },
  };
}

/** What the sample's client prints for a service number typed in (the sample page's output). */
const CLIENT_TRANSCRIPT = [
  'Enter the service number to test: Add(100,15.99) = 115.99',
  'Subtract(145,76.54) = 68.46',
  'Multiply(9,81.25) = 731.25',
  'Divide(22,7) = 3.14285714285714',
  'Press <ENTER> to terminate client.',
  '',
];

describe('the Net.TCP Port Sharing sample', () => {
  it('service and client: the transcript matches the sample page line by line', async () => {
    const { home } = enabledHome();
    const port = await freePort();
    const env = { PORTSHARE_HOME: home };
    const service = run('service.js', ['--port', String(port)], env);
    const m = await service.waitFor(/Service #(\d+) listening on (\S+)\.\n/);
    const salt = m[1]!;
    await service.waitFor(/Press <ENTER> to terminate service\.\n/);
    expect(service.lines().slice(0, 2)).toEqual([
      `Service #${salt} listening on net.tcp://localhost:${port}/calculator/${salt}.`,
      'Press <ENTER> to terminate service.',
    ]);
    const client = run('client.js', ['--port', String(port)], env);
    await client.waitFor(/Enter the service number to test: $/);
    client.proc.stdin!.write(`${salt}\n`);
    await client.waitFor(/Press <ENTER> to terminate client\.\n/);
    client.proc.stdin!.write('\n');
    expect(await client.exited).toBe(0);
    expect(client.lines()).toEqual(CLIENT_TRANSCRIPT);
    // ENTER stops the service cleanly, and it unregisters.
    service.proc.stdin!.write('\n');
    expect(await service.exited).toBe(0);
    const c = await ControlClient.connect(resolveInstance({ home }).controlSocket);
    expect((await c.request({ op: 'status' })).registrations).toHaveLength(0);
    c.destroy();
  });

  it('several services share one port; without port sharing the second copy fails with AddressAlreadyInUse', async () => {
    const { home } = enabledHome();
    const port = await freePort();
    const env = { PORTSHARE_HOME: home };
    const a = run('service.js', ['--port', String(port)], env);
    const b = run('service.js', ['--port', String(port)], env);
    const saltA = (await a.waitFor(/Service #(\d+) listening/))[1];
    const saltB = (await b.waitFor(/Service #(\d+) listening/))[1];
    for (const salt of [saltA, saltB]) {
      const client = run('client.js', ['--port', String(port)], env);
      await client.waitFor(/Enter the service number to test: $/);
      client.proc.stdin!.end(`${salt}\n`); // EOF is ENTER, as Console.ReadLine returning null
      expect(await client.exited).toBe(0);
      expect(client.lines()).toContain('Divide(22,7) = 3.14285714285714');
    }
    a.proc.kill('SIGTERM');
    b.proc.kill('SIGINT');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);

    const exclusivePort = await freePort();
    const first = run('service.js', ['--port', String(exclusivePort), '--no-port-sharing'], {});
    await first.waitFor(/Press <ENTER>/);
    const second = run('service.js', ['--port', String(exclusivePort), '--no-port-sharing'], {});
    expect(await second.exited).toBe(1);
    expect(second.text().trim()).toBe(
      `Unhandled Exception: System.ServiceModel.AddressAlreadyInUseException: There is already a listener on IP endpoint 0.0.0.0:${exclusivePort}.  Make sure that you are not trying to use this endpoint multiple times in your application and that there are no other applications listening on this endpoint.`,
    );
  });

  it('a zero-downtime deploy: a new copy started with --replace takes the address, the old one finishes and exits, and no client call fails', async () => {
    const { home } = enabledHome();
    const port = await freePort();
    const env = { PORTSHARE_HOME: home };
    const number = '4242';
    const v1 = run('service.js', ['--port', String(port), '--number', number, '--replace'], env);
    await v1.waitFor(/Service #4242 listening/);
    let deploying = true;
    const codes: (number | null)[] = [];
    const clients = (async () => {
      while (deploying) {
        const client = run('client.js', ['--port', String(port)], env);
        await client.waitFor(/Enter the service number to test: $/);
        client.proc.stdin!.end(`${number}\n`);
        codes.push(await client.exited);
        if (!client.lines().includes('Divide(22,7) = 3.14285714285714')) codes.push(-1);
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    const v2 = run('service.js', ['--port', String(port), '--number', number, '--replace'], env);
    await v2.waitFor(/Service #4242 listening/);
    await v1.waitFor(/Service #4242 was replaced by a newer copy/);
    expect(await v1.exited).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    deploying = false;
    await clients;
    expect(codes.length).toBeGreaterThanOrEqual(2);
    expect(codes.filter((c) => c !== 0)).toEqual([]);
    v2.proc.kill('SIGTERM');
    expect(await v2.exited).toBe(0);
  });

  it('with --certificate/--key and --ca: the transcript through the sharing service inside TLS; mismatched sides fail with clear texts', async () => {
    const pki = makeTestPki();
    cleanups.push(() => pki.remove());
    const { home } = enabledHome();
    const port = await freePort();
    const env = { PORTSHARE_HOME: home };
    const service = run('service.js', ['--port', String(port), '--certificate', pki.server.certificateFile, '--key', pki.server.keyFile], env);
    const salt = (await service.waitFor(/Service #(\d+) listening/))[1]!;
    await service.waitFor(/Transport security: TLS with the certificate in /);
    const client = run('client.js', ['--port', String(port), '--ca', pki.caFile], env);
    await client.waitFor(/Enter the service number to test: $/);
    client.proc.stdin!.end(`${salt}\n`);
    expect(await client.exited).toBe(0);
    expect(client.lines()).toEqual(CLIENT_TRANSCRIPT);
    // A clear-text client at the secured service.
    const plain = run('client.js', ['--port', String(port)], env);
    await plain.waitFor(/Enter the service number to test: $/);
    plain.proc.stdin!.end(`${salt}\n`);
    expect(await plain.exited).toBe(1);
    expect(plain.text()).toContain('closed the connection without answering the preamble');
    expect(plain.text()).toContain('requires transport security');
    // A secured client at a clear-text service.
    const open = run('service.js', ['--port', String(port)], env);
    const openSalt = (await open.waitFor(/Service #(\d+) listening/))[1]!;
    const secured = run('client.js', ['--port', String(port), '--ca', pki.caFile], env);
    await secured.waitFor(/Enter the service number to test: $/);
    secured.proc.stdin!.end(`${openSalt}\n`);
    expect(await secured.exited).toBe(1);
    expect(secured.text()).toContain(
      `Unhandled Exception: System.ServiceModel.ProtocolException: The requested upgrade is not supported by 'net.tcp://localhost:${port}/calculator/${openSalt}'.`,
    );
    service.proc.kill('SIGTERM');
    open.proc.kill('SIGTERM');
    expect(await service.exited).toBe(0);
  });

  it('the client reports a service number nobody registered with WCF\'s EndpointNotFound text', async () => {
    const { home } = enabledHome();
    const port = await freePort();
    const env = { PORTSHARE_HOME: home };
    const a = run('service.js', ['--port', String(port)], env);
    await a.waitFor(/Press <ENTER>/);
    const client = run('client.js', ['--port', String(port)], env);
    await client.waitFor(/Enter the service number to test: $/);
    client.proc.stdin!.end('70000\n');
    expect(await client.exited).toBe(1);
    expect(client.text()).toContain('Unhandled Exception: System.FormatException');
    const c2 = run('client.js', ['--port', String(port)], env);
    await c2.waitFor(/Enter the service number to test: $/);
    const salt = Number(/Service #(\d+)/.exec(a.text())![1]);
    const other = (salt + 1) % 65536;
    c2.proc.stdin!.end(`${other}\n`);
    expect(await c2.exited).toBe(1);
    expect(c2.text()).toContain(
      `Unhandled Exception: System.ServiceModel.EndpointNotFoundException: There was no endpoint listening at net.tcp://localhost:${port}/calculator/${other} that could accept the message.`,
    );
  });
});
