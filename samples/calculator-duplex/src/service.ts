#!/usr/bin/env node
// The Duplex sample's service: ICalculatorDuplex on the calculator sample's shared port.
import { ServiceHost } from '@portshare/host';
import { dotnetExceptionName, parseOptions, readLine } from '@portshare/sample-calculator';
import { duplexAddress } from './contract.js';
import { calculatorSession } from './service-implementation.js';

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const address = duplexAddress(options.host, options.port);
  const host = await ServiceHost.open({ address, services: [calculatorSession], portSharingEnabled: options.portSharing });
  process.stdout.write(`The service is ready at ${address}\n`);
  process.stdout.write('Press <ENTER> to terminate service.\n');
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await host.close();
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
