import type { PeerCredentials } from '@portshare/handoff';
import { groupsOf, lookupGroupId, lookupUser } from './accounts.js';

/**
 * The allowAccounts check: the kernel's peer credentials (SO_PEERCRED) of a control connection
 * against the configured users and groups. Root and the daemon's own user are always allowed, as
 * LocalSystem and Administrators are in SMSvcHost's default list (wcf-port-sharing notes §3.3).
 */
export class AccessPolicy {
  readonly #uids = new Set<number>();
  readonly #gids = new Set<number>();
  readonly #selfUid: (() => number) | number;

  /**
   * `selfUid` defaults to the process's effective uid read at each check, so that after the daemon
   * drops root its new user is "the daemon's own user".
   */
  constructor(allow: { users: string[]; groups: string[] }, selfUid: number | (() => number) = () => process.geteuid?.() ?? 0) {
    this.#selfUid = selfUid;
    for (const u of allow.users) {
      const account = lookupUser(u);
      if (account) this.#uids.add(account.uid);
    }
    for (const g of allow.groups) {
      const gid = lookupGroupId(g);
      if (gid !== undefined) this.#gids.add(gid);
    }
  }

  /** May this peer register URIs and read status? */
  allows(creds: PeerCredentials | undefined): boolean {
    // Without the addon the kernel's credentials are out of reach; the control socket's file mode
    // (0660 when allowAccounts names groups, else 0600/0666 as documented) is then the only gate.
    if (creds === undefined) return true;
    if (this.isAdministrator(creds)) return true;
    if (this.#uids.has(creds.uid)) return true;
    if (this.#gids.size === 0) return false;
    for (const gid of groupsOf(creds.uid, creds.gid)) if (this.#gids.has(gid)) return true;
    return false;
  }

  /** May this peer pause, resume or stop the daemon? Root and the daemon's own user only. */
  isAdministrator(creds: PeerCredentials | undefined): boolean {
    if (creds === undefined) return true;
    return creds.uid === 0 || creds.uid === (typeof this.#selfUid === 'function' ? this.#selfUid() : this.#selfUid);
  }
}
