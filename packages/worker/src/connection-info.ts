import type { Socket } from 'node:net';
import type { HandoffHeader } from '@portshare/control';

/** What a listener knows of a connection it gives out. */
export interface ConnectionInfo {
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  /** Set when the daemon routed the connection (the via of its first preamble). */
  via: string | undefined;
  /** 'direct' (own port), 'fd' (socket passed) or 'proxy' (bytes piped by the daemon). */
  transport: 'direct' | 'fd' | 'proxy';
}

/** A connection accepted on the listener's own port. */
export function directConnectionInfo(socket: Socket): ConnectionInfo {
  return {
    remoteAddress: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
    localAddress: socket.localAddress ?? '',
    localPort: socket.localPort ?? 0,
    via: undefined,
    transport: 'direct',
  };
}

/**
 * A connection the daemon handed over. A passed socket is the client's own, so its peer is the
 * client; a proxied stream's peer is the daemon, and the header names the client.
 */
export function handedOffConnectionInfo(socket: Socket, header: HandoffHeader, transport: 'fd' | 'proxy'): ConnectionInfo {
  return {
    remoteAddress: header.remoteAddress ?? socket.remoteAddress ?? '',
    remotePort: header.remotePort ?? socket.remotePort ?? 0,
    localAddress: header.localAddress,
    localPort: header.localPort,
    via: header.via,
    transport,
  };
}
