// The text encoding (application/soap+xml; charset=utf-8): envelopes as XML text, read with saxes
// into the tree the binary reader makes, so contracts, faults and duplex work the same. Live
// interop with Mono's TextMessageEncoding over TCP is in packages/interop.
import { describe, expect, it } from 'vitest';
import { createClient } from '../src/client.js';
import { ServiceDispatcher, implement } from '../src/dispatcher.js';
import { SoapErrorCodes } from '../src/errors.js';
import { FaultException } from '../src/fault.js';
import { TEXT_SOAP12_CONTENT_TYPE, TextMessageEncoder } from '../src/text-encoder.js';
import { ICalculator, ITest } from './support/contracts.js';
import { createChannelPair } from './support/memory-channel.js';

const calculator = implement(ICalculator, {
  Add: (a, b) => a + b,
  Subtract: (a, b) => a - b,
  Multiply: (a, b) => a * b,
  Divide: (a, b) => {
    if (b === 0) throw new FaultException('divide by zero');
    return a / b;
  },
});

describe('the text encoding', () => {
  it('calls, results and faults over a session whose encoding is text; the bytes on the wire are the XML', async () => {
    const [client, server] = createChannelPair('net.tcp://localhost:9000/calculator/text', TEXT_SOAP12_CONTENT_TYPE);
    const served = new ServiceDispatcher([calculator]).serve(server).then(() => server.close());
    const proxy = createClient(ICalculator, client);
    expect(await proxy.Add(100, 15.99)).toBe(115.99);
    await expect(proxy.Divide(1, 0)).rejects.toMatchObject({ reason: 'divide by zero' });
    const request = client.sent[0]!.toString('utf8');
    expect(request).toMatch(/^<s:Envelope xmlns:s="http:\/\/www\.w3\.org\/2003\/05\/soap-envelope"/);
    expect(request).toContain('<a:Action s:mustUnderstand="1">http://Microsoft.ServiceModel.Samples/ICalculator/Add</a:Action>');
    expect(server.sent[0]!.toString('utf8')).toContain('<AddResult>115.99</AddResult>');
    await client.close();
    await served;
  });

  it('reads what a peer writes with other prefixes, whitespace and escapes', () => {
    const xml =
      '<?xml version="1.0" encoding="utf-8"?>\n<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing">\n' +
      '  <env:Header><wsa:Action env:mustUnderstand="1">urn:x</wsa:Action></env:Header>\n' +
      '  <env:Body><Echo xmlns="http://example.org/t"><s>a &lt;b&gt; &amp; c</s></Echo></env:Body>\n</env:Envelope>';
    const nodes = new TextMessageEncoder().decode(Buffer.from(xml));
    const envelope = nodes[0] as unknown as { localName: string; namespaceUri: string };
    expect(envelope.localName).toBe('Envelope');
    expect(envelope.namespaceUri).toBe('http://www.w3.org/2003/05/soap-envelope');
    expect(new TextMessageEncoder().encode(nodes).toString()).toContain('<s>a &lt;b&gt; &amp; c</s>');
  });

  it('enforces the reader quotas and refuses malformed XML with SoapErrors', () => {
    const encoder = new TextMessageEncoder({ quotas: { maxStringContentLength: 10, maxDepth: 3 } });
    expect(() => encoder.decode(Buffer.from('<a><b>01234567890</b></a>'))).toThrow(expect.objectContaining({ code: SoapErrorCodes.STRING_CONTENT_TOO_LONG }));
    expect(() => encoder.decode(Buffer.from('<a><b><c><d/></c></b></a>'))).toThrow(expect.objectContaining({ code: SoapErrorCodes.MAX_DEPTH_EXCEEDED }));
    expect(() => encoder.decode(Buffer.from('<a><b></a>'))).toThrow(expect.objectContaining({ code: SoapErrorCodes.MALFORMED }));
    // No DTD entity expansion: an entity bomb is malformed, not expanded.
    expect(() => encoder.decode(Buffer.from('<!DOCTYPE a [<!ENTITY x "xxxxxxxxxx">]><a>&x;&x;</a>'))).toThrow(
      expect.objectContaining({ code: SoapErrorCodes.MALFORMED }),
    );
    const names = new TextMessageEncoder({ quotas: { maxNameTableCharCount: 20 } });
    expect(names.decode(Buffer.from('<abcde><abcde/><abcde/></abcde>'))).toHaveLength(1);
    expect(() => names.decode(Buffer.from('<abcde><fghij/><klmno/><pqrst/><uvwxy/></abcde>'))).toThrow(
      expect.objectContaining({ code: SoapErrorCodes.NAME_TABLE_EXCEEDED }),
    );
    expect(() => new TextMessageEncoder({ quotas: { maxReceivedMessageSize: 4 } }).decode(Buffer.from('<a/>  '))).toThrow(
      expect.objectContaining({ code: SoapErrorCodes.MESSAGE_TOO_LARGE }),
    );
  });

  it('every value type of the test contract round-trips as text', async () => {
    const [client, server] = createChannelPair('net.tcp://localhost:9000/test/text', TEXT_SOAP12_CONTENT_TYPE);
    const same = (...args: unknown[]): unknown => args[0];
    const echo = implement(
      ITest,
      Object.fromEntries([...ITest.operations.keys()].map((name) => [name, name === 'Add' ? (a: number, b: number) => a + b : same])) as never,
    );
    const served = new ServiceDispatcher([echo]).serve(server).then(() => server.close());
    const proxy = createClient(ITest, client) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    expect(await proxy['Echo']!('héllo <&>')).toBe('héllo <&>');
    expect(await proxy['EchoLong']!(5_000_000_000n)).toBe(5_000_000_000n);
    expect(await proxy['EchoBool']!(true)).toBe(true);
    expect(await proxy['EchoDouble']!(0.1)).toBe(0.1);
    expect(Buffer.from((await proxy['EchoBytes']!(new Uint8Array([1, 2, 250]))) as Uint8Array)).toEqual(Buffer.from([1, 2, 250]));
    expect(await proxy['EchoInts']!([1, 2, 300])).toEqual([1, 2, 300]);
    expect(await proxy['EchoStrings']!(['a', 'bc'])).toEqual(['a', 'bc']);
    await client.close();
    await served;
  });
});
