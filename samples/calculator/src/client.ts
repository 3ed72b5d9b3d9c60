#!/usr/bin/env node
// The sample's client: asks for a service number, calls the four operations on that service and
// prints the results the way the C# client does (Console.WriteLine with .NET's number formatting).
import { readFileSync } from 'node:fs';
import { createClient } from '@portshare/soap';
import { connectSession } from '@portshare/worker';
import { ICalculator, calculatorAddress } from './contract.js';
import { dotnetExceptionName, readLine } from './console.js';
import { formatDouble } from './format-double.js';
import { parseOptions } from './options.js';

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  process.stdout.write('Enter the service number to test: ');
  const line = await readLine();
  const salt = Number(line?.trim());
  if (line === null || !/^\d+$/.test(line.trim()) || salt > 65535) {
    throw Object.assign(new Error('Input string was not in a correct format.'), { code: 'FORMAT' });
  }
  const address = calculatorAddress(salt, options.host, options.port);
  const session = await connectSession(address, {
    // --ca: NetTcpBinding(SecurityMode.Transport), trusting the service certificate's issuer.
    ...(options.ca !== undefined
      ? { security: { ca: readFileSync(options.ca), ...(options.dnsIdentity === undefined ? {} : { dnsIdentity: options.dnsIdentity }) } }
      : {}),
  });
  const proxy = createClient(ICalculator, session);
  const calls: [string, number, number, (a: number, b: number) => Promise<number>][] = [
    ['Add', 100.0, 15.99, (a, b) => proxy.Add(a, b)],
    ['Subtract', 145.0, 76.54, (a, b) => proxy.Subtract(a, b)],
    ['Multiply', 9.0, 81.25, (a, b) => proxy.Multiply(a, b)],
    ['Divide', 22.0, 7.0, (a, b) => proxy.Divide(a, b)],
  ];
  for (const [name, value1, value2, op] of calls) {
    const result = await op(value1, value2);
    process.stdout.write(`${name}(${formatDouble(value1)},${formatDouble(value2)}) = ${formatDouble(result)}\n`);
  }
  process.stdout.write('Press <ENTER> to terminate client.\n');
  await readLine();
  await session.close();
}

main().then(
  () => process.exit(0),
  (err: { code?: string; message?: string }) => {
    const name = err.code === 'FORMAT' ? 'System.FormatException' : dotnetExceptionName(err.code);
    process.stderr.write(`\nUnhandled Exception: ${name}: ${err.message ?? String(err)}\n`);
    process.exit(1);
  },
);
