/**
 * Fuzz inputs: a corpus of valid and edge-of-limit client streams for the fuzzing target, and
 * generators that mutate them (in the preamble, or in the records after it) or make random bytes.
 * Input `i` of a seed is always the same bytes, so a violation can be replayed from its index.
 *
 * @module
 */

import { seededRandom, type Random } from '@portshare/framing/testing';
import type { FuzzTarget } from './oracle.js';
import { duplexRecords, preamble, Rec, singletonRecords, size, stringRecord } from './wire.js';

/** Where an input came from. */
export type InputFamily = 'corpus' | 'preamble-mutation' | 'record-mutation' | 'random';

export interface FuzzInput {
  index: number;
  family: InputFamily;
  bytes: Buffer;
}

/** A corpus entry: a whole client stream and where its preamble ends. */
export interface Seed {
  name: string;
  bytes: Buffer;
  preambleEnd: number;
}

const msg = (n: number, fill = 0x61): Buffer => Buffer.alloc(n, fill);

/**
 * Valid streams and the vectors at and just past every limit, for the target's port, routes and
 * limits: the first route gets the sessions; "nowhere" has no registration.
 */
export function buildCorpus(t: FuzzTarget): Seed[] {
  const seg = t.routes[0]?.segment ?? 'fuzz';
  const base = `net.tcp://localhost:${t.port}/${seg}`;
  const seeds: Seed[] = [];
  const add = (name: string, pre: Buffer, rest: Buffer = Buffer.alloc(0)): void => {
    seeds.push({ name, bytes: Buffer.concat([pre, rest]), preambleEnd: pre.length });
  };
  // Sessions the worker accepts: duplex (mode 2, encoding 8) and singleton (mode 1, encoding 7).
  add('duplex', preamble({ via: `${base}/svc` }), duplexRecords([Buffer.from('hello'), msg(40)]));
  add('duplex-no-end', preamble({ via: `${base}/svc` }), duplexRecords([Buffer.from('x')], false));
  add('duplex-empty-message', preamble({ via: base }), duplexRecords([Buffer.alloc(0)]));
  add('singleton', preamble({ mode: 1, via: `${base}/s` }), singletonRecords([Buffer.from('one'), Buffer.from('two')]));
  add('duplex-upper-case', preamble({ via: `NET.TCP://LOCALHOST:${t.port}/${seg.toUpperCase()}/A` }), duplexRecords([msg(3)]));
  add('duplex-extensible', preamble({ via: base, encoding: 'application/soap+msbinsession1' }), duplexRecords([msg(1)]));
  add('duplex-reused', preamble({ via: base }), Buffer.concat([duplexRecords([msg(2)]), preamble({ via: `${base}/again` }), duplexRecords([msg(2, 0x62)])]));
  // The worker's faults.
  add('other-port', preamble({ via: `net.tcp://localhost:${t.port + 1}/${seg}` }), duplexRecords([msg(1)]));
  add('wrong-encoding', preamble({ via: base, encoding: 3 }), duplexRecords([msg(1)]));
  add('text-encoding', preamble({ via: base, encoding: 'application/soap+xml; charset=utf-8' }));
  add('upgrade', preamble({ via: base, upgrade: 'application/ssl-tls', end: false }), Buffer.from([0x16, 0x03, 0x01]));
  // The daemon's answers: no route, unsupported modes, half a preamble.
  add('no-route', preamble({ via: `net.tcp://localhost:${t.port}/nowhere` }));
  add('http-scheme', preamble({ via: `http://localhost:${t.port}/${seg}` }));
  add('simplex', preamble({ mode: 3, via: base }), duplexRecords([msg(1)]));
  add('singleton-sized', preamble({ mode: 4, via: base }), msg(8));
  add('half-preamble', Buffer.from([Rec.Version, 1, 0, Rec.Mode, 2]));
  // Limits, at the edge and one past it: via, content type, upgrade name, message size.
  const viaAt = (bytes: number): string => `${base}/${'v'.repeat(bytes - base.length - 1)}`;
  add('via-at-limit', preamble({ via: viaAt(t.maxViaBytes) }), duplexRecords([msg(1)]));
  add('via-past-limit', preamble({ via: viaAt(t.maxViaBytes + 1) }), duplexRecords([msg(1)]));
  add('content-type-at-limit', preamble({ via: base, encoding: 'c'.repeat(t.maxContentTypeBytes) }));
  add('content-type-past-limit', preamble({ via: base, encoding: 'c'.repeat(t.maxContentTypeBytes + 1) }));
  add('upgrade-at-limit', preamble({ via: base, upgrade: 'u'.repeat(t.maxUpgradeBytes), end: false }));
  add('upgrade-past-limit', preamble({ via: base, upgrade: 'u'.repeat(t.maxUpgradeBytes + 1), end: false }));
  add('message-at-limit', preamble({ via: base }), duplexRecords([msg(t.maxMessageSize)]));
  add('message-past-limit', preamble({ via: base }), duplexRecords([msg(t.maxMessageSize + 1)]));
  add('singleton-at-limit', preamble({ mode: 1, via: base }), singletonRecords([msg(t.maxMessageSize - 1), msg(1)]));
  add('singleton-past-limit', preamble({ mode: 1, via: base }), singletonRecords([msg(t.maxMessageSize), msg(1)]));
  // Sizes at the edge of the 5-byte encoding.
  const huge = Buffer.concat([Buffer.from([Rec.SizedEnvelope]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x07])]);
  add('size-2^31-1', preamble({ via: base }), huge);
  add('size-overflow', preamble({ via: base }), Buffer.from([Rec.SizedEnvelope, 0xff, 0xff, 0xff, 0xff, 0x08]));
  add('via-size-overflow', Buffer.concat([Buffer.from([Rec.Version, 1, 0, Rec.Mode, 2, Rec.Via]), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x10])]));
  add('fault-from-client', preamble({ via: base }), stringRecord(Rec.Fault, 'x'));
  return seeds;
}

