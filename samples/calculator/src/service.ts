#!/usr/bin/env node
// The sample's service: an ICalculator on a fixed port with a random number in its path, port
// sharing enabled, so several copies run side by side on port 9000.
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ServiceHost } from '@portshare/host';
import { implement } from '@portshare/soap';
import { ICalculator, calculatorAddress } from './contract.js';
import { dotnetExceptionName, readLine } from './console.js';
import { parseOptions } from './options.js';

const calculator = implement(ICalculator, {
  Add: (n1, n2) => n1 + n2,
  Subtract: (n1, n2) => n1 - n2,
  Multiply: (n1, n2) => n1 * n2,
  Divide: (n1, n2) => n1 / n2,
});

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  // ushort salt = (ushort)new Random().Next();
  const salt = options.number ?? randomInt(0, 65536);
  const address = calculatorAddress(salt, options.host, options.port);
  // ServiceHost host = new ServiceHost(typeof(CalculatorService), new Uri(address));
  // host.AddServiceEndpoint(typeof(ICalculator), new NetTcpBinding { PortSharingEnabled = true }, "");
  const host = await ServiceHost.open({
    address,
    services: [calculator],
    portSharingEnabled: options.portSharing,
    ...(options.replace ? { onConflict: 'replace' as const } : {}),
    // NetTcpBinding(SecurityMode.Transport) with a service certificate: clients upgrade to TLS.
    ...(options.certificate !== undefined && options.key !== undefined
      ? { security: { certificate: readFileSync(options.certificate), key: readFileSync(options.key) } }
      : {}),
  });
  let stopping = false;
  const stop = async (closing: Promise<void>): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await closing;
    process.exit(0);
  };
  // A newer copy started with --replace took the address: no new session comes here; let the
  // clients finish their sessions, then exit (a zero-downtime deploy).
  host.on('superseded', () => {
    process.stdout.write(`Service #${salt} was replaced by a newer copy; exiting once its ${host.activeSessions} open session(s) end.\n`);
    void stop(host.close({ waitForSessions: true, timeoutMs: 60_000 }));
  });
  process.stdout.write(`Service #${salt} listening on ${address}.\n`);
  if (options.certificate !== undefined) process.stdout.write(`Transport security: TLS with the certificate in ${options.certificate}.\n`);
  process.stdout.write('Press <ENTER> to terminate service.\n');
  // host.Close(): unregisters from the sharing service at once, answers the calls in flight.
  process.once('SIGINT', () => void stop(host.close()));
  process.once('SIGTERM', () => void stop(host.close()));
  await readLine();
  await stop(host.close());
}

main().catch((err: { code?: string; message?: string }) => {
  process.stderr.write(`Unhandled Exception: ${dotnetExceptionName(err.code)}: ${err.message ?? String(err)}\n`);
  process.exit(1);
});
