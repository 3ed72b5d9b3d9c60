#!/usr/bin/env node
// The Duplex sample's client: `client.js [address]`. The calls are one-way and return at once;
// the service's answers arrive as callbacks and are printed as they come, as the sample's
// CallbackHandler does.
import { dotnetExceptionName, formatDouble, parseOptions, readLine } from '@portshare/sample-calculator';
import { createClient } from '@portshare/soap';
import { connectSession } from '@portshare/worker';
import { ICalculatorDuplex, duplexAddress } from './contract.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const options = parseOptions(args);
  const address = args.find((a) => a.startsWith('net.tcp://')) ?? duplexAddress(options.host, options.port);
  // InstanceContext instanceContext = new InstanceContext(new CallbackHandler());
  const session = await connectSession(address);
  const client = createClient(ICalculatorDuplex, session, {
    callback: {
      Result: (result) => void process.stdout.write(`Result(${formatDouble(result)})\n`),
      Equation: (eqn) => void process.stdout.write(`Equation(${eqn ?? ''})\n`),
    },
  });
  process.stdout.write('Press <ENTER> to terminate client once the output is displayed.\n\n');
  await client.AddTo(100.0);
  await client.SubtractFrom(50.0);
  await client.MultiplyBy(17.65);
  await client.DivideBy(2.0);
  await client.Clear();
  await readLine();
  await session.close();
}

main().then(
  () => process.exit(0),
  (err: { code?: string; message?: string }) => {
    process.stderr.write(`\nUnhandled Exception: ${dotnetExceptionName(err.code)}: ${err.message ?? String(err)}\n`);
    process.exit(1);
  },
);
