// Transport security against an implementation that is not ours: python/nmf_tls_peer.py writes
// the preamble, the application/ssl-tls upgrade and the records by hand and runs TLS with
// Python's ssl module (OpenSSL). Mono cannot be the peer: its WCF sends no upgrade for
// SecurityMode.Transport on net.tcp. The envelopes are the real ones of mono-calculator.pcap
// (stock Mono client ↔ stock Mono service), carried inside TLS. Both directions, through the
// sharing daemon; then Wireshark's MC-NMF dissector reads a capture of an upgraded session.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSize } from '@portshare/framing';
import { MONO_CALCULATOR_CLIENT_SEGMENTS, MONO_CALCULATOR_SERVER_SEGMENTS } from '@portshare/framing/testing';
import { ICalculator } from '@portshare/sample-calculator';
import { BinarySessionEncoder, createClient, implement, OperationContext, ServiceDispatcher } from '@portshare/soap';
import { parseEnvelope } from '@portshare/soap/message';
import { toXmlString } from '@portshare/soap/xml';
import { makeTestPki, type TestPki } from '@portshare/test-utils';
import { connectSession, NetTcpServer, type SessionError } from '@portshare/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dissect,
  freePort,
  type PrivateDaemon,
  runTlsPeerClient,
  skipWithout,
  startLiveCaptureOrSkip,
  startPrivateDaemon,
  startTlsPeerServer,
  startTsCalculatorService,
} from '../src/index.js';

/** The payload of a captured SizedEnvelope segment (06, size, payload). */
function envelopePayload(segment: Buffer): Buffer {
  const size = readSize(segment, 1);
  if (segment[0] !== 0x06 || size === undefined) throw new Error('not a sized envelope segment');
  return segment.subarray(1 + size.length, 1 + size.length + size.value);
}

// Mono's Add(100, 15.99) request and its reply (115.99), as captured.
const ADD_REQUEST = envelopePayload(MONO_CALCULATOR_CLIENT_SEGMENTS[1]!);
const ADD_REPLY = envelopePayload(MONO_CALCULATOR_SERVER_SEGMENTS[1]!);

function decode(payload: Buffer): { xml: string; messageId: string | undefined; relatesTo: string | undefined } {
  const nodes = new BinarySessionEncoder().decode(payload);
  const envelope = parseEnvelope(nodes);
  return { xml: toXmlString(nodes), messageId: envelope.messageId, relatesTo: envelope.relatesTo };
}

