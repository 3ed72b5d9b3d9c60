// The fuzzer's reference model, checked three ways: against the spec's facts for each corpus
// entry, against @portshare/framing's own decoders on generated inputs (two independent readings
// of [MC-NMF] must agree), and its wire helpers against framing's encoders.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeFault,
  encodePreamble,
  encodeSizedEnvelope,
  encodeUnsizedEnvelope,
  FramingError,
  PreambleDecoder,
  RecordDecoder,
  type FramingRecord,
} from '@portshare/framing';
import { buildCorpus, generateInput } from '../src/fuzz/generate.js';
import { expectOutcome, modelRecords, parsePreamble, type Expected, type FuzzTarget } from '../src/fuzz/oracle.js';
import { matchesAny } from '../src/fuzz/response.js';
import { envelope, FAULT_NS, faultBytes, preamble, size } from '../src/fuzz/wire.js';

const target: FuzzTarget = {
  port: 9000,
  routes: [
    { segment: 'fuzz', tag: 'F:' },
    { segment: 'good', tag: 'G:' },
  ],
  maxViaBytes: 2048,
  maxContentTypeBytes: 256,
  maxUpgradeBytes: 256,
  maxMessageSize: 2048,
};
const corpus = buildCorpus(target);
const seed = (name: string): Buffer => {
  const s = corpus.find((c) => c.name === name);
  if (s === undefined) throw new Error(`no corpus entry ${name}`);
  return s.bytes;
};
const only = (bytes: Buffer): Expected => {
  const e = expectOutcome(bytes, target);
  expect(e.alternatives).toHaveLength(1);
  return e.alternatives[0] as Expected;
};

