import type { OnConflict } from '@portshare/control';
import type { Registration } from './registration.js';

/**
 * One node of the routing table (a URI and a comparison mode) and the registrations serving it:
 * one, or several that all asked for onConflict 'balance' (docs/architecture.md, "Many workers
 * per URI"). A static route is a slot of one registration that no worker holds.
 */
export class RouteSlot {
  readonly members: Registration[];
  /** What the members asked for when they registered: only 'balance' members take company. */
  readonly policy: OnConflict;
  #next = 0;

  constructor(first: Registration, policy: OnConflict) {
    this.members = [first];
    this.policy = policy;
  }

  /**
   * The registration the next connection goes to: the fewest hand-offs waiting first, round robin
   * among equals, stalled workers only when every member is stalled (dispatcher.ts then aborts,
   * as for a single stalled worker).
   */
  pick(): Registration {
    const members = this.members;
    if (members.length === 1) return members[0]!;
    const live = members.filter((m) => !m.stalled && !m.closed);
    const pool = live.length > 0 ? live : members;
    let least = Number.POSITIVE_INFINITY;
    for (const m of pool) least = Math.min(least, m.queueLength);
    const ties = pool.filter((m) => m.queueLength === least);
    const chosen = ties[this.#next % ties.length]!;
    this.#next = (this.#next + 1) % 1_000_000;
    return chosen;
  }

  remove(reg: Registration): void {
    const i = this.members.indexOf(reg);
    if (i !== -1) this.members.splice(i, 1);
  }
}
