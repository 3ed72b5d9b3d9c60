#!/usr/bin/env node
// The sample's service: an ICalculator on a fixed port with a random number in its path, port
// sharing enabled, so several copies run side by side on port 9000.
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ServiceDispatcher, implement } from '@portshare/soap';
import { NetTcpServer } from '@portshare/worker';
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
  const dispatcher = new ServiceDispatcher([calculator]);
  const server = await NetTcpServer.listen({
    uri: address,
    portSharingEnabled: options.portSharing,
    ...(options.replace ? { onConflict: 'replace' as const } : {}),
    // NetTcpBinding(SecurityMode.Transport) with a service certificate: clients upgrade to TLS.
    ...(options.certificate !== undefined && options.key !== undefined
      ? { security: { certificate: readFileSync(options.certificate), key: readFileSync(options.key) } }
      : {}),
  });
  let open = 0;
  let superseded = false;
  server.on('session', (session) => {
    open++;
    dispatcher
      .serve(session)
      .then(() => session.close())
      .catch(() => session.abort())
      .finally(() => {
        if (--open === 0 && superseded) void stop();
      });
  });
  // A newer copy started with --replace took the address: no new session comes here; finish the
  // open ones, then exit (a zero-downtime deploy).
  server.on('superseded', () => {
    superseded = true;
    process.stdout.write(`Service #${salt} was replaced by a newer copy; exiting once its ${open} open session(s) end.\n`);
    if (open === 0) void stop();
  });
  process.stdout.write(`Service #${salt} listening on ${address}.\n`);
  if (options.certificate !== undefined) process.stdout.write(`Transport security: TLS with the certificate in ${options.certificate}.\n`);
  process.stdout.write('Press <ENTER> to terminate service.\n');
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await server.close(); // unregisters from the sharing service at once
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await readLine();
  await stop();
}

main().catch((err: { code?: string; message?: string }) => {
  process.stderr.write(`Unhandled Exception: ${dotnetExceptionName(err.code)}: ${err.message ?? String(err)}\n`);
  process.exit(1);
});
