// Wireshark's MC-NMF dissector, an implementation independent of ours, reads a live exchange
// between the sample's stock Mono client and the TypeScript calculator service, captured on the
// loopback interface while it crosses the sharing daemon. (packages/framing checks our encoder
// against the same dissector offline, from pcaps it writes itself.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compileCSharp,
  dissect,
  freePort,
  type PrivateDaemon,
  type RunningCalculator,
  runCalculatorClient,
  SAMPLE_TRANSCRIPT,
  skipWithout,
  startLiveCaptureOrSkip,
  startMono,
  startPrivateDaemon,
  startTsCalculatorService,
} from '../src/index.js';

// MC-NMF record types ([MC-NMF] 2.2.3).
const VERSION = '0';
const MODE = '1';
const VIA = '2';
const KNOWN_ENCODING = '3';
const SIZED_ENVELOPE = '6';
const END = '7';
const UPGRADE_REQUEST = '9';
const PREAMBLE_ACK = '11';
const PREAMBLE_END = '12';

describe.skipIf(skipWithout('mcs', 'mono', 'tshark'))("Wireshark's MC-NMF dissector reads a live Mono ↔ TypeScript exchange", () => {
  let daemon: PrivateDaemon | undefined;
  let service: RunningCalculator | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'psi-pcap-'));

  beforeAll(async () => {
    daemon = await startPrivateDaemon();
  });

  afterAll(async () => {
    await service?.stop();
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the sample's C# client → daemon → TypeScript service: every record dissected, both directions", async (ctx) => {
    const programs = compileCSharp();
    const port = await freePort();
    service = await startTsCalculatorService(port, daemon!.home);
    const file = join(dir, 'calculator.pcapng');
    // Live capture needs CAP_NET_RAW; without CI, say so and skip rather than fail.
    const capture = await startLiveCaptureOrSkip(port, file, () => ctx.skip());
    let transcript: string[];
    try {
      transcript = await runCalculatorClient(startMono(programs.calculatorClient, [String(port)]), service.salt);
    } finally {
      await capture.stop();
    }
    expect(transcript).toEqual([...SAMPLE_TRANSCRIPT]);

    const fields = ['tcp.srcport', 'mc-nmf.record_type', 'mc-nmf.via', 'mc-nmf.known_encoding', 'mc-nmf.major_version', 'mc-nmf.mode', 'mc-nmf.payload_length'];
    const frames = dissect(file, port, fields, 'mc-nmf');
    const records = (fromServer: boolean): string[] =>
      frames.filter((f) => (f['tcp.srcport'] === String(port)) === fromServer).flatMap((f) => f['mc-nmf.record_type']!.split(','));
    // Client: the preamble without an UpgradeRequest (the sample's default NetTcpBinding under
    // Mono), one request per call, End. Service: PreambleAck, one reply per call, End.
    expect(records(false)).toEqual([VERSION, MODE, VIA, KNOWN_ENCODING, PREAMBLE_END, ...Array(4).fill(SIZED_ENVELOPE), END]);
    expect(records(false)).not.toContain(UPGRADE_REQUEST);
    expect(records(true)).toEqual([PREAMBLE_ACK, ...Array(4).fill(SIZED_ENVELOPE), END]);
    const values = (field: string): string[] => frames.flatMap((f) => (f[field] ? f[field].split(',') : []));
    expect(values('mc-nmf.via')).toEqual([service.address]);
    expect(values('mc-nmf.known_encoding')).toEqual(['8']); // binary with in-band dictionary, msbinsession1 ([MC-NMF] 2.2.3.4)
    expect(values('mc-nmf.major_version')).toEqual(['1']);
    expect(values('mc-nmf.mode')).toEqual(['2']); // duplex ([MC-NMF] 2.2.3.2)
    const lengths = values('mc-nmf.payload_length').map(Number);
    expect(lengths).toHaveLength(8);
    for (const n of lengths) expect(n).toBeGreaterThan(100);
    // Nothing the dissector flags as malformed.
    expect(dissect(file, port, ['frame.number'], '_ws.malformed || _ws.expert.severity >= error')).toEqual([]);
  });
});
