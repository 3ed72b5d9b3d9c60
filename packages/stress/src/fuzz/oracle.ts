/**
 * The fuzzer's reference model: for one input (every byte a client sends, then its EOF), what the
 * daemon and the worker behind it must answer, as the rules of [MC-NMF] and SMSvcHost say
 * (docs/protocol.md §2, §5, §6):
 *
 * - daemon: a malformed preamble, modes 3 and 4, a via or content type over its limit, or EOF before
 *   the routing point → dropped without a byte; a well-formed via with no registration →
 *   EndpointNotFound fault; otherwise handed off with every byte read.
 * - worker (re-reads from byte 0): a via it does not serve → EndpointNotFound; an encoding it does
 *   not serve → ContentTypeInvalid; an upgrade → UpgradeInvalid; otherwise PreambleAck, then each
 *   message echoed, an oversized one → MaxMessageSizeExceededFault, a malformed record → abort, End
 *   → End (and the connection may carry another preamble, checked with the daemon again).
 *
 * The model is written independently of the decoders (see wire.ts) and parses whole inputs, not
 * streams. Where the outcome depends on how TCP happens to split the input into reads (a check
 * that runs at a read boundary before a later malformed byte is seen), every possible outcome is
 * listed as an alternative.
 *
 * @module
 */

import { parseVia, type ParsedVia } from '@portshare/framing';
import { KNOWN_CONTENT_TYPES, Rec, readSize } from './wire.js';

/** A registration the fuzzing daemon holds: net.tcp://localhost:<port>/<segment>, StrongWildcard. */
export interface FuzzRoute {
  /** The first path segment, lower case. */
  segment: string;
  /** The reply prefix of the worker behind it. */
  tag: string;
}

/** What the fuzzing daemon and its workers serve, and their limits. */
export interface FuzzTarget {
  port: number;
  routes: readonly FuzzRoute[];
  maxViaBytes: number;
  maxContentTypeBytes: number;
  maxUpgradeBytes: number;
  /** The workers' maxMessageSize. */
  maxMessageSize: number;
}

/** How a session's records end. */
export type Terminal =
  /** End received: every message echoed, then End. */
  | 'end'
  /** EOF between or inside records: every complete message echoed, then close. */
  | 'eof'
  /** A malformed record: some of the earlier messages echoed (reads may split), then close. */
  | 'abort'
  /** A record the worker answers with a fault: some earlier messages echoed, then the fault. */
  | { fault: string };

/** One acceptable answer to an input. */
export type Expected =
  | { kind: 'drop' }
  | { kind: 'fault'; fault: string }
  | {
      kind: 'session';
      mode: 1 | 2;
      tag: string;
      messages: Buffer[];
      terminal: Terminal;
      /** After the worker's End: what the next preamble on the connection may get ('any' past the model's depth). */
      after: Expected[] | 'any';
    };

/** What happens to an input at the daemon. */
export type DaemonVerdict = 'drop' | 'fault' | 'handoff';

export interface Expectation {
  /** Possible verdicts of the daemon (more than one only where read boundaries decide). */
  daemon: DaemonVerdict[];
  /** Acceptable answers; the observed answer must match one. */
  alternatives: Expected[];
}

const DROP: Expected = { kind: 'drop' };
const fault = (name: string): Expected => ({ kind: 'fault', fault: name });

/** The preamble as far as the input goes. Offsets are "bytes consumed when this was known". */
export interface ParsedPreamble {
  /** The first malformed byte; `fault` is what a worker's mode reader answers for it, if anything. */
  error?: { at: number; fault?: string };
  mode?: number;
  via?: ParsedVia;
  viaEnd?: number;
  contentType?: string;
  encodingEnd?: number;
  upgrade?: boolean;
  complete: boolean;
  /** Bytes the preamble took (through PreambleEnd, or the UpgradeRequest), when complete or upgraded. */
  end: number;
}

