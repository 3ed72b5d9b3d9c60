// The release binaries (scripts/prebuild.mjs): linux-x64 built here, linux-arm64 with Debian's
// cross compiler. Each must be an ELF for its machine that needs only the C library (glibc, no
// newer symbol version than the README promises) and resolves every other symbol from Node (N-API
// and libuv). The x64 one is also loaded into this Node and used. An arm64 Node cannot run here, so
// that binary is checked by what it links against, not run.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = new URL('../scripts/prebuild.mjs', import.meta.url).pathname;
/** The oldest glibc the prebuilds load on (packages/handoff/README.md, "Building"). */
const NEWEST_GLIBC_SYMBOL = [2, 33];

const hasCross = spawnSync('aarch64-linux-gnu-gcc', ['--version']).status === 0;
if (process.env['CI'] && !hasCross) throw new Error('aarch64-linux-gnu-gcc is missing: .ci/run installs gcc-aarch64-linux-gnu');

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function prebuild(arch: 'x64' | 'arm64'): string {
  const out = mkdtempSync(join(tmpdir(), `handoff-prebuild-${arch}-`));
  dirs.push(out);
  const r = spawnSync(process.execPath, [SCRIPT, '--arch', arch, '--out', out], { encoding: 'utf8' });
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  const folder = join(out, 'prebuilds', `linux-${arch}`);
  expect(readdirSync(folder)).toEqual(['@portshare+handoff.node']);
  return join(folder, '@portshare+handoff.node');
}

function readelf(args: string[], file: string): string {
  const r = spawnSync('readelf', [...args, '-W', file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** What a shared object asks of the system: its machine, NEEDED libraries and undefined symbols. */
function linkage(file: string): { machine: string; needed: string[]; undefinedSymbols: string[] } {
  const machine = /Machine:\s+(.+)/.exec(readelf(['-h'], file))![1]!.trim();
  const needed = [...readelf(['-d'], file).matchAll(/\(NEEDED\)\s+Shared library: \[(.+)\]/g)].map((m) => m[1]!);
  const undefinedSymbols = readelf(['--dyn-syms'], file)
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[6] === 'UND' && f[7] !== undefined)
    .map((f) => f[7]!);
  return { machine, needed, undefinedSymbols };
}

/** Every undefined symbol is Node's (napi_, uv_), glibc's (versioned), or a weak hook of the toolchain. */
function checkSymbols(symbols: string[]): void {
  const weakHooks = new Set(['_ITM_deregisterTMCloneTable', '_ITM_registerTMCloneTable', '__gmon_start__']);
  const foreign = symbols.filter((s) => !/^(napi_|uv_)/.test(s) && !/@GLIBC_\d/.test(s) && !weakHooks.has(s));
  expect(foreign).toEqual([]);
  for (const s of symbols.filter((x) => x.includes('@GLIBC_'))) {
    const [major, minor] = s.split('@GLIBC_')[1]!.split('.').map(Number);
    expect(major! * 1000 + minor!, s).toBeLessThanOrEqual(NEWEST_GLIBC_SYMBOL[0]! * 1000 + NEWEST_GLIBC_SYMBOL[1]!);
  }
  expect(symbols.some((s) => s.startsWith('sendmsg@GLIBC_'))).toBe(true);
}

describe('prebuilt addons', { timeout: 180_000 }, () => {
  it.runIf(process.arch === 'x64')('linux-x64: an x86-64 ELF needing only glibc, which this Node loads and uses', () => {
    const file = prebuild('x64');
    const l = linkage(file);
    expect(l.machine).toBe('Advanced Micro Devices X86-64');
    expect(l.needed).toEqual(['libc.so.6']);
    checkSymbols(l.undefinedSymbols);
    const addon = createRequire(import.meta.url)(file) as { fdLimit(): unknown; peerCredentials(fd: number): unknown };
    // A file is not a socket: the kernel's answer comes back through the addon.
    const fd = openSync(SCRIPT, 'r');
    try {
      expect(() => addon.peerCredentials(fd)).toThrow(expect.objectContaining({ code: 'ENOTSOCK' }));
    } finally {
      closeSync(fd);
    }
    expect(addon.fdLimit()).toBeTruthy();
  });

  it.skipIf(!hasCross)('linux-arm64: an AArch64 ELF, cross-compiled, needing only glibc and resolving the rest from Node', () => {
    const l = linkage(prebuild('arm64'));
    expect(l.machine).toBe('AArch64');
    expect(l.needed).toEqual(['libc.so.6']);
    checkSymbols(l.undefinedSymbols);
  });
});
