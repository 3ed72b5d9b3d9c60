import { describe, expect, it } from 'vitest';
import { defineContract } from '../src/contract.js';
import { buildEnvelope } from '../src/envelope.js';
import { buildFault } from '../src/fault.js';
import { BinarySessionEncoder } from '../src/message-encoder.js';
import { Addressing } from '../src/namespaces.js';
import { buildReplyBody, buildRequestBody } from '../src/operation-formatter.js';
import { DOTNET_CALCULATOR } from './fixtures/notes-envelopes.js';
import { hex } from './support/fixtures.js';

const ICalculator = defineContract({
  name: 'ICalculator',
  namespace: 'http://Microsoft.ServiceModel.Samples',
  operations: {
    Add: { params: [['n1', 'double'], ['n2', 'double']], returns: 'double' },
    Divide: { params: [['n1', 'double'], ['n2', 'double']], returns: 'double' },
  },
});
const op = (name: string) => ICalculator.operations.get(name)!;
const VIA = 'net.tcp://localhost:9000/calculator/4381';
const ID1 = 'urn:uuid:6cfa4773-a265-4275-87ea-4ae505d01e3e';
const ID2 = 'urn:uuid:4ebd29ad-96d6-c29a-409d-1155647782fe';

describe('writer output is byte-identical to the .NET shapes (docs/protocol.md §1)', () => {
  it('client: Add then Divide requests', () => {
    const client = new BinarySessionEncoder();
    const add = client.encode(buildEnvelope({ action: op('Add').action, messageId: ID1, replyTo: Addressing.anonymous, to: VIA, body: [buildRequestBody(op('Add'), [100, 15.99])] }));
    expect(add.toString('hex')).toBe(hex(DOTNET_CALCULATOR.addRequest).toString('hex'));
    const div = client.encode(buildEnvelope({ action: op('Divide').action, messageId: ID2, replyTo: Addressing.anonymous, to: VIA, body: [buildRequestBody(op('Divide'), [22, 7])] }));
    expect(div.toString('hex')).toBe(hex(DOTNET_CALCULATOR.divideRequest).toString('hex'));
  });
  it('server: Add and Divide replies, then a fault', () => {
    const server = new BinarySessionEncoder();
    const add = server.encode(buildEnvelope({ action: op('Add').replyAction, relatesTo: ID1, to: Addressing.anonymous, body: [buildReplyBody(op('Add'), 115.99)] }));
    expect(add.toString('hex')).toBe(hex(DOTNET_CALCULATOR.addReply).toString('hex'));
    const div = server.encode(buildEnvelope({ action: op('Divide').replyAction, relatesTo: ID2, to: Addressing.anonymous, body: [buildReplyBody(op('Divide'), 22 / 7)] }));
    expect(div.toString('hex')).toBe(hex(DOTNET_CALCULATOR.divideReply).toString('hex'));
    const fault = server.encode(buildEnvelope({ action: Addressing.soapFaultAction, relatesTo: ID1, to: Addressing.anonymous, body: [buildFault({ code: { name: 'Sender', namespace: 'http://www.w3.org/2003/05/soap-envelope' }, reason: 'boom', lang: 'en-US' })] }));
    expect(fault.toString('hex')).toBe(hex(DOTNET_CALCULATOR.faultReply).toString('hex'));
  });
});
