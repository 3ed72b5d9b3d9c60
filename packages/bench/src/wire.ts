import { encodePreamble, encodeSizedEnvelope, KnownEncoding, Mode, RecordType } from '@portshare/framing';

/**
 * The bytes the load generator sends, encoded once before any clock starts: what a WCF client with
 * NetTcpBinding (duplex, binary session encoding, no security) writes.
 */

/** The path every worker serves; the proxies route on it. */
export const BENCH_PATH = '/bench/echo';
/** What HAProxy's ACL and sslh's regex look for in the via: the first path segment, as a service prefix. */
export const ROUTE_PREFIX = '/bench/';

/**
 * The via of the echo worker. The host is always an IPv4 literal and the port is always 5 digits
 * (every port is from the ephemeral range), so every configuration sends a preamble of the same
 * length and HAProxy can wait for exactly that many bytes.
 */
export function benchVia(port: number, path = BENCH_PATH): string {
  return `net.tcp://127.0.0.1:${port}${path}`;
}

/** Version, Mode 2 (duplex), Via, KnownEncoding 8 (binary session), PreambleEnd: the records of [MC-NMF] 2.2.3, in that order. */
export function benchPreamble(via: string): Buffer {
  return encodePreamble({ mode: Mode.Duplex, via, encoding: KnownEncoding.BinarySession });
}

/** The server's answer to a whole preamble: the PreambleAck record, 0x0B ([MC-NMF] 2.2.3). */
export const PREAMBLE_ACK = RecordType.PreambleAck;
/** The Fault record, 0x08 ([MC-NMF] 2.2.3): the daemon or the worker refused the preamble. */
export const FAULT = RecordType.Fault;

/** A SizedEnvelope record, 0x06 + size + payload ([MC-NMF] 2.2.3), with `payloadBytes` of a fixed pattern. */
export function benchEnvelope(payloadBytes: number): Buffer {
  const payload = Buffer.alloc(payloadBytes);
  for (let i = 0; i < payloadBytes; i++) payload[i] = i & 0xff;
  return encodeSizedEnvelope(payload);
}

/** `count` envelopes back to back, for the bulk writer's large writes. */
export function envelopeRun(payloadBytes: number, count: number): Buffer {
  const one = benchEnvelope(payloadBytes);
  return Buffer.concat(new Array<Buffer>(count).fill(one));
}
