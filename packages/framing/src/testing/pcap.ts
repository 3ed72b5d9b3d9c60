/**
 * A minimal pcap writer: one TCP connection over Ethernet/IPv4, with a proper three-way handshake,
 * consistent sequence and acknowledgement numbers, checksums, and a FIN exchange at the end. Enough
 * for Wireshark/tshark to reassemble the stream and run its MC-NMF dissector over our bytes.
 *
 * File format: the classic libpcap format (global header, then per-packet record headers), link
 * type 1 (Ethernet).
 *
 * @module
 */

/** Bytes one side of the connection sends in one go. */
export interface PcapSegment {
  from: 'client' | 'server';
  data: Uint8Array;
}

/** Addresses and ports of the capture. */
export interface PcapOptions {
  clientAddress?: string;
  serverAddress?: string;
  clientPort?: number;
  serverPort?: number;
  /**
   * Largest TCP payload per packet; larger segments are split. Default 65495, the MSS of the
   * loopback interface the default addresses are on. (Wireshark's MC-NMF dissector does not
   * reassemble records across TCP segments, so keep records within one packet when checking it.)
   */
  mss?: number;
}

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;

const CLIENT_MAC = Buffer.from('020000000001', 'hex');
const SERVER_MAC = Buffer.from('020000000002', 'hex');

function ipv4(address: string): Buffer {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new RangeError(`Not an IPv4 address: ${address}`);
  }
  return Buffer.from(parts);
}

/** The Internet checksum (RFC 1071) over the given buffers, as one byte stream. */
function checksum(parts: readonly Buffer[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const part of parts) {
    for (const byte of part) {
      if (odd === undefined) {
        odd = byte;
      } else {
        sum += (odd << 8) | byte;
        odd = undefined;
      }
    }
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

interface Endpoint {
  mac: Buffer;
  ip: Buffer;
  port: number;
  seq: number;
}

/** Writes `segments` as a pcap file of one TCP connection (handshake, data, FIN/ACK close). */
export function writePcap(segments: readonly PcapSegment[], options: PcapOptions = {}): Buffer {
  const client: Endpoint = {
    mac: CLIENT_MAC,
    ip: ipv4(options.clientAddress ?? '127.0.0.1'),
    port: options.clientPort ?? 50000,
    seq: 1000,
  };
  const server: Endpoint = {
    mac: SERVER_MAC,
    ip: ipv4(options.serverAddress ?? '127.0.0.1'),
    port: options.serverPort ?? 9000,
    seq: 5000,
  };
  const mss = options.mss ?? 65495;
  const records: Buffer[] = [];
  let micros = 0;
  let ipId = 1;

  const packet = (from: Endpoint, to: Endpoint, flags: number, payload: Buffer): void => {
    const tcp = Buffer.alloc(20);
    tcp.writeUInt16BE(from.port, 0);
    tcp.writeUInt16BE(to.port, 2);
    tcp.writeUInt32BE(from.seq >>> 0, 4);
    tcp.writeUInt32BE((flags & TCP_ACK) !== 0 ? to.seq >>> 0 : 0, 8);
    tcp[12] = 5 << 4; // data offset: 5 words, no options
    tcp[13] = flags;
    tcp.writeUInt16BE(65535, 14); // window
    const pseudo = Buffer.alloc(12);
    from.ip.copy(pseudo, 0);
    to.ip.copy(pseudo, 4);
    pseudo[9] = 6; // protocol TCP
    pseudo.writeUInt16BE(20 + payload.length, 10);
    tcp.writeUInt16BE(checksum([pseudo, tcp, payload]), 16);

    const ip = Buffer.alloc(20);
    ip[0] = 0x45; // IPv4, 5-word header
    ip.writeUInt16BE(20 + 20 + payload.length, 2);
    ip.writeUInt16BE(ipId++ & 0xffff, 4);
    ip.writeUInt16BE(0x4000, 6); // don't fragment
    ip[8] = 64; // TTL
    ip[9] = 6; // TCP
    from.ip.copy(ip, 12);
    to.ip.copy(ip, 16);
    ip.writeUInt16BE(checksum([ip]), 10);

    const ethernet = Buffer.alloc(14);
    to.mac.copy(ethernet, 0);
    from.mac.copy(ethernet, 6);
    ethernet.writeUInt16BE(0x0800, 12);

    const frameLength = 14 + 20 + 20 + payload.length;
    const header = Buffer.alloc(16);
    micros += 100;
    header.writeUInt32LE(1_700_000_000 + Math.floor(micros / 1e6), 0);
    header.writeUInt32LE(micros % 1e6, 4);
    header.writeUInt32LE(frameLength, 8);
    header.writeUInt32LE(frameLength, 12);
    records.push(header, ethernet, ip, tcp, payload);

    // SYN and FIN count as one byte of sequence space.
    from.seq += payload.length + ((flags & (TCP_SYN | TCP_FIN)) !== 0 ? 1 : 0);
  };

  const empty = Buffer.alloc(0);
  packet(client, server, TCP_SYN, empty);
  packet(server, client, TCP_SYN | TCP_ACK, empty);
  packet(client, server, TCP_ACK, empty);
  for (const segment of segments) {
    const [from, to] = segment.from === 'client' ? [client, server] : [server, client];
    const data = Buffer.from(segment.data.buffer, segment.data.byteOffset, segment.data.byteLength);
    for (let at = 0; at < data.length; at += mss) {
      packet(from, to, TCP_PSH | TCP_ACK, data.subarray(at, Math.min(data.length, at + mss)));
    }
    packet(to, from, TCP_ACK, empty);
  }
  packet(client, server, TCP_FIN | TCP_ACK, empty);
  packet(server, client, TCP_FIN | TCP_ACK, empty);
  packet(client, server, TCP_ACK, empty);

  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0); // magic, microsecond timestamps
  global.writeUInt16LE(2, 4); // version 2.4
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(0, 8); // GMT offset
  global.writeUInt32LE(0, 12); // timestamp accuracy
  global.writeUInt32LE(65535, 16); // snap length
  global.writeUInt32LE(1, 20); // link type: Ethernet
  return Buffer.concat([global, ...records]);
}