const BOUNDARY_BYTES = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0b, 0x0c, 0x7f, 0x80, 0xff];
const EDGE_SIZES = [0, 1, 127, 128, 255, 256, 257, 2047, 2048, 2049, 16_383, 16_384, 65_535, 65_536, 65_537, 0x7fffffff];

const pick = <T>(rng: Random, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
const below = (rng: Random, n: number): number => Math.floor(rng() * n);

/** One edit at a position in [from, to]: flip, boundary byte, insert, delete, truncate, duplicate, size. */
function edit(bytes: Buffer, rng: Random, from: number, to: number): Buffer {
  const at = from + below(rng, Math.max(1, to - from + 1));
  switch (below(rng, 8)) {
    case 0:
      if (at < bytes.length) bytes[at] = (bytes[at] as number) ^ (1 << below(rng, 8));
      return bytes;
    case 1:
      if (at < bytes.length) bytes[at] = pick(rng, BOUNDARY_BYTES);
      return bytes;
    case 2:
      return Buffer.concat([bytes.subarray(0, at), Buffer.from([below(rng, 256)]), bytes.subarray(at)]);
    case 3:
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + below(rng, 4))]);
    case 4:
      return Buffer.from(bytes.subarray(0, at));
    case 5: {
      const end = Math.min(bytes.length, at + 1 + below(rng, 24));
      return Buffer.concat([bytes.subarray(0, end), bytes.subarray(at, end), bytes.subarray(end)]);
    }
    case 6:
      // A size (or anything) replaced by an edge-of-range size encoding.
      return Buffer.concat([bytes.subarray(0, at), size(pick(rng, EDGE_SIZES)), bytes.subarray(at + 1 + below(rng, 2))]);
    default:
      // A record type byte at a random place.
      return Buffer.concat([bytes.subarray(0, at), Buffer.from([pick(rng, BOUNDARY_BYTES)]), bytes.subarray(at)]);
  }
}

/**
 * Input `index` for `seed`: 5 % corpus entries unchanged, 45 % preamble mutations, 35 % record
 * mutations (a valid preamble, mutated records after it), 15 % random bytes (often behind a valid
 * prefix, so they get past the first checks).
 */
export function generateInput(index: number, seed: number, corpus: readonly Seed[]): FuzzInput {
  const rng = seededRandom((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const roll = rng();
  const source = pick(rng, corpus);
  if (roll < 0.05) return { index, family: 'corpus', bytes: source.bytes };
  if (roll < 0.85) {
    const inRecords = roll >= 0.5 && source.bytes.length > source.preambleEnd;
    let bytes: Buffer = Buffer.from(source.bytes);
    const edits = 1 + below(rng, 4);
    for (let k = 0; k < edits; k++) {
      bytes = inRecords ? edit(bytes, rng, source.preambleEnd, bytes.length) : edit(bytes, rng, 0, Math.min(bytes.length, source.preambleEnd));
    }
    return { index, family: inRecords ? 'record-mutation' : 'preamble-mutation', bytes };
  }
  const length = below(rng, 64);
  const random = Buffer.from(Array.from({ length }, () => below(rng, 256)));
  const prefixLength = rng() < 0.6 ? below(rng, source.preambleEnd + 1) : 0;
  return { index, family: 'random', bytes: Buffer.concat([source.bytes.subarray(0, prefixLength), random]) };
}
