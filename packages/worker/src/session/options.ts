/**
 * Defaults and validation of the session options. Every limit the session layer enforces is named
 * here with its default and the WCF setting it mirrors.
 *
 * @module
 */

import { availableParallelism } from 'node:os';
import { DEFAULT_MAX_MESSAGE_SIZE, FramingLimits } from '@portshare/framing';
import { SessionError, SessionErrorCodes } from './errors.js';

/** The defaults of every session limit. */
export const SessionDefaults = {
  /** WCF `MaxReceivedMessageSize` / `MaxBufferSize` of NetTcpBinding (TransportDefaults.cs). */
  maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
  /** WCF `ChannelInitializationTimeout` (TransportDefaults.cs, "00:00:30"). */
  channelInitializationTimeoutMs: 30_000,
  /** WCF `IdleTimeout` of a connection (TransportDefaults.cs, 2 min). */
  idleTimeoutMs: 120_000,
  /** WCF `CloseTimeout` of a binding (1 min): how long close() waits for the peer's End. */
  closeTimeoutMs: 60_000,
  /** WCF `OpenTimeout` of a binding (1 min): connect + preamble + PreambleAck. */
  openTimeoutMs: 60_000,
  /**
   * Incoming envelope bytes queued for a consumer that is not reading before the socket is paused.
   * WCF reads one message at a time; one default-sized message of read-ahead keeps loopback fast.
   */
  maxPendingBytes: DEFAULT_MAX_MESSAGE_SIZE,
  /** `TransportDefaults.MaxDrainSize`: bytes read and discarded after sending a fault. */
  faultDrainMaxBytes: 65_536,
  /** `ListenerConstants.SharedSendTimeout` (`ServiceDefaults.SendTimeout`, 1 min): the fault drain's limit. */
  faultDrainTimeoutMs: 60_000,
} as const;

/**
 * WCF 4.5's `ServiceThrottle` default: MaxConcurrentSessions = 100 × processor count
 * (ServiceThrottle.DefaultMaxConcurrentSessionsCountPerProcessor).
 */
export function defaultMaxConcurrentSessions(): number {
  return 100 * availableParallelism();
}

// setTimeout cannot wait longer than 2^31−1 ms; longer values fire at once with a warning.
const MAX_TIMER_MS = 0x7fffffff;

/**
 * How a singleton-mode message is read: whole (`'buffered'`, NetTcpBinding's default) or piece by
 * piece as it arrives (`'streamed'`), as WCF's TransferMode.
 */
export type TransferMode = 'buffered' | 'streamed';

/** Checks the transferMode option (default `'buffered'`). */
export function transferModeOption(value: TransferMode | undefined): TransferMode {
  if (value === undefined) return 'buffered';
  if (value !== 'buffered' && value !== 'streamed') {
    throw new SessionError(
      SessionErrorCodes.INVALID_OPTION,
      `The option transferMode must be 'buffered' or 'streamed', got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

/**
 * Checks a timeout option: a positive integer of milliseconds up to 2^31−1, or Infinity for "no
 * limit" (WCF's TimeSpan.MaxValue / "Infinite").
 */
export function timeoutOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY) return value;
  if (!Number.isInteger(value) || value < 1 || value > MAX_TIMER_MS) {
    throw invalidOption(name, value, `a whole number of milliseconds from 1 to ${MAX_TIMER_MS}, or Infinity`);
  }
  return value;
}

/** Checks a count or byte-size option: an integer within [min, max]. */
export function integerOption(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number = FramingLimits.maxSize,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(name, value, `a whole number from ${min} to ${max}`);
  }
  return value;
}

function invalidOption(name: string, value: unknown, expected: string): SessionError {
  return new SessionError(
    SessionErrorCodes.INVALID_OPTION,
    `The option ${name} is ${String(value)}; it must be ${expected}. Pass a value in that range or leave it out for the default.`,
  );
}

/** Starts a timer unless the timeout is Infinity. The timer does not keep the process alive. */
export function startTimer(ms: number, onExpiry: () => void): NodeJS.Timeout | undefined {
  if (ms === Number.POSITIVE_INFINITY) return undefined;
  const timer = setTimeout(onExpiry, ms);
  timer.unref();
  return timer;
}

/**
 * A duration as .NET prints a TimeSpan ("00:00:30", "00:00:00.2500000"), so that texts copied from
 * WCF ("…ChannelInitializationTimeout (00:00:30)…") read the same.
 */
export function formatTimeSpan(ms: number): string {
  if (ms === Number.POSITIVE_INFINITY) return 'Infinite';
  const totalSeconds = Math.floor(ms / 1000);
  const fraction = ms - totalSeconds * 1000;
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  let text = `${two(hours)}:${two(minutes)}:${two(seconds)}`;
  if (days > 0) text = `${days}.${text}`;
  if (fraction > 0) text += `.${String(Math.round(fraction * 10_000)).padStart(7, '0')}`;
  return text;
}