describe.skipIf(skipWithout('python3', 'openssl'))("an independent TLS peer (Python's ssl) and the TypeScript SDK", () => {
  let daemon: PrivateDaemon | undefined;
  let pki: TestPki;
  const dir = mkdtempSync(join(tmpdir(), 'psi-tls-'));
  const file = (name: string, bytes: Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };

  beforeAll(async () => {
    pki = makeTestPki();
    daemon = await startPrivateDaemon();
  });
  afterAll(async () => {
    await daemon?.stop();
    pki?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it("Python client → sharing daemon → the TypeScript calculator sample with --certificate: Mono's Add request inside TLS gets 115.99", async () => {
    const port = await freePort();
    const service = await startTsCalculatorService(port, daemon!.home, {}, [
      '--number', '4381', '--certificate', pki.server.certificateFile, '--key', pki.server.keyFile,
    ]);
    try {
      const client = await runTlsPeerClient([
        '--host', 'localhost', '--port', String(port), '--via', service.address,
        '--ca', pki.caFile, '--request', file('add-request.bin', ADD_REQUEST),
      ]);
      expect(client.result).toMatchObject({ ok: true, upgraded: true, tls_version: 'TLSv1.3', peer_subject: 'CN=localhost', server_end: true });
      const replies = client.result['replies'] as string[];
      expect(replies).toHaveLength(1);
      const reply = decode(Buffer.from(replies[0]!, 'hex'));
      expect(reply.xml).toContain('<AddResult>115.99</AddResult>');
      expect(reply.relatesTo).toBe(decode(ADD_REQUEST).messageId);

      // The same client with its security off: the secured service aborts it, without a fault.
      const plain = await runTlsPeerClient([
        '--host', 'localhost', '--port', String(port), '--via', service.address, '--plain', '--request', file('add-plain.bin', ADD_REQUEST),
      ]);
      expect(plain.result).toMatchObject({ ok: false, stage: 'preamble-ack', fault: null, closed: true });
    } finally {
      await service.stop();
    }
  });

  it('Python client with and without a client certificate → daemon → a TypeScript service that requires one', async () => {
    const port = await freePort();
    const via = `net.tcp://localhost:${port}/calculator/mutual`;
    const errors: SessionError[] = [];
    const subjects: string[] = [];
    const server = await NetTcpServer.listen({
      uri: via,
      portSharingEnabled: true,
      home: daemon!.home,
      security: { certificate: pki.server.certificate, key: pki.server.key, clientCertificate: 'required', ca: pki.ca },
    });
    // The operation reads the client's certificate from its context, as WCF's
    // OperationContext.Current.ServiceSecurityContext.
    const add = (a: number, b: number): number => {
      subjects.push(String(OperationContext.current?.security?.peerCertificate?.subject.CN));
      return a + b;
    };
    const dispatcher = new ServiceDispatcher([implement(ICalculator, { Add: add, Subtract: (a, b) => a - b, Multiply: (a, b) => a * b, Divide: (a, b) => a / b })]);
    server.on('session', (session) => {
      dispatcher.serve(session).then(() => session.close(), () => session.abort());
    });
    server.on('connectionError', (error) => errors.push(error));
    try {
      const args = ['--host', 'localhost', '--port', String(port), '--via', via, '--ca', pki.caFile, '--request', file('add-mutual.bin', ADD_REQUEST)];
      const withCertificate = await runTlsPeerClient([...args, '--cert', pki.client.certificateFile, '--key', pki.client.keyFile]);
      expect(withCertificate.result).toMatchObject({ ok: true, tls_version: 'TLSv1.3' });
      expect(decode(Buffer.from((withCertificate.result['replies'] as string[])[0]!, 'hex')).xml).toContain('<AddResult>115.99</AddResult>');
      expect(subjects).toEqual(['portshare-test-client']);

      // TLS 1.3: the client's handshake is over before the server checks its certificate; the
      // server then aborts the connection (as WCF aborts a failed upgrade), so the client reads
      // EOF where it waits for PreambleAck.
      const without = await runTlsPeerClient(args);
      expect(without.result).toMatchObject({ ok: false, stage: 'preamble-ack' });
      expect(String(without.result['error'])).toMatch(/^EOF/);
      const tls12 = await runTlsPeerClient([...args, '--max-tls', '1.2']);
      expect(tls12.result).toMatchObject({ ok: false, stage: 'handshake' });
      expect(errors.map((e) => e.code)).toEqual(['SESSION_ERR_SECURITY_NEGOTIATION_FAILED', 'SESSION_ERR_SECURITY_NEGOTIATION_FAILED']);
    } finally {
      await server.close();
    }
  });

  it("TypeScript client → Python server: the upgrade, PreambleEnd inside TLS, and Mono's reply decoded to 115.99", async () => {
    const requestId = decode(ADD_REQUEST).messageId!;
    for (const mutual of [false, true]) {
      const peer = await startTlsPeerServer([
        '--cert', pki.server.certificateFile, '--key', pki.server.keyFile, '--reply', file('add-reply.bin', ADD_REPLY),
        ...(mutual ? ['--ca', pki.caFile, '--require-client-cert'] : []),
      ]);
      const via = `net.tcp://localhost:${peer.port}/calculator/4381`;
      const session = await connectSession(via, {
        host: '127.0.0.1',
        security: { ca: pki.ca, ...(mutual ? { certificate: pki.client.certificate, key: pki.client.key } : {}) },
      });
      // The captured reply answers the captured request's MessageID; send ours under that id.
      const proxy = createClient(ICalculator, session, { messageId: () => requestId });
      expect(await proxy.Add(100, 15.99)).toBe(115.99);
      await session.close();
      const seen = await peer.finished();
      expect(seen.result).toMatchObject({
        ok: true,
        via,
        mode: 2,
        encoding: 8,
        upgrade: 'application/ssl-tls',
        tls_version: 'TLSv1.3',
        client_subject: mutual ? 'CN=portshare-test-client' : null,
        client_end: true,
      });
      const request = decode(Buffer.from((seen.result['requests'] as string[])[0]!, 'hex'));
      expect(request.xml).toMatch(/<Add xmlns="http:\/\/Microsoft\.ServiceModel\.Samples"><n1>100<\/n1><n2>15\.99<\/n2><\/Add>/);
    }
  });

  it('TypeScript client → Python server that trusts another name: the identity check fails, in WCF words', async () => {
    const peer = await startTlsPeerServer(['--cert', pki.otherName.certificateFile, '--key', pki.otherName.keyFile]);
    try {
      await expect(
        connectSession(`net.tcp://localhost:${peer.port}/calculator/4381`, { host: '127.0.0.1', security: { ca: pki.ca } }),
      ).rejects.toMatchObject({
        code: 'SESSION_ERR_IDENTITY_CHECK_FAILED',
        message: expect.stringContaining("provided DNS claim 'other.example'"),
      });
    } finally {
      await peer.stop();
    }
  });
});

describe.skipIf(skipWithout('python3', 'openssl', 'tshark'))("Wireshark's MC-NMF dissector reads an upgraded session", () => {
  it('the clear-text preamble with the UpgradeRequest, the UpgradeResponse, then only TLS', async (ctx) => {
    const pki = makeTestPki();
    const daemon = await startPrivateDaemon();
    const dir = mkdtempSync(join(tmpdir(), 'psi-tls-pcap-'));
    const port = await freePort();
    const service = await startTsCalculatorService(port, daemon.home, {}, [
      '--certificate', pki.server.certificateFile, '--key', pki.server.keyFile,
    ]);
    try {
      const file = join(dir, 'upgraded.pcapng');
      // Live capture needs CAP_NET_RAW; without CI, say so and skip rather than fail.
      const capture = await startLiveCaptureOrSkip(port, file, () => ctx.skip());
      try {
        // tshark reports "Capturing on" a moment before its first packets are written.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const session = await connectSession(service.address, { host: '127.0.0.1', security: { ca: pki.ca } });
        expect(await createClient(ICalculator, session).Divide(22, 7)).toBeCloseTo(3.142857, 5);
        await session.close();
      } finally {
        await capture.stop();
      }
      const frames = dissect(file, port, ['tcp.srcport', 'mc-nmf.record_type', 'mc-nmf.via', 'mc-nmf.upgrade'], 'mc-nmf');
      const records = (fromServer: boolean): string[] =>
        frames
          .filter((f) => (f['tcp.srcport'] === String(port)) === fromServer)
          .flatMap((f) => (f['mc-nmf.record_type'] ? f['mc-nmf.record_type'].split(',') : []));
      // [MC-NMF] 2.2.3: Version 0, Mode 1, Via 2, KnownEncoding 3, UpgradeRequest 9; UpgradeResponse 10.
      expect(records(false)).toEqual(['0', '1', '2', '3', '9']);
      expect(records(true)).toEqual(['10']);
      expect(frames.flatMap((f) => (f['mc-nmf.upgrade'] ? [f['mc-nmf.upgrade']] : []))).toEqual(['application/ssl-tls']);
      expect(frames.flatMap((f) => (f['mc-nmf.via'] ? [f['mc-nmf.via']] : []))).toEqual([service.address]);
      // After the upgrade the dissector sees TLS: a handshake, then application data only.
      const tls = spawnTls(file, port);
      expect(tls.handshakes).toBeGreaterThanOrEqual(2);
      expect(tls.applicationData).toBeGreaterThanOrEqual(4);
    } finally {
      await service.stop();
      await daemon.stop();
      pki.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Counts the TLS records the dissector found after the upgrade: handshake records (content type
 * 22) and encrypted ones (TLS 1.3 marks every encrypted record, handshake or data, with opaque
 * type 23).
 */
function spawnTls(file: string, port: number): { handshakes: number; applicationData: number } {
  const frames = dissect(file, port, ['tls.record.content_type', 'tls.record.opaque_type'], 'tls');
  const list = (field: string): string[] => frames.flatMap((f) => (f[field] ?? '').split(',').filter((t) => t !== ''));
  return {
    handshakes: list('tls.record.content_type').filter((t) => t === '22').length,
    applicationData: list('tls.record.opaque_type').filter((t) => t === '23').length,
  };
}
