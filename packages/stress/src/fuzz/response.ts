/**
 * Matching what a server actually sent against the reference model's alternatives, and naming
 * it for the figures.
 *
 * @module
 */

import type { Expected } from './oracle.js';
import { envelope, FAULT_NS, faultBytes, Rec, readSize } from './wire.js';

/** Does `data` (everything the server sent before closing) match one of `alternatives`? */
export function matchesAny(alternatives: readonly Expected[], data: Buffer): boolean {
  return alternatives.some((alt) => matches(alt, data));
}

function matches(e: Expected, data: Buffer): boolean {
  if (e.kind === 'drop') return data.length === 0;
  if (e.kind === 'fault') return data.equals(faultBytes(e.fault));
  if (data.length === 0 || data[0] !== Rec.PreambleAck) return false;
  let pos = 1;
  let echoed = 0;
  const tag = Buffer.from(e.tag);
  while (echoed < e.messages.length) {
    const record = envelope(e.mode, Buffer.concat([tag, e.messages[echoed] as Buffer]));
    if (data.length - pos < record.length || !data.subarray(pos, pos + record.length).equals(record)) break;
    pos += record.length;
    echoed++;
  }
  const rest = data.subarray(pos);
  const t = e.terminal;
  if (typeof t === 'object') return rest.equals(faultBytes(t.fault));
  if (t === 'abort') return rest.length === 0;
  if (echoed !== e.messages.length) return false;
  if (t === 'eof') return rest.length === 0;
  if (rest.length === 0 || rest[0] !== Rec.End) return false;
  const after = rest.subarray(1);
  // The next preamble is read once our End is flushed; the client's EOF may be processed first,
  // after which nothing more can be written: an empty remainder is always possible.
  if (after.length === 0 || e.after === 'any') return true;
  return matchesAny(e.after, after);
}

/** A short name for what the server sent: "drop", "fault:<Name>", "ack", or "other". */
export function describeResponse(data: Buffer): string {
  if (data.length === 0) return 'drop';
  if (data[0] === Rec.PreambleAck) return 'ack';
  if (data[0] === Rec.Fault) {
    const r = readSize(data, 1);
    if ('value' in r) {
      const uri = data.toString('utf8', r.next, r.next + r.value);
      if (uri.startsWith(FAULT_NS)) return `fault:${uri.slice(FAULT_NS.length)}`;
    }
  }
  return 'other';
}

/** A short name for an expectation's first alternative, for violation reports. */
export function describeExpected(e: Expected): string {
  if (e.kind === 'drop') return 'drop';
  if (e.kind === 'fault') return `fault:${e.fault}`;
  const terminal = typeof e.terminal === 'object' ? `fault:${e.terminal.fault}` : e.terminal;
  return `ack+${e.messages.length} echo(es)+${terminal}`;
}
