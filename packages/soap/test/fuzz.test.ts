import { PortshareError } from '@portshare/framing';
import { describe, expect, it } from 'vitest';
import type { OperationDescription } from '../src/contract.js';
import { parseEnvelope } from '../src/envelope.js';
import { isFaultBody, parseFault } from '../src/fault.js';
import { BinarySessionEncoder } from '../src/message-encoder.js';
import { parseRequestBody } from '../src/operation-formatter.js';
import type { XmlNode } from '../src/xml-node.js';
import { toXmlString } from '../src/xml-text.js';
import { DOTNET_CALCULATOR, MONO_STREAMS } from './fixtures/notes-envelopes.js';
import { ICalculator, ITest } from './support/contracts.js';
import { captureEnvelopes, fixture, hex } from './support/fixtures.js';

/** xorshift32: a fixed seed makes every run mutate the same way, so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x06, 0x07, 0x7f, 0x80, 0x81, 0x9c, 0x9d, 0xa2, 0xa4, 0xa6, 0xaa, 0xba, 0xbc, 0xfe, 0xff];

function mutate(seed: Buffer, rand: () => number, donors: readonly Buffer[]): Buffer {
  const b = Buffer.from(seed);
  const at = () => Math.floor(rand() * Math.max(1, b.length));
  const ops = 1 + Math.floor(rand() * 4);
  let out = b;
  for (let k = 0; k < ops; k++) {
    switch (Math.floor(rand() * 8)) {
      case 0: // flip one bit
        if (out.length) out[at()]! ^= 1 << Math.floor(rand() * 8);
        break;
      case 1: // an interesting byte
        if (out.length) out[at()] = INTERESTING[Math.floor(rand() * INTERESTING.length)]!;
        break;
      case 2: // random byte
        if (out.length) out[at()] = Math.floor(rand() * 256);
        break;
      case 3: // truncate
        out = out.subarray(0, at());
        break;
      case 4: {
        // delete a range
        const i = at();
        out = Buffer.concat([out.subarray(0, i), out.subarray(i + 1 + Math.floor(rand() * 8))]);
        break;
      }
      case 5: {
        // insert random bytes
        const i = at();
        const ins = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 6) }, () => Math.floor(rand() * 256)));
        out = Buffer.concat([out.subarray(0, i), ins, out.subarray(i)]);
        break;
      }
      case 6: {
        // splice a slice of another envelope in
        const d = donors[Math.floor(rand() * donors.length)]!;
        const from = Math.floor(rand() * d.length);
        const i = at();
        out = Buffer.concat([out.subarray(0, i), d.subarray(from, from + 1 + Math.floor(rand() * 32)), out.subarray(i)]);
        break;
      }
      default: {
        // a huge MB31 (lengths and counts)
        const i = at();
        out = Buffer.concat([out.subarray(0, i), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x07]), out.subarray(i + 1)]);
      }
    }
  }
  return out;
}

function countNodes(nodes: readonly XmlNode[]): number {
  let n = 0;
  for (const node of nodes) {
    n++;
    if (node.kind === 'element') n += countNodes(node.children) + node.attributes.length + node.namespaces.length;
    if (node.kind === 'array') n += node.items.values.length;
  }
  return n;
}

const OPS = new Map<string, OperationDescription>();
for (const c of [ICalculator, ITest]) for (const op of c.operations.values()) OPS.set(op.action, op);

/** Everything a receiver does with a payload: decode, read the envelope, read the body or the fault. */
function process(enc: BinarySessionEncoder, payload: Buffer): number {
  const nodes = enc.decode(payload);
  const n = countNodes(nodes);
  toXmlString(nodes);
  const env = parseEnvelope(nodes);
  if (isFaultBody(env.body)) parseFault(env.body[0]!, [env.root, env.bodyElement]);
  const op = OPS.get(env.action ?? '');
  if (op) parseRequestBody(op, env.body);
  return n;
}

describe('fuzz: mutated envelopes', () => {
  it('60,000 mutations of real envelopes: only PortshareErrors, never more nodes than bytes', () => {
    // Seeds: the first message of every captured direction (the StringTable is self-contained there).
    const seeds: Buffer[] = [
      hex(DOTNET_CALCULATOR.addRequest),
      hex(DOTNET_CALCULATOR.addReply),
      fixture('captures/dotnet-peerresolver-envelope.raw').subarray(3),
      ...Object.values(MONO_STREAMS).flatMap((d) => [hex(d.c2s[0]), hex(d.s2c[0])]),
      ...['mono-types', 'mono-basic'].flatMap((n) => [captureEnvelopes(n, 'c2s')[0]!, captureEnvelopes(n, 's2c')[0]!]),
    ];
    // Later messages of one session, decoded after their predecessors (session ids carried over).
    const sessions: Buffer[][] = [
      captureEnvelopes('mono-types', 'c2s'),
      captureEnvelopes('mono-types', 's2c'),
      [DOTNET_CALCULATOR.addReply, DOTNET_CALCULATOR.divideReply, DOTNET_CALCULATOR.faultReply].map(hex),
    ];
    const rand = rng(0x5eed);
    const quotas = { maxReceivedMessageSize: 1 << 20, maxStringContentLength: 1 << 20 };
    let runs = 0;
    let decoded = 0;
    const codes = new Map<string, number>();
    const check = (enc: BinarySessionEncoder, input: Buffer): void => {
      runs++;
      try {
        const n = process(enc, input);
        decoded++;
        // Linear work: every node, attribute and array item costs at least one input byte.
        expect(n).toBeLessThanOrEqual(input.length);
      } catch (err) {
        if (!(err instanceof PortshareError)) {
          throw new Error(`non-PortshareError for input ${input.toString('hex')}: ${String(err)}`, { cause: err });
        }
        codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
      }
    };
    while (runs < 50_000) {
      const seed = seeds[Math.floor(rand() * seeds.length)]!;
      check(new BinarySessionEncoder({ quotas }), mutate(seed, rand, seeds));
    }
    while (runs < 60_000) {
      const s = sessions[Math.floor(rand() * sessions.length)]!;
      const victim = 1 + Math.floor(rand() * (s.length - 1));
      const enc = new BinarySessionEncoder({ quotas });
      for (let i = 0; i < victim; i++) enc.decode(s[i]!);
      check(enc, mutate(s[victim]!, rand, seeds));
    }
    expect(runs).toBeGreaterThanOrEqual(60_000);
    // The mutations reach both outcomes and a spread of error paths.
    expect(decoded).toBeGreaterThan(100);
    expect(codes.size).toBeGreaterThanOrEqual(6);
  }, 120_000);

  it('random bytes: only PortshareErrors', () => {
    const rand = rng(42);
    let errors = 0;
    for (let i = 0; i < 5_000; i++) {
      const len = Math.floor(rand() * 64);
      const b = Buffer.from(Array.from({ length: len }, () => Math.floor(rand() * 256)));
      try {
        process(new BinarySessionEncoder(), b);
      } catch (err) {
        expect(err).toBeInstanceOf(PortshareError);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(4_000);
  });
});