/** Parses a client preamble ([MC-NMF] 2.2.3.1–2.2.3.6, 2.2.4) from a whole input. */
export function parsePreamble(b: Uint8Array, t: Pick<FuzzTarget, 'maxViaBytes' | 'maxContentTypeBytes' | 'maxUpgradeBytes'>): ParsedPreamble {
  const p: ParsedPreamble = { complete: false, end: 0 };
  const fail = (at: number, faultName?: string): ParsedPreamble => {
    p.error = faultName === undefined ? { at } : { at, fault: faultName };
    return p;
  };
  const n = b.length;
  const text = (from: number, length: number): string => Buffer.from(b.buffer, b.byteOffset + from, length).toString('utf8');
  // Version record: 0x00, major (must be 1), minor (ignored).
  if (n < 1) return p;
  if (b[0] !== Rec.Version) return fail(0);
  if (n < 2) return p;
  if (b[1] !== 1) return fail(1, 'UnsupportedVersion');
  if (n < 4) return p;
  // Mode record: 0x01, 1..4.
  if (b[3] !== Rec.Mode) return fail(3);
  if (n < 5) return p;
  const mode = b[4] as number;
  if (mode < 1 || mode > 4) return fail(4, 'UnsupportedMode');
  p.mode = mode;
  // Via record: 0x02, size (≤ maxViaBytes, checked before the bytes), an absolute URI.
  if (n < 6) return p;
  if (b[5] !== Rec.Via) return fail(5);
  let r = readSize(b, 6);
  if ('incomplete' in r) return p;
  if ('error' in r) return fail(r.at);
  if (r.value > t.maxViaBytes) return fail(r.next - 1);
  let i = r.next;
  if (i + r.value > n) return p;
  try {
    // Strict UTF-8: invalid bytes are a malformed via, not U+FFFD (issue #13).
    p.via = parseVia(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b.subarray(i, i + r.value)));
  } catch {
    return fail(i + r.value);
  }
  i += r.value;
  p.viaEnd = i;
  // Encoding record: 0x03 byte, or 0x04 size (≤ maxContentTypeBytes) string.
  if (i >= n) return p;
  if (b[i] === Rec.KnownEncoding) {
    if (i + 1 >= n) return p;
    const e = b[i + 1] as number;
    p.contentType = KNOWN_CONTENT_TYPES[e] ?? `unknown${e}`;
    i += 2;
  } else if (b[i] === Rec.ExtensibleEncoding) {
    r = readSize(b, i + 1);
    if ('incomplete' in r) return p;
    if ('error' in r) return fail(r.at);
    if (r.value > t.maxContentTypeBytes) return fail(r.next - 1);
    i = r.next;
    if (i + r.value > n) return p;
    p.contentType = text(i, r.value);
    i += r.value;
  } else {
    return fail(i);
  }
  p.encodingEnd = i;
  // Modes 3 and 4 have no upgrade and no PreambleEnd.
  if (mode === 3 || mode === 4) {
    p.complete = true;
    p.end = i;
    return p;
  }
  // UpgradeRequest (the decoder stops there: the upgrade's bytes follow) or PreambleEnd.
  if (i >= n) return p;
  if (b[i] === Rec.UpgradeRequest) {
    r = readSize(b, i + 1);
    if ('incomplete' in r) return p;
    if ('error' in r) return fail(r.at);
    if (r.value > t.maxUpgradeBytes) return fail(r.next - 1);
    i = r.next;
    if (i + r.value > n) return p;
    p.upgrade = true;
    p.end = i + r.value;
    return p;
  }
  if (b[i] === Rec.PreambleEnd) {
    p.complete = true;
    p.end = i + 1;
    return p;
  }
  return fail(i);
}