describe('the reference model on the corpus (docs/protocol.md §2, §5, §6)', () => {
  it('hands valid duplex and singleton sessions to the worker, which echoes each message and ends with End', () => {
    expect(only(seed('duplex'))).toMatchObject({ kind: 'session', mode: 2, tag: 'F:', terminal: 'end' });
    expect((only(seed('duplex')) as { messages: Buffer[] }).messages.map((m) => m.toString())).toEqual(['hello', 'a'.repeat(40)]);
    expect(only(seed('singleton'))).toMatchObject({ kind: 'session', mode: 1, terminal: 'end' });
    expect((only(seed('singleton')) as { messages: Buffer[] }).messages.map(String)).toEqual(['onetwo']);
    expect(only(seed('duplex-upper-case'))).toMatchObject({ kind: 'session' });
    expect(only(seed('duplex-extensible'))).toMatchObject({ kind: 'session' });
    expect(only(seed('duplex-no-end'))).toMatchObject({ kind: 'session', terminal: 'eof' });
  });

  it('follows a reused connection into its second preamble', () => {
    const e = only(seed('duplex-reused'));
    expect(e).toMatchObject({ kind: 'session', terminal: 'end' });
    expect((e as { after: Expected[] }).after).toEqual([expect.objectContaining({ kind: 'session', terminal: 'end' })]);
  });

  it('expects the daemon to fault EndpointNotFound for a well-formed via nobody registered, and drop the rest silently', () => {
    expect(only(seed('no-route'))).toEqual({ kind: 'fault', fault: 'EndpointNotFound' });
    expect(only(seed('http-scheme'))).toEqual({ kind: 'fault', fault: 'EndpointNotFound' });
    for (const name of ['simplex', 'singleton-sized', 'half-preamble', 'via-past-limit', 'content-type-past-limit', 'via-size-overflow']) {
      expect(expectOutcome(seed(name), target), name).toEqual({ daemon: ['drop'], alternatives: [{ kind: 'drop' }] });
    }
    // An upgrade name over its limit comes after the daemon's routing point (the encoding): the
    // daemon drops it when it reads both at once, else the worker does. Dropped either way.
    expect(expectOutcome(seed('upgrade-past-limit'), target)).toEqual({ daemon: ['drop', 'handoff'], alternatives: [{ kind: 'drop' }] });
  });

  it("expects the worker's faults: another port, another encoding, an upgrade", () => {
    expect(only(seed('other-port'))).toEqual({ kind: 'fault', fault: 'EndpointNotFound' });
    expect(only(seed('wrong-encoding'))).toEqual({ kind: 'fault', fault: 'ContentTypeInvalid' });
    expect(only(seed('text-encoding'))).toEqual({ kind: 'fault', fault: 'ContentTypeInvalid' });
    expect(only(seed('upgrade'))).toEqual({ kind: 'fault', fault: 'UpgradeInvalid' });
    expect(only(seed('upgrade-at-limit'))).toEqual({ kind: 'fault', fault: 'UpgradeInvalid' });
    expect(only(seed('content-type-at-limit'))).toEqual({ kind: 'fault', fault: 'ContentTypeInvalid' });
  });

  it('puts every limit at its edge: at the limit served, one past refused', () => {
    expect(only(seed('via-at-limit'))).toMatchObject({ kind: 'session', terminal: 'end' });
    expect(only(seed('message-at-limit'))).toMatchObject({ kind: 'session', terminal: 'end' });
    expect(only(seed('message-past-limit'))).toMatchObject({ kind: 'session', terminal: { fault: 'MaxMessageSizeExceededFault' } });
    expect(only(seed('singleton-at-limit'))).toMatchObject({ kind: 'session', terminal: 'end' });
    expect(only(seed('singleton-past-limit'))).toMatchObject({ kind: 'session', terminal: { fault: 'MaxMessageSizeExceededFault' } });
    expect(only(seed('size-2^31-1'))).toMatchObject({ kind: 'session', terminal: { fault: 'MaxMessageSizeExceededFault' } });
    expect(only(seed('size-overflow'))).toMatchObject({ kind: 'session', terminal: 'abort' });
    expect(only(seed('fault-from-client'))).toMatchObject({ kind: 'session', terminal: 'abort' });
  });

  it('lists both outcomes where a read boundary decides: a malformed byte after the routing point', () => {
    // Mode 1 routes on the via; a bad encoding record after it is seen in the same read (drop) or
    // by the worker after the hand-off (which drops it too, having no encoding).
    const bytes = Buffer.concat([preamble({ mode: 1, via: 'net.tcp://localhost:9000/fuzz', end: false }).subarray(0, -2), Buffer.from([0x55])]);
    const e = expectOutcome(bytes, target);
    expect(e.daemon.sort()).toEqual(['drop', 'handoff']);
    expect(e.alternatives).toEqual([{ kind: 'drop' }]);
  });
});

describe('the reference model against @portshare/framing (two independent readings must agree)', () => {
  // Generated inputs: the fuzzer's own generator (corpus, mutations, random bytes).
  const inputs = fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((i) => generateInput(i, 0x5eed, corpus).bytes);

  it('agrees with PreambleDecoder on error, mode, via, encoding and where the preamble ends', () => {
    fc.assert(
      fc.property(inputs, (bytes) => {
        const model = parsePreamble(bytes, target);
        const decoder = new PreambleDecoder();
        let used = 0;
        let error: unknown;
        try {
          used = decoder.decode(bytes);
        } catch (err) {
          error = err;
        }
        expect(error === undefined || error instanceof FramingError).toBe(true);
        expect(model.error !== undefined).toBe(error !== undefined);
        if (error !== undefined) return;
        expect(model.mode).toBe(decoder.mode);
        expect(model.via?.uri).toBe(decoder.via);
        expect(model.contentType).toBe(decoder.encoding?.contentType);
        expect(model.complete).toBe(decoder.complete);
        if (model.complete || model.upgrade === true) expect(model.end).toBe(used);
      }),
      { numRuns: 5000, seed: 0x5eed },
    );
  });

  it('agrees with RecordDecoder (server role) on the messages and how the records end', () => {
    const records = fc.tuple(fc.constantFrom(1 as const, 2 as const), inputs).map(([mode, bytes]) => ({ mode, bytes }));
    fc.assert(
      fc.property(records, ({ mode, bytes }) => {
        const model = modelRecords(bytes, mode, target.maxMessageSize);
        const decoder = new RecordDecoder({ role: 'server', mode, maxMessageSize: target.maxMessageSize });
        const messages: Buffer[] = [];
        let ended = false;
        let error: FramingError | undefined;
        try {
          decoder.decode(bytes, (r: FramingRecord) => {
            if (r.type === 'sized-envelope') messages.push(Buffer.from(r.payload));
            else if (r.type === 'unsized-envelope') messages.push(Buffer.concat(r.chunks));
            else if (r.type === 'end') ended = true;
          });
        } catch (err) {
          error = err as FramingError;
        }
        expect(messages).toEqual(model.messages);
        if (model.terminal === 'end') expect(ended).toBe(true);
        else if (typeof model.terminal === 'object') expect(error?.faultUri).toBe(FAULT_NS + model.terminal.fault);
        else if (model.terminal === 'abort') expect(error).toBeInstanceOf(FramingError);
        else expect(error).toBeUndefined();
      }),
      { numRuns: 5000, seed: 0x5eed },
    );
  });
});

