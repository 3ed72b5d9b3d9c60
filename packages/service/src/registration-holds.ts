import { sharedManagerMessage, type HostNameComparisonMode } from '@portshare/control';
import type { ParsedVia } from '@portshare/framing';
import { pathSegments } from './routing-table.js';

/** The hold on one URI: whose it is, and until when. */
export interface Hold {
  readonly uid: number;
  readonly until: number;
}

/**
 * The routing-table node a registration occupies: what ConflictingRegistration compares (the
 * key `RoutingTable` builds in `#place`: scheme, host segment by comparison mode — `+`, `*` or the
 * lowercased host — port, canonical path).
 */
export function routeNodeKey(parsed: ParsedVia, mode: HostNameComparisonMode): string {
  const host = parsed.host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const segment = mode === 'StrongWildcard' ? '+' : mode === 'WeakWildcard' ? '*' : host;
  return `${parsed.scheme.toLowerCase()}/${segment}/${parsed.port}/${pathSegments(parsed.path).join('/')}`;
}

/**
 * After a registration ends, its URI (its routing-table node, see {@link routeNodeKey}) is held
 * for the account that had it for registrationHoldMs: a worker restarting, or re-registering
 * after a daemon hiccup, gets its URI back instead of finding another account's worker on it,
 * which would then receive its clients. Only the exact node is held; a wider namespace is kept
 * by a reservation (reservations.ts).
 *
 * Every hold lasts the same time, so the Map's insertion order is expiry order and expired holds
 * are dropped from its front: memory stays proportional to the registrations ended in the last
 * registrationHoldMs, whatever the churn.
 */
export class RegistrationHolds {
  readonly #holdMs: number;
  readonly #now: () => number;
  readonly #holds = new Map<string, Hold>();

  constructor(holdMs: number, now: () => number = Date.now) {
    this.#holdMs = holdMs;
    this.#now = now;
  }

  get holdMs(): number {
    return this.#holdMs;
  }

  get size(): number {
    this.#expire();
    return this.#holds.size;
  }

  /** Holds `key` for `uid` from now. */
  hold(key: string, uid: number): void {
    if (this.#holdMs <= 0) return;
    this.#expire();
    this.#holds.delete(key); // re-inserted at the end: insertion order stays expiry order
    this.#holds.set(key, { uid, until: this.#now() + this.#holdMs });
  }

  /** The hold on `key` of an account other than `uid`, if one is in force. */
  heldFrom(key: string, uid: number): Hold | undefined {
    this.#expire();
    const hold = this.#holds.get(key);
    return hold !== undefined && hold.uid !== uid ? hold : undefined;
  }

  /** The URI was registered again: its hold has done its job. */
  release(key: string): void {
    this.#holds.delete(key);
  }

  #expire(): void {
    const now = this.#now();
    for (const [key, hold] of this.#holds) {
      if (hold.until > now) return;
      this.#holds.delete(key);
    }
  }
}

/** The refusal, in WCF's SharedManagerBase template (there is no WCF reason for a hold). */
export function heldMessage(hold: Hold, holdMs: number, now: number = Date.now()): string {
  return sharedManagerMessage(
    `the URI is held for the account (uid ${hold.uid}) whose registration of it ended less than registrationHoldMs ` +
      `(${holdMs} ms) ago, so that its worker can restart and take it back. Retry in ${Math.max(0, hold.until - now)} ms, ` +
      `or register another URI`,
  );
}
