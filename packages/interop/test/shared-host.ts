// A TypeScript ServiceHost behind a private sharing daemon, for the tests in which a stock Mono
// client calls a TypeScript service, and the Mono client run against it.
import { ServiceHost, type ServiceHostOptions } from '@portshare/host';
import { expect } from 'vitest';
import { freePort, startMono, startPrivateDaemon, type PrivateDaemon } from '../src/index.js';

export interface SharedHost {
  readonly host: ServiceHost;
  /** Errors the service's operations raised (operationError), in order. */
  readonly errors: unknown[];
  close(): Promise<void>;
}

/** Opens `services` at net.tcp://localhost:<free port><path>, registered with a daemon of its own. */
export async function openSharedHost(path: string, services: ServiceHostOptions['services']): Promise<SharedHost> {
  const daemon: PrivateDaemon = await startPrivateDaemon();
  const errors: unknown[] = [];
  let host: ServiceHost;
  try {
    host = await ServiceHost.open({ address: `net.tcp://localhost:${await freePort()}${path}`, portSharingEnabled: true, home: daemon.home, services });
  } catch (err) {
    await daemon.stop();
    throw err;
  }
  host.on('operationError', (error) => errors.push(error));
  return {
    host,
    errors,
    async close() {
      await host.close();
      await daemon.stop();
    },
  };
}

/** Runs a Mono program's `client` mode against `shared`; expects it to succeed and returns the lines it printed. */
export async function runMonoClient(exe: string, shared: SharedHost): Promise<string[]> {
  const client = startMono(exe, ['client', shared.host.address]);
  const status = await client.waitForExit(60_000);
  expect(status.code, `${client.stdout}\n${client.stderr}\n${shared.errors.map(String).join('\n')}`).toBe(0);
  return client.stdout.trim().split('\n');
}
