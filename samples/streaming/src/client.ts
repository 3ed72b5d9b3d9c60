#!/usr/bin/env node
// The Stream sample's client: `client.js [address] [--size BYTES]`. Each call is one streamed
// connection (singleton mode), as with WCF's TransferMode.Streamed; the streams it sends are made
// as they are read and the ones it receives are read as they arrive, so memory stays flat
// whatever the size.
import { dotnetExceptionName, parseOptions, readLine } from '@portshare/sample-calculator';
import { createClient, type ClientProxy } from '@portshare/soap';
import { connectSession } from '@portshare/worker';
import { IStreamingSample, MAX_RECEIVED_MESSAGE_SIZE, streamingAddress } from './contract.js';
import { digestOf, sampleFile } from './sample-file.js';

type Client = ClientProxy<typeof IStreamingSample>;

async function call<T>(address: string, body: (client: Client) => Promise<T>): Promise<T> {
  const session = await connectSession(address, { transferMode: 'streamed', maxMessageSize: MAX_RECEIVED_MESSAGE_SIZE });
  try {
    return await body(createClient(IStreamingSample, session));
  } finally {
    await session.close().catch(() => session.abort());
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const options = parseOptions(args);
  const address = args.find((a) => a.startsWith('net.tcp://')) ?? streamingAddress(options.host, options.port);
  const sizeAt = args.indexOf('--size');
  const size = sizeAt === -1 ? 1_000_000 : Number(args[sizeAt + 1]);
  const print = (line: string): void => void process.stdout.write(`${line}\n`);

  print('Calling GetStream()');
  const got = await call(address, async (c) => digestOf(await c.GetStream('some data')));
  print(`Read ${got.length} bytes (digest ${got.digest})`);
  print('');
  print(`Calling UploadStream() with ${size} bytes`);
  print(`UploadStream returned ${await call(address, (c) => c.UploadStream(sampleFile(size)))}`);
  print('');
  print(`Calling EchoStream() with ${size} bytes`);
  const echoed = await call(address, async (c) => digestOf(await c.EchoStream(sampleFile(size))));
  print(`Read ${echoed.length} bytes (digest ${echoed.digest})`);
  print('');
  print('Calling GetReversedStream()');
  const reversed = await call(address, async (c) => digestOf(await c.GetReversedStream()));
  print(`Read ${reversed.length} bytes (digest ${reversed.digest})`);
  print('');
  print('Press <ENTER> to terminate client.');
  if (!args.includes('--no-wait')) await readLine();
}

main().then(
  () => process.exit(0),
  (err: { code?: string; message?: string }) => {
    process.stderr.write(`\nUnhandled Exception: ${dotnetExceptionName(err.code)}: ${err.message ?? String(err)}\n`);
    process.exit(1);
  },
);
