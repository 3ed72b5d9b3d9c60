import { spawnSync } from 'node:child_process';
import { readAccountTable } from '@portshare/control';

/**
 * Users and groups through the name service switch (nsswitch.conf(5)), for the allow list,
 * reservations and the privilege drop. getent(1) answers with glibc's own lookups (getpwnam,
 * getgrnam, getgrouplist), so accounts from LDAP, SSSD or extrausers resolve exactly as they do for
 * login and `id`. No native code: one short-lived process per lookup, each answer cached for a
 * second, so a registration flood costs one lookup per account per second. Where getent cannot
 * run, /etc/passwd and /etc/group are read instead.
 */
export interface Account {
  name: string;
  uid: number;
  gid: number;
}

/** Answers are kept this long: accounts change rarely, registrations may come by the thousand. */
const TTL_MS = 1000;
const cache = new Map<string, { at: number; value: string[] | undefined }>();

/**
 * A name or a numeric id as passwd(5) and group(5) allow them (the POSIX portable set plus '$'
 * for machine accounts); anything else is not asked, so nothing reaches getent as an option.
 */
const KEY = /^[A-Za-z0-9._][A-Za-z0-9._-]*\$?$/;

let getentMissing = false;

/** One getent record split into its fields, or undefined when there is none. */
function getent(database: 'passwd' | 'group' | 'initgroups', key: string): string[] | undefined {
  if (!KEY.test(key)) return undefined;
  const id = `${database}\0${key}`;
  const hit = cache.get(id);
  if (hit !== undefined && Date.now() - hit.at < TTL_MS) return hit.value;
  let value: string[] | undefined;
  if (getentMissing) value = fromFiles(database, key);
  else {
    const r = spawnSync('getent', [database, key], { encoding: 'utf8', timeout: 5000 });
    if (r.error !== undefined) {
      getentMissing = true;
      value = fromFiles(database, key);
    } else if (r.status === 0) {
      const line = r.stdout.split('\n')[0] ?? '';
      // initgroups: "name  gid gid …"; passwd and group: colon-separated records.
      value = database === 'initgroups' ? line.trim().split(/\s+/) : line.split(':');
    }
  }
  cache.set(id, { at: Date.now(), value });
  return value;
}

/** The files fallback: a record by name or id, or a user's groups from their member lists. */
function fromFiles(database: 'passwd' | 'group' | 'initgroups', key: string): string[] | undefined {
  if (database === 'initgroups') {
    const groups = readAccountTable('/etc/group').filter((f) => (f[3] ?? '').split(',').includes(key));
    return [key, ...groups.map((f) => f[2]!)];
  }
  return readAccountTable(database === 'passwd' ? '/etc/passwd' : '/etc/group').find((f) => f[0] === key || f[2] === key);
}

export function lookupUser(nameOrId: string): Account | undefined {
  const f = getent('passwd', nameOrId);
  if (f !== undefined && f.length >= 4) return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) };
  if (/^\d+$/.test(nameOrId)) return { name: nameOrId, uid: Number(nameOrId), gid: -1 };
  return undefined;
}

export function lookupGroupId(nameOrId: string): number | undefined {
  const f = getent('group', nameOrId);
  if (f !== undefined && f.length >= 3) return Number(f[2]);
  return /^\d+$/.test(nameOrId) ? Number(nameOrId) : undefined;
}

export function userName(uid: number): string | undefined {
  const f = getent('passwd', String(uid));
  return f !== undefined && Number(f[2]) === uid ? f[0] : undefined;
}

/** The gids a uid belongs to: its primary group and its supplementary groups (getgrouplist(3)). */
export function groupsOf(uid: number, primaryGid: number): Set<number> {
  const out = new Set<number>([primaryGid]);
  const name = userName(uid);
  if (name === undefined) return out;
  for (const gid of getent('initgroups', name)?.slice(1) ?? []) if (/^\d+$/.test(gid)) out.add(Number(gid));
  return out;
}
