import { ControlError, ControlErrorCodes } from './errors.js';

/**
 * What the daemon tells a worker about each connection it hands over. In fd mode it is the payload
 * of the SCM_RIGHTS message that carries the socket; in proxy mode it is the first thing written on
 * the per-connection stream, length-prefixed. Either way it is followed by every byte the daemon read
 * from the client, from byte 0 (WCF's DuplicateContext.readData), so the worker re-reads the preamble
 * itself and answers it.
 *
 * Layout: u8 version (1) | u16 BE length of the JSON header | JSON header | pre-read bytes.
 */
export interface HandoffHeader {
  /** Daemon-wide connection number, for logs on both sides. */
  connectionId: number;
  registrationId: number;
  via: string;
  /**
   * The client's address and port. Sent in proxy mode only, where the worker's stream is not the
   * client's socket; in fd mode the worker reads them from the socket it receives, which spares
   * the daemon a getpeername per connection.
   */
  remoteAddress?: string;
  remotePort?: number;
  localAddress: string;
  localPort: number;
}

export const HANDOFF_HEADER_VERSION = 1;
/** The header is a few hundred bytes; the via is capped at 2048. */
export const MAX_HANDOFF_HEADER_BYTES = 8192;

export function encodeHandoffPayload(header: HandoffHeader, preRead: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  if (json.length > MAX_HANDOFF_HEADER_BYTES) {
    throw new ControlError(ControlErrorCodes.MessageTooLarge, `A hand-off header of ${json.length} bytes exceeds ${MAX_HANDOFF_HEADER_BYTES}.`);
  }
  const out = Buffer.allocUnsafe(3 + json.length + preRead.length);
  out[0] = HANDOFF_HEADER_VERSION;
  out.writeUInt16BE(json.length, 1);
  json.copy(out, 3);
  out.set(preRead, 3 + json.length);
  return out;
}

export function decodeHandoffPayload(payload: Buffer): { header: HandoffHeader; preRead: Buffer } {
  if (payload.length < 3 || payload[0] !== HANDOFF_HEADER_VERSION) {
    throw new ControlError(ControlErrorCodes.VersionUnsupported, 'A hand-off message has an unknown version; daemon and worker versions differ.');
  }
  const len = payload.readUInt16BE(1);
  if (3 + len > payload.length) {
    throw new ControlError(ControlErrorCodes.InvalidArgument, 'A hand-off message is truncated.');
  }
  const header = JSON.parse(payload.toString('utf8', 3, 3 + len)) as HandoffHeader;
  if (typeof header.via !== 'string' || typeof header.connectionId !== 'number') {
    throw new ControlError(ControlErrorCodes.InvalidArgument, 'A hand-off header is missing fields.');
  }
  return { header, preRead: payload.subarray(3 + len) };
}

/** Proxy mode frames the payload with a u32 BE length so the worker knows where the client's stream starts. */
export function encodeProxyPreface(header: HandoffHeader, preRead: Uint8Array): Buffer {
  const body = encodeHandoffPayload(header, preRead);
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}
