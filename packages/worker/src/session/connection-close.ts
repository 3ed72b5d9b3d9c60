/**
 * Ending a connection politely: sending a framing fault WCF's way, or closing after the last
 * session. Both half-close, read and discard what the peer still sends until its EOF, and then
 * close, with bounds in bytes and time after which the connection is simply aborted.
 *
 * @module
 */

import { encodeFault } from '@portshare/framing';
import { startTimer } from './options.js';
import type { FeedSink, SocketFeed } from './socket-feed.js';

/** Bounds of the drain that follows a half-close. */
export interface DrainLimits {
  /** Most bytes read after the half-close before aborting (WCF `TransportDefaults.MaxDrainSize`). */
  maxBytes: number;
  /** Longest wait for the peer's EOF before aborting. */
  timeoutMs: number;
}

/**
 * Sends `faultUri` as a Fault record the way WCF's `InitialServerConnectionReader.SendFault` does
 * (docs/protocol.md §6, "Sending a fault"): write the record, shut down the
 * sending side, drain until the client's EOF, close. Takes over the feed.
 */
export function sendFault(feed: SocketFeed, faultUri: string, limits: DrainLimits): void {
  endAndDrain(feed, encodeFault(faultUri), limits);
}

/** Half-closes, drains until the peer's EOF, closes. Takes over the feed. */
export function endConnection(feed: SocketFeed, limits: DrainLimits): void {
  endAndDrain(feed, undefined, limits);
}

function endAndDrain(feed: SocketFeed, last: Buffer | undefined, limits: DrainLimits): void {
  const socket = feed.socket;
  if (socket.destroyed) return;
  let drained = 0;
  const timer = startTimer(limits.timeoutMs, () => socket.destroy());
  const sink: FeedSink = {
    onData(chunk) {
      drained += chunk.length;
      if (drained > limits.maxBytes) socket.destroy();
      return chunk.length;
    },
    onEnd() {
      // The peer has read everything and closed its side: close once our own bytes are out.
      if (socket.writableFinished) socket.destroy();
      else socket.once('finish', () => socket.destroy());
    },
    onClose() {
      if (timer !== undefined) clearTimeout(timer);
    },
  };
  if (last === undefined) socket.end();
  else socket.end(last);
  feed.attach(sink);
}
