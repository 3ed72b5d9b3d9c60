import type { PeerCredentials } from '@portshare/handoff';
import { groupsOf, lookupGroupId, lookupUser } from './accounts.js';

/**
 * A list of users and groups (names or numeric ids), resolved once against /etc/passwd and
 * /etc/group: the shape of allowAccounts and of each URI reservation's accounts.
 */
export class AccountList {
  readonly #uids = new Set<number>();
  readonly #gids = new Set<number>();

  constructor(accounts: { users: readonly string[]; groups: readonly string[] }) {
    for (const u of accounts.users) {
      const account = lookupUser(u);
      if (account) this.#uids.add(account.uid);
    }
    for (const g of accounts.groups) {
      const gid = lookupGroupId(g);
      if (gid !== undefined) this.#gids.add(gid);
    }
  }

  /** Is this uid listed, or a member (primary or supplementary, per /etc/group) of a listed group? */
  includes(creds: PeerCredentials): boolean {
    if (this.#uids.has(creds.uid)) return true;
    if (this.#gids.size === 0) return false;
    for (const gid of groupsOf(creds.uid, creds.gid)) if (this.#gids.has(gid)) return true;
    return false;
  }
}

/**
 * The allowAccounts check: the kernel's peer credentials (SO_PEERCRED) of a control connection
 * against the configured users and groups. Root and the daemon's own user are always allowed, as
 * LocalSystem and Administrators are in SMSvcHost's default list (docs/protocol.md §8).
 */
export class AccessPolicy {
  readonly #allowed: AccountList;
  readonly #selfUid: (() => number) | number;

  /**
   * `selfUid` defaults to the process's effective uid read at each check, so that after the daemon
   * drops root its new user is "the daemon's own user".
   */
  constructor(allow: { users: readonly string[]; groups: readonly string[] }, selfUid: number | (() => number) = () => process.geteuid?.() ?? 0) {
    this.#selfUid = selfUid;
    this.#allowed = new AccountList(allow);
  }

  /** May this peer register URIs and read status? */
  allows(creds: PeerCredentials | undefined): boolean {
    // Without the addon the kernel's credentials are out of reach; the control socket's file mode
    // (0660 when allowAccounts names groups, else 0600/0666 as documented) is then the only gate.
    if (creds === undefined) return true;
    return this.isAdministrator(creds) || this.#allowed.includes(creds);
  }

  /**
   * Root or the daemon's own user: may pause, resume or stop the daemon, register under any
   * reservation, and use the control connections kept in reserve (reservedControlConnections).
   */
  isAdministrator(creds: PeerCredentials | undefined): boolean {
    if (creds === undefined) return true;
    return creds.uid === 0 || creds.uid === (typeof this.#selfUid === 'function' ? this.#selfUid() : this.#selfUid);
  }
}