function segments(path: string): string[] {
  return (path.split(/[?#]/)[0] ?? '').split('/').filter((s) => s !== '').map((s) => s.toLowerCase());
}

/** The daemon's lookup: StrongWildcard on the local port, so only the scheme and the path count (docs/protocol.md §3). */
export function daemonRoute(via: ParsedVia, t: FuzzTarget): FuzzRoute | undefined {
  if (via.scheme !== 'net.tcp') return undefined;
  const first = segments(via.path)[0];
  return t.routes.find((r) => r.segment === first);
}

/** The worker's own check of a via against its base URI: scheme, port and path prefix. */
function workerAccepts(via: ParsedVia, route: FuzzRoute, t: FuzzTarget): boolean {
  return via.scheme === 'net.tcp' && via.port === t.port && segments(via.path)[0] === route.segment;
}

/** The content type a worker serves per mode (NetTcpBinding: binary with sessions for duplex). */
const SERVED: Record<number, string> = { 1: 'application/soap+msbin1', 2: 'application/soap+msbinsession1' };

interface RecordsModel {
  messages: Buffer[];
  terminal: Terminal;
  afterEnd: Buffer;
}

/** The client's records after PreambleEnd, as a worker's session reads them. */
export function modelRecords(b: Buffer, mode: 1 | 2, maxMessageSize: number): RecordsModel {
  const messages: Buffer[] = [];
  const done = (terminal: Terminal, afterEnd: Buffer = Buffer.alloc(0)): RecordsModel => ({ messages, terminal, afterEnd });
  const tooLarge = { fault: 'MaxMessageSizeExceededFault' };
  let i = 0;
  if (mode === 2) {
    // Duplex: SizedEnvelope* then End; any other record type is a protocol error.
    for (;;) {
      if (i >= b.length) return done('eof');
      const type = b[i++];
      if (type === Rec.End) return done('end', b.subarray(i));
      if (type !== Rec.SizedEnvelope) return done('abort');
      const r = readSize(b, i);
      if ('incomplete' in r) return done('eof');
      if ('error' in r) return done('abort');
      if (r.value > maxMessageSize) return done(tooLarge);
      if (r.next + r.value > b.length) return done('eof');
      messages.push(b.subarray(r.next, r.next + r.value));
      i = r.next + r.value;
    }
  }
  // Singleton: one UnsizedEnvelope (chunks, a zero size ends it), then End.
  if (i >= b.length) return done('eof');
  if (b[i++] !== Rec.UnsizedEnvelope) return done('abort');
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const r = readSize(b, i);
    if ('incomplete' in r) return done('eof');
    if ('error' in r) return done('abort');
    if (r.value === 0) {
      i = r.next;
      break;
    }
    if (r.value > maxMessageSize - total) return done(tooLarge);
    if (r.next + r.value > b.length) return done('eof');
    chunks.push(b.subarray(r.next, r.next + r.value));
    total += r.value;
    i = r.next + r.value;
  }
  messages.push(Buffer.concat(chunks));
  if (i >= b.length) return done('eof');
  if (b[i] !== Rec.End) return done('abort');
  return done('end', b.subarray(i + 1));
}

/** Depth of reused-connection preambles the model follows before accepting anything. */
const MAX_REUSE_DEPTH = 2;

/**
 * What a worker answers to `bytes` (from byte 0). `reused`: a later preamble on a pooled connection,
 * for which the worker asks the daemon whether the via still routes to it (WCF's ValidateUriRoute),
 * and whose version and mode errors get their faults (WCF's mode reader).
 */
export function workerExpect(bytes: Buffer, route: FuzzRoute, t: FuzzTarget, reused: boolean, depth = 0): Expected[] {
  const p = parsePreamble(bytes, t);
  const alts: Expected[] = [];
  const semantic = (): Expected | undefined => {
    const via = p.via as ParsedVia;
    if (reused && daemonRoute(via, t) !== route) return DROP;
    if (!workerAccepts(via, route, t)) return fault('EndpointNotFound');
    if ((p.contentType ?? '').toLowerCase() !== SERVED[p.mode as number]) return fault('ContentTypeInvalid');
    if (p.upgrade === true) return fault('UpgradeInvalid');
    return undefined;
  };
  if (p.error !== undefined) {
    alts.push(p.error.fault === undefined ? DROP : fault(p.error.fault));
    // Split reads: the checks due at the mode or the encoding may run before the bad byte is read.
    if (p.mode === 3 || p.mode === 4) alts.push(fault('UnsupportedMode'));
    else if (p.encodingEnd !== undefined) {
      const early = semantic();
      if (early !== undefined) alts.push(early);
    }
    return alts;
  }
  if (p.mode === 3 || p.mode === 4) return [fault('UnsupportedMode')];
  if (p.encodingEnd === undefined) return [DROP];
  const refused = semantic();
  if (refused !== undefined) return [refused];
  if (!p.complete) return [DROP];
  const mode = p.mode as 1 | 2;
  const model = modelRecords(bytes.subarray(p.end), mode, t.maxMessageSize);
  let after: Expected[] | 'any' = [];
  if (model.terminal === 'end' && model.afterEnd.length > 0) {
    after = depth >= MAX_REUSE_DEPTH ? 'any' : workerExpect(model.afterEnd, route, t, true, depth + 1);
  }
  return [{ kind: 'session', mode, tag: route.tag, messages: model.messages, terminal: model.terminal, after }];
}

/** The expectation for one input sent to the daemon's port, followed by EOF. */
export function expectOutcome(bytes: Buffer, t: FuzzTarget): Expectation {
  const p = parsePreamble(bytes, t);
  const verdicts = new Set<DaemonVerdict>();
  const alts: Expected[] = [];
  const enough = (p.mode === 1 && p.viaEnd !== undefined) || (p.mode === 2 && p.encodingEnd !== undefined);
  const routeIt = (): void => {
    const route = daemonRoute(p.via as ParsedVia, t);
    if (route === undefined) {
      verdicts.add('fault');
      alts.push(fault('EndpointNotFound'));
    } else {
      verdicts.add('handoff');
      alts.push(...workerExpect(bytes, route, t, false));
    }
  };
  if (p.error !== undefined) {
    // The daemon decodes each read whole: a bad byte anywhere in the preamble drops the connection,
    // unless a read boundary fell after the routing point and before it.
    verdicts.add('drop');
    alts.push(DROP);
    if (enough) routeIt();
  } else if (p.mode === 3 || p.mode === 4) {
    verdicts.add('drop');
    alts.push(DROP);
  } else if (enough) {
    routeIt();
  } else {
    verdicts.add('drop');
    alts.push(DROP);
  }
  // The same answer reached two ways is one alternative.
  const unique = [...new Map(alts.map((a) => [JSON.stringify(a), a])).values()];
  return { daemon: [...verdicts], alternatives: unique };
}
