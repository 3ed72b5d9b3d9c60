// Cross-check with an independent implementation: Wireshark's MC-NMF dissector must read the
// records our encoder writes. We write the pcap ourselves (Ethernet/IPv4/TCP with a real
// handshake), run `tshark -T fields` over it and compare field by field.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  encodeEnd,
  encodeFault,
  encodePreamble,
  encodePreambleAck,
  encodeSizedEnvelope,
  encodeUnsizedEnvelope,
  encodeUpgradeResponse,
  FaultUri,
  RecordType,
} from '../src/index.js';
import { SAMPLE_VIA, writePcap, type PcapSegment } from '../src/testing/index.js';

const TSHARK = process.env.TSHARK ?? 'tshark';
const PORT = 9000;
const available = spawnSync(TSHARK, ['-v'], { encoding: 'utf8' }).status === 0;
if (!available && !process.env.CI) {
  console.warn(`tshark not found (${TSHARK}): skipping the dissector cross-check. Install tshark to run it.`);
}

const FIELDS = [
  'frame.number',
  'tcp.srcport',
  'mc-nmf.record_type',
  'mc-nmf.major_version',
  'mc-nmf.minor_version',
  'mc-nmf.mode',
  'mc-nmf.via',
  'mc-nmf.known_encoding',
  'mc-nmf.encoding_type',
  'mc-nmf.upgrade',
  'mc-nmf.fault',
  'mc-nmf.payload_length',
  'mc-nmf.chunk_length',
] as const;
type Row = Record<(typeof FIELDS)[number], string>;

const dir = available ? mkdtempSync(join(tmpdir(), 'portshare-framing-tshark-')) : '';
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** Writes the segments as a pcap and returns tshark's MC-NMF rows for the frames that carry data. */
function dissect(name: string, segments: readonly PcapSegment[]): Row[] {
  if (!available) {
    throw new Error(`tshark is required for this test (CI is set) but "${TSHARK}" could not be run.`);
  }
  const file = join(dir, `${name}.pcap`);
  writeFileSync(file, writePcap(segments, { serverPort: PORT }));
  const args = ['-r', file, '-d', `tcp.port==${PORT},mc-nmf`, '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=a'];
  for (const field of FIELDS) args.push('-e', field);
  const result = spawnSync(TSHARK, args, { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => Object.fromEntries(line.split('|').map((value, i) => [FIELDS[i], value])) as Row)
    .filter((row) => row['mc-nmf.record_type'] !== '');
}

const types = (...values: number[]): string => values.join(',');

describe.skipIf(!available && !process.env.CI)("Wireshark's MC-NMF dissector reads our bytes", () => {
  it('a duplex session: preamble, ack, envelopes both ways, End both ways', () => {
    const request = Buffer.alloc(300, 0x56);
    const reply = Buffer.alloc(20, 0x57);
    const rows = dissect('duplex', [
      { from: 'client', data: encodePreamble({ via: SAMPLE_VIA }) },
      { from: 'server', data: encodePreambleAck() },
      { from: 'client', data: encodeSizedEnvelope(request) },
      { from: 'server', data: encodeSizedEnvelope(reply) },
      { from: 'client', data: encodeEnd() },
      { from: 'server', data: encodeEnd() },
    ]);
    expect(rows.map((r) => [r['tcp.srcport'] === String(PORT) ? 'server' : 'client', r['mc-nmf.record_type']])).toEqual([
      ['client', types(RecordType.Version, RecordType.Mode, RecordType.Via, RecordType.KnownEncoding, RecordType.PreambleEnd)],
      ['server', types(RecordType.PreambleAck)],
      ['client', types(RecordType.SizedEnvelope)],
      ['server', types(RecordType.SizedEnvelope)],
      ['client', types(RecordType.End)],
      ['server', types(RecordType.End)],
    ]);
    const [preamble, , sent, received] = rows;
    expect(preamble).toMatchObject({
      'mc-nmf.major_version': '1',
      'mc-nmf.minor_version': '0',
      'mc-nmf.mode': '2',
      'mc-nmf.via': SAMPLE_VIA,
      'mc-nmf.known_encoding': '8',
    });
    expect(sent?.['mc-nmf.payload_length']).toBe('300');
    expect(received?.['mc-nmf.payload_length']).toBe('20');
  });

  it('a singleton preamble with an extensible encoding and an upgrade', () => {
    const rows = dissect('upgrade', [
      {
        from: 'client',
        data: encodePreamble({
          mode: 1,
          via: 'net.tcp://localhost/MyService',
          encoding: 'application/soap+msbin1+gzip',
          upgrade: 'application/ssl-tls',
        }),
      },
      { from: 'server', data: encodeUpgradeResponse() },
    ]);
    expect(rows.map((r) => r['mc-nmf.record_type'])).toEqual([
      types(RecordType.Version, RecordType.Mode, RecordType.Via, RecordType.ExtensibleEncoding, RecordType.UpgradeRequest),
      types(RecordType.UpgradeResponse),
    ]);
    expect(rows[0]).toMatchObject({
      'mc-nmf.mode': '1',
      'mc-nmf.via': 'net.tcp://localhost/MyService',
      'mc-nmf.encoding_type': 'application/soap+msbin1+gzip',
      'mc-nmf.upgrade': 'application/ssl-tls',
    });
  });

  it('a singleton exchange with unsized envelopes', () => {
    const rows = dissect('singleton', [
      { from: 'client', data: encodePreamble({ mode: 1, via: SAMPLE_VIA }) },
      { from: 'server', data: encodePreambleAck() },
      { from: 'client', data: Buffer.concat([encodeUnsizedEnvelope([Buffer.from('abc'), Buffer.from('de')]), encodeEnd()]) },
    ]);
    expect(rows.map((r) => r['mc-nmf.record_type'])).toEqual([
      types(RecordType.Version, RecordType.Mode, RecordType.Via, RecordType.KnownEncoding, RecordType.PreambleEnd),
      types(RecordType.PreambleAck),
      types(RecordType.UnsizedEnvelope, RecordType.End),
    ]);
    expect(rows[0]?.['mc-nmf.known_encoding']).toBe('7');
    expect(rows[2]?.['mc-nmf.chunk_length']).toBe('3,2');
  });

  it('a fault instead of the ack', () => {
    const rows = dissect('fault', [
      { from: 'client', data: encodePreamble({ via: 'net.tcp://localhost:9000/nowhere' }) },
      { from: 'server', data: encodeFault(FaultUri.EndpointNotFound) },
    ]);
    expect(rows[1]).toMatchObject({
      'mc-nmf.record_type': types(RecordType.Fault),
      'mc-nmf.fault': FaultUri.EndpointNotFound,
    });
  });
});
