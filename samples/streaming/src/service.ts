#!/usr/bin/env node
// The Stream sample's service: IStreamingSample on the calculator sample's shared port, with
// streamed transfer. Each upload is reported as it completes.
import { ServiceHost } from '@portshare/host';
import { dotnetExceptionName, parseOptions, readLine } from '@portshare/sample-calculator';
import { MAX_RECEIVED_MESSAGE_SIZE, streamingAddress } from './contract.js';
import { streamingService } from './service-implementation.js';

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const address = streamingAddress(options.host, options.port);
  const service = streamingService(({ length, digest }) => process.stdout.write(`Received an upload of ${length} bytes (digest ${digest})\n`));
  const host = await ServiceHost.open({
    address,
    services: [service],
    portSharingEnabled: options.portSharing,
    maxReceivedMessageSize: MAX_RECEIVED_MESSAGE_SIZE,
  });
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