describe('the wire helpers match the encoders', () => {
  it('builds the same preambles, envelopes, sizes and faults', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2), fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (mode, payload, n) => {
        const p = Buffer.from(payload);
        expect(preamble({ mode, via: 'net.tcp://h:1/x' })).toEqual(encodePreamble({ mode: mode as 1 | 2, via: 'net.tcp://h:1/x', encoding: mode === 1 ? 7 : 8 }));
        expect(envelope(2, p)).toEqual(encodeSizedEnvelope(p));
        expect(envelope(1, p)).toEqual(encodeUnsizedEnvelope(p.length === 0 ? [] : [p]));
        expect(size(n).length).toBeLessThanOrEqual(5);
      }),
      { numRuns: 300, seed: 1 },
    );
    expect(faultBytes('EndpointNotFound')).toEqual(encodeFault(`${FAULT_NS}EndpointNotFound`));
  });

  it('matches an answer against the alternatives, and nothing else', () => {
    const e: Expected = { kind: 'session', mode: 2, tag: 'F:', messages: [Buffer.from('a'), Buffer.from('b')], terminal: 'end', after: [] };
    const ack = Buffer.from([0x0b]);
    const echo = (s: string): Buffer => envelope(2, Buffer.from(`F:${s}`));
    expect(matchesAny([e], Buffer.concat([ack, echo('a'), echo('b'), Buffer.from([0x07])]))).toBe(true);
    expect(matchesAny([e], Buffer.concat([ack, echo('a'), Buffer.from([0x07])]))).toBe(false);
    expect(matchesAny([e], Buffer.concat([ack, echo('b'), echo('a'), Buffer.from([0x07])]))).toBe(false);
    expect(matchesAny([e], Buffer.alloc(0))).toBe(false);
    expect(matchesAny([{ kind: 'drop' }], Buffer.alloc(0))).toBe(true);
    expect(matchesAny([{ kind: 'fault', fault: 'EndpointNotFound' }], faultBytes('EndpointNotFound'))).toBe(true);
    expect(matchesAny([{ kind: 'fault', fault: 'EndpointNotFound' }], faultBytes('EndpointUnavailable'))).toBe(false);
    const faulted: Expected = { ...e, terminal: { fault: 'MaxMessageSizeExceededFault' } };
    expect(matchesAny([faulted], Buffer.concat([ack, faultBytes('MaxMessageSizeExceededFault')]))).toBe(true);
    expect(matchesAny([faulted], Buffer.concat([ack, echo('a'), faultBytes('MaxMessageSizeExceededFault')]))).toBe(true);
    expect(matchesAny([faulted], ack)).toBe(false);
  });

  it('generates the same input for the same index and seed', () => {
    for (const i of [0, 1, 99_999, 987_654]) expect(generateInput(i, 7, corpus).bytes).toEqual(generateInput(i, 7, corpus).bytes);
    const families = new Set(Array.from({ length: 2000 }, (_, i) => generateInput(i, 7, corpus).family));
    expect([...families].sort()).toEqual(['corpus', 'preamble-mutation', 'random', 'record-mutation']);
  });
});
