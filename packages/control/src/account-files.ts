import { readFileSync } from 'node:fs';

/**
 * The records of /etc/passwd or /etc/group, each split at ':' (passwd(5), group(5)); comments and
 * blank lines left out, and nothing when the file cannot be read. Accounts from NSS sources
 * other than these files (LDAP, SSSD) are not seen.
 */
export function readAccountTable(file: string): string[][] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}
