import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '../src/envelope.js';
import { isFaultBody, parseFault } from '../src/fault.js';
import { BinarySessionEncoder } from '../src/message-encoder.js';
import { Ns } from '../src/namespaces.js';
import { readNbfx } from '../src/nbfx-reader.js';
import { SessionDictionary } from '../src/session-dictionary.js';
import { writeNbfx } from '../src/nbfx-writer.js';
import type { XmlNode } from '../src/xml-node.js';
import { toXmlString } from '../src/xml-text.js';
import { DECODED_XML, DOTNET_CALCULATOR, MONO_STREAMS } from './fixtures/notes-envelopes.js';
import { captureEnvelopes, fixture, hex, normalizeXml } from './support/fixtures.js';

/** Decodes one direction of a session in order, as a receiver would. */
function decodeStream(payloads: readonly Buffer[]): { xml: string; nodes: XmlNode[] }[] {
  const enc = new BinarySessionEncoder({ quotas: { maxReceivedMessageSize: 1 << 20, maxStringContentLength: 1 << 20 } });
  return payloads.map((p) => {
    const nodes = enc.decode(p);
    return { xml: toXmlString(nodes), nodes };
  });
}

const sections: Record<string, { stream: readonly string[]; notes: (string | undefined)[] }> = {
  'C1 calculator C->S (messages 3.1, 3.3)': { stream: MONO_STREAMS.calculator.c2s, notes: ['3.1', '3.3'] },
  'C1 calculator S->C (messages 3.2, 3.4)': { stream: MONO_STREAMS.calculator.s2c, notes: ['3.2', '3.4'] },
  'C2 faults S->C (messages 6.1-6.3)': { stream: MONO_STREAMS.faults.s2c, notes: ['6.1', '6.2', '6.3'] },
  'C3 one-way C->S (messages 7.1, 7.2)': { stream: MONO_STREAMS.oneway.c2s, notes: ['7.1', '7.2'] },
  'C3 one-way S->C (message 7.3)': { stream: MONO_STREAMS.oneway.s2c, notes: ['7.3'] },
  '.NET calculator client (messages 5.1, 5.3)': { stream: [DOTNET_CALCULATOR.addRequest, DOTNET_CALCULATOR.divideRequest], notes: ['5.1', '5.3'] },
  '.NET calculator server (messages 5.2, 5.4, 5.5)': {
    stream: [DOTNET_CALCULATOR.addReply, DOTNET_CALCULATOR.divideReply, DOTNET_CALCULATOR.faultReply],
    notes: ['5.2', '5.4', '5.5'],
  },
};

describe('decoding the captured and .NET-shaped envelopes (docs/protocol.md §1)', () => {
  for (const [name, { stream, notes }] of Object.entries(sections)) {
    it(`${name}: XML matches the expected decoded form`, () => {
      const decoded = decodeStream(stream.map(hex));
      expect(decoded).toHaveLength(notes.length);
      decoded.forEach((d, i) => {
        const key = notes[i] as string;
        expect(d.xml).toBe(normalizeXml(DECODED_XML[key] as string));
      });
    });
  }

  it('C2 fault requests decode (no decoded XML is kept for them)', () => {
    const decoded = decodeStream(MONO_STREAMS.faults.c2s.map(hex)).map((d) => parseEnvelope(d.nodes));
    expect(decoded.map((e) => e.action)).toEqual([
      'http://Microsoft.ServiceModel.Samples/ITest/Fail',
      'http://Microsoft.ServiceModel.Samples/ITest/FailTyped',
      'http://Microsoft.ServiceModel.Samples/ITest/DivInt',
    ]);
    expect(toXmlString(decoded[2]!.body)).toBe('<DivInt xmlns="http://Microsoft.ServiceModel.Samples"><a>1</a><b>0</b></DivInt>');
  });

  it('the real .NET Framework envelope (C4, message 4) decodes to the expected XML and headers', () => {
    const raw = fixture('captures/dotnet-peerresolver-envelope.raw');
    // The file holds the SizedEnvelope record: 06, MB31 size (dd 02 = 349), payload.
    expect(raw[0]).toBe(0x06);
    const payload = raw.subarray(3);
    expect(payload).toHaveLength(349);
    const [d] = decodeStream([payload]);
    expect(d!.xml).toBe(normalizeXml(DECODED_XML['4'] as string));
    const env = parseEnvelope(d!.nodes);
    expect(env).toMatchObject({
      action: 'http://schemas.microsoft.com/net/2006/05/peer/resolver/Resolve',
      messageId: 'urn:uuid:c287b386-2c1f-458f-a3c3-abb8f1f30cf3',
      replyTo: 'http://www.w3.org/2005/08/addressing/anonymous',
      to: 'net.tcp://192.168.142.191/ChatServer',
    });
  });

  it('the .NET envelope re-encodes to the same bytes with a fresh session (writer matches .NET)', () => {
    const raw = fixture('captures/dotnet-peerresolver-envelope.raw').subarray(3);
    const nodes = decodeStream([raw])[0]!.nodes;
    expect(new BinarySessionEncoder().encode(nodes).toString('hex')).toBe(raw.toString('hex'));
  });

  it('the Mono envelopes re-encode to the same bytes (names and dictionary use are kept per node)', () => {
    for (const stream of [MONO_STREAMS.calculator.c2s, MONO_STREAMS.oneway.c2s, MONO_STREAMS.calculator.s2c]) {
      const payloads = stream.map(hex);
      const decoded = decodeStream(payloads);
      const writer = new BinarySessionEncoder();
      decoded.forEach((d, i) => expect(writer.encode(d.nodes).toString('hex')).toBe(payloads[i]!.toString('hex')));
    }
  });

  it('faults read in both shapes: .NET (message 5.5) and Mono (messages 6.1-6.3)', () => {
    // The fault is the server's third message: its action is session id 15, defined after the two replies.
    const server = decodeStream([DOTNET_CALCULATOR.addReply, DOTNET_CALCULATOR.divideReply, DOTNET_CALCULATOR.faultReply].map(hex));
    const net = parseEnvelope(server[2]!.nodes);
    expect(isFaultBody(net.body)).toBe(true);
    expect(parseFault(net.body[0]!, [net.root, net.bodyElement])).toEqual({
      code: { name: 'Sender', namespace: Ns.soap12 },
      reason: 'boom',
      lang: 'en-US',
    });
    expect(net.relatesTo).toBe('urn:uuid:6cfa4773-a265-4275-87ea-4ae505d01e3e');

    const mono = decodeStream(MONO_STREAMS.faults.s2c.map(hex)).map((d) => parseEnvelope(d.nodes));
    const faults = mono.map((e) => parseFault(e.body[0]!, [e.root, e.bodyElement]));
    // Mono: "a:InternalServiceFault" with `a` bound to WS-Addressing on the Envelope.
    expect(faults[0]!.code).toEqual({ name: 'InternalServiceFault', namespace: Ns.addressing });
    expect(faults[0]!.lang).toBe('');
    expect(faults[1]!.code).toEqual({ name: 'Sender', namespace: Ns.soap12 });
    expect(faults[1]!.reason).toBe('typed failure');
    expect(toXmlString(faults[1]!.detail!)).toBe(
      '<MyFault xmlns="http://example.org/faults" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Code>42</Code><Reason>bad</Reason></MyFault>',
    );
    expect(mono.every((e) => e.relatesTo === undefined && e.to === undefined)).toBe(true);
  });
});

