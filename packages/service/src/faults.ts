import type { Socket } from 'node:net';
import { encodeFault } from '@portshare/framing';
import { resumeReading } from './socket-reading.js';

export interface FaultOptions {
  /** Bytes read and discarded after the fault before giving up (WCF MaxDrainSize, 64 KiB). */
  drainBytes: number;
  /** Time allowed for the drain (WCF SharedSendTimeout, 1 min). */
  drainTimeoutMs: number;
}

/**
 * Sends a framing fault the way WCF's InitialServerConnectionReader.SendFault does (wcf-port-sharing
 * notes §1.6): write the Fault record, half-close, read until EOF (at most `drainBytes`, within
 * `drainTimeoutMs`) so the client reads the fault instead of a reset, then close.
 */
export function sendFault(socket: Socket, faultUri: string, options: FaultOptions): Promise<void> {
  return new Promise((resolve) => {
    let drained = 0;
    const timer = setTimeout(() => socket.destroy(), options.drainTimeoutMs);
    timer.unref();
    socket.on('error', () => {});
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > options.drainBytes) socket.destroy();
    });
    socket.once('end', () => socket.destroy());
    socket.end(encodeFault(faultUri));
    resumeReading(socket); // the sniff stopped it; the drain must read to EOF
  });
}
