import { readFileSync } from 'node:fs';
import { Mode, PreambleDecoder, RecordDecoder } from '@portshare/framing';
import { fileURLToPath } from 'node:url';

/** Reads a file under test/fixtures. */
export function fixture(name: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)));
}

/** Joins the hex lines of a fixture into bytes. */
export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

/** Removes the layout whitespace the fixtures' decoded XML puts between tags. */
export function normalizeXml(xml: string): string {
  return xml.replace(/>\s+</g, '><').trim();
}

/**
 * The SizedEnvelope payloads of one direction of a captured session, split with the framing
 * package's own decoders. `captures/<name>.c2s.nmf` holds what the client sent (preamble first),
 * `captures/<name>.s2c.nmf` what the server sent. In singleton mode (1) the UnsizedEnvelope's
 * chunks are joined.
 */
export function captureEnvelopes(name: string, direction: 'c2s' | 's2c', mode: Mode = Mode.Duplex): Buffer[] {
  let stream = fixture(`captures/${name}.${direction}.nmf`);
  if (direction === 'c2s') stream = stream.subarray(new PreambleDecoder().decode(stream));
  const records = new RecordDecoder({ role: direction === 'c2s' ? 'server' : 'client', mode, maxMessageSize: 1 << 20 });
  const out: Buffer[] = [];
  records.decode(stream, (r) => {
    if (r.type === 'sized-envelope') out.push(Buffer.from(r.payload));
    if (r.type === 'unsized-envelope') out.push(Buffer.concat(r.chunks));
  });
  return out;
}