describe('decoding the pcap captures', () => {
  it('mono-types: every envelope both ways decodes, and each echo reply carries the request value', () => {
    const req = decodeStream(captureEnvelopes('mono-types', 'c2s'));
    const rep = decodeStream(captureEnvelopes('mono-types', 's2c'));
    expect(req).toHaveLength(25);
    expect(rep).toHaveLength(25);
    const inner = (xml: string) => /<s:Body><[^>]*>(.*)<\/[^>]*><\/s:Body>/.exec(xml)?.[1] ?? '';
    const strip = (s: string) => s.replace(/<(\/?)[^>\s]+/g, '<$1x');
    for (let i = 0; i < 25; i++) {
      // The echo operations return their argument: same content under a different element name.
      if (i === 16) continue; // Add(0.5, 0.25) = 0.75
      expect(strip(inner(rep[i]!.xml))).toBe(strip(inner(req[i]!.xml)));
    }
    expect(inner(rep[16]!.xml)).toBe('<AddResult>0.75</AddResult>');
  });

  it('mono-large: a 70,000-character string (Chars32) decodes with raised quotas', () => {
    const [r] = decodeStream(captureEnvelopes('mono-large', 'c2s'));
    expect(r!.xml).toContain(`<s>${'y'.repeat(70000)}</s>`);
  });

  it('mono-basic and mono-calculator pcaps decode (same shapes as the fixture envelopes)', () => {
    for (const name of ['mono-basic', 'mono-calculator', 'mono-faults', 'mono-oneway']) {
      for (const dir of ['c2s', 's2c'] as const) {
        const decoded = decodeStream(captureEnvelopes(name, dir));
        expect(decoded.length).toBeGreaterThan(0);
        for (const d of decoded) expect(parseEnvelope(d.nodes).action).toMatch(/^http:\/\/Microsoft\.ServiceModel\.Samples/);
      }
    }
  });

  it('each direction keeps its own session numbering (C1: client id 1 = n1, server id 1 = AddResult)', () => {
    const c = new SessionDictionary();
    const s = new SessionDictionary();
    c.readStringTable(hex(MONO_STREAMS.calculator.c2s[0]));
    s.readStringTable(hex(MONO_STREAMS.calculator.s2c[0]));
    expect(c.lookup(1)).toBe('n1');
    expect(s.lookup(1)).toBe('AddResult');
    // The second reply continues the server's numbering at 3.
    s.readStringTable(hex(MONO_STREAMS.calculator.s2c[1]));
    expect(s.lookup(3)).toBe('DivideResult');
  });

  it('writeNbfx/readNbfx are inverse on every captured document', () => {
    const enc = new BinarySessionEncoder({ quotas: { maxReceivedMessageSize: 1 << 20, maxStringContentLength: 1 << 20 } });
    for (const p of captureEnvelopes('mono-types', 'c2s')) {
      const nodes = enc.decode(p);
      const again = readNbfx(writeNbfx(nodes));
      expect(toXmlString(again)).toBe(toXmlString(nodes));
    }
  });
});
