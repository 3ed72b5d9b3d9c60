import { readAccountTable } from '@portshare/control';

/** Users and groups from /etc/passwd and /etc/group, for the allow list (no NSS, no native code). */
export interface Account {
  name: string;
  uid: number;
  gid: number;
}

/** /etc/passwd and /etc/group are read at most once a second, however many registrations come. */
const cache = new Map<string, { at: number; lines: string[][] }>();

function readLines(file: string): string[][] {
  const hit = cache.get(file);
  if (hit && Date.now() - hit.at < 1000) return hit.lines;
  const lines = readAccountTable(file);
  cache.set(file, { at: Date.now(), lines });
  return lines;
}

export function lookupUser(nameOrId: string): Account | undefined {
  for (const f of readLines('/etc/passwd')) {
    if (f[0] === nameOrId || f[2] === nameOrId) return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) };
  }
  if (/^\d+$/.test(nameOrId)) return { name: nameOrId, uid: Number(nameOrId), gid: -1 };
  return undefined;
}

export function lookupGroupId(nameOrId: string): number | undefined {
  for (const f of readLines('/etc/group')) {
    if (f[0] === nameOrId || f[2] === nameOrId) return Number(f[2]);
  }
  return /^\d+$/.test(nameOrId) ? Number(nameOrId) : undefined;
}

export function userName(uid: number): string | undefined {
  for (const f of readLines('/etc/passwd')) if (Number(f[2]) === uid) return f[0];
  return undefined;
}

/** The gids a uid belongs to: its primary group and every group that lists its name. */
export function groupsOf(uid: number, primaryGid: number): Set<number> {
  const out = new Set<number>([primaryGid]);
  const name = userName(uid);
  if (name === undefined) return out;
  for (const f of readLines('/etc/group')) {
    const members = (f[3] ?? '').split(',');
    if (members.includes(name)) out.add(Number(f[2]));
  }
  return out;
}
