// The /proc readers the scenarios count and sample with, on this very process.
import { closeSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StressErrorCodes } from '../src/errors.js';
import { fdKinds, fdTargets, isAlive, openFdCount, processCredentials, rssBytes } from '../src/proc.js';

describe('/proc readers', () => {
  it('count a descriptor opened and closed', () => {
    const before = openFdCount(process.pid);
    const fd = openSync('/dev/null', 'r');
    expect(openFdCount(process.pid)).toBe(before + 1);
    expect(fdTargets(process.pid)).toContain('/dev/null');
    closeSync(fd);
    expect(openFdCount(process.pid)).toBe(before);
    expect(fdKinds(['socket:[1]', 'socket:[2]', 'pipe:[3]', '/dev/null', 'anon_inode:[eventfd]'])).toEqual({
      socket: 2,
      pipe: 1,
      file: 1,
      'anon_inode:[eventfd]': 1,
    });
  });

  it('read memory and credentials', () => {
    expect(rssBytes(process.pid)).toBeGreaterThan(1024 * 1024);
    const c = processCredentials(process.pid);
    expect(c.uid[0]).toBe(process.getuid?.());
    expect(c.gid[1]).toBe(process.getegid?.());
    expect(isAlive(process.pid)).toBe(true);
  });

  it('say which process is gone and what to check', () => {
    const gone = 2 ** 22 + 12_345; // above pid_max's default range
    expect(isAlive(gone)).toBe(false);
    expect(() => openFdCount(gone)).toThrow(expect.objectContaining({ code: StressErrorCodes.ProcUnavailable }));
    expect(() => rssBytes(gone)).toThrow(/process may have exited/);
  });
});
