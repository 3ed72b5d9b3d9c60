// A TypeScript ServiceHost behind a private sharing daemon, for the tests in which a stock Mono
// client calls a TypeScript service, and the Mono client run against it.
import { ServiceHost, type ServiceHostOptions } from '@portshare/host';
import { implement, type ServiceContract } from '@portshare/soap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, skipWithout, startMono, startPrivateDaemon, type PrivateDaemon } from '../src/index.js';

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

/**
 * The suite in which a stock Mono client (`program()`, its `client` mode) calls a TypeScript
 * service whose every operation records the value it got, as `"<operation> <describe(value)>"`,
 * and echoes it back: Mono must print `lines` (what it read back) and the service must have
 * recorded the same lines (what arrived), with no operation error.
 */
export function describeMonoClientOfEchoService(
  title: string,
  path: string,
  contract: ServiceContract,
  program: () => string,
  lines: readonly string[],
  describeValue: (value: unknown) => string,
): void {
  describe.skipIf(skipWithout('mcs', 'mono'))(title, () => {
    let shared: SharedHost | undefined;
    const received: string[] = [];

    beforeAll(async () => {
      const echo = (op: string) => (value: unknown) => {
        received.push(`${op} ${describeValue(value)}`);
        return value;
      };
      const operations = Object.fromEntries(Object.keys(contract.definition).map((op) => [op, echo(op)]));
      shared = await openSharedHost(path, [implement(contract, operations as never)]);
    });

    afterAll(async () => {
      await shared?.close();
    });

    it('every value arrives as Mono sent it and Mono reads back what it sent', async () => {
      const printed = await runMonoClient(program(), shared!);
      expect(printed).toEqual(lines);
      expect(received).toEqual(lines);
      expect(shared!.errors).toEqual([]);
    });
  });
}
