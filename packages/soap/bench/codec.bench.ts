// Encode + decode of the calculator's Add request: the per-call cost of the message layer.
// Run: pnpm --filter @portshare/soap bench
import { bench, describe } from 'vitest';
import { defineContract } from '../src/contract.js';
import { buildEnvelope, parseEnvelope } from '../src/envelope.js';
import { BinarySessionEncoder } from '../src/message-encoder.js';
import { Addressing } from '../src/namespaces.js';
import { buildRequestBody, parseRequestBody } from '../src/operation-formatter.js';

const ICalculator = defineContract({
  name: 'ICalculator',
  namespace: 'http://Microsoft.ServiceModel.Samples',
  operations: { Add: { params: [['n1', 'double'], ['n2', 'double']], returns: 'double' } },
});
const add = ICalculator.operations.get('Add')!;
const VIA = 'net.tcp://localhost:9000/calculator/4381';

// One long-lived session each way, as on a real connection: after the first message the
// StringTable is empty and every name is a session id.
const client = new BinarySessionEncoder();
const server = new BinarySessionEncoder();
let n = 0;

function encodeAdd(): Buffer {
  return client.encode(
    buildEnvelope({
      action: add.action,
      messageId: `urn:uuid:6cfa4773-a265-4275-87ea-${(n++ % 1e12).toString(16).padStart(12, '0')}`,
      replyTo: Addressing.anonymous,
      to: VIA,
      body: [buildRequestBody(add, [100, 15.99])],
    }),
  );
}

// Warm the JIT before measuring, so the first benchmark is not charged for it.
const OPTIONS = { warmupTime: 500, warmupIterations: 2_000, time: 1_500 };

const sample = encodeAdd();
server.decode(sample);

describe('calculator Add request', () => {
  bench(
    'encode + decode',
    () => {
      const payload = encodeAdd();
      const env = parseEnvelope(server.decode(payload));
      parseRequestBody(add, env.body);
    },
    OPTIONS,
  );

  bench('encode only', () => void encodeAdd(), OPTIONS);

  bench(
    'decode only',
    () => {
      const env = parseEnvelope(new BinarySessionEncoder().decode(firstMessage));
      parseRequestBody(add, env.body);
    },
    OPTIONS,
  );
});

// A first message carries its StringTable, so a fresh session can decode it every time.
const firstMessage = new BinarySessionEncoder().encode(
  buildEnvelope({ action: add.action, messageId: 'urn:uuid:6cfa4773-a265-4275-87ea-4ae505d01e3e', replyTo: Addressing.anonymous, to: VIA, body: [buildRequestBody(add, [100, 15.99])] }),
);
