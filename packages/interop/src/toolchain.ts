import { spawnSync } from 'node:child_process';
import { InteropError, InteropErrorCodes } from './errors.js';

/** The external programs the interop tests talk to. */
export const Tools = {
  /** Mono's C# compiler (Debian: mono-devel). */
  mcs: process.env['MCS'] ?? 'mcs',
  /** The Mono runtime. */
  mono: process.env['MONO'] ?? 'mono',
  /** Wireshark's command-line capture and dissector. */
  tshark: process.env['TSHARK'] ?? 'tshark',
  /** Python 3: its ssl module (OpenSSL) is the independent TLS peer (python/nmf_tls_peer.py). */
  python3: process.env['PYTHON3'] ?? 'python3',
  /** The openssl command line: makes the test certificates. */
  openssl: process.env['OPENSSL'] ?? 'openssl',
} as const;

export type ToolName = keyof typeof Tools;

const installHints: Record<ToolName, string> = {
  mcs: 'Install Mono (Debian/Ubuntu: apt-get install mono-devel) or set MCS and MONO.',
  mono: 'Install Mono (Debian/Ubuntu: apt-get install mono-devel) or set MCS and MONO.',
  tshark: 'Install tshark (Debian/Ubuntu: apt-get install tshark) or set TSHARK.',
  python3: 'Install Python 3 (Debian/Ubuntu: apt-get install python3) or set PYTHON3.',
  openssl: 'Install OpenSSL (Debian/Ubuntu: apt-get install openssl) or set OPENSSL.',
};

const probeArgs: Record<ToolName, string[]> = {
  mcs: ['--version'],
  mono: ['--version'],
  tshark: ['-v'],
  python3: ['--version'],
  openssl: ['version'],
};
const found = new Map<ToolName, string | null>();

/** The first line of the tool's version output, or null when it cannot be run. */
export function toolVersion(tool: ToolName): string | null {
  if (!found.has(tool)) {
    const r = spawnSync(Tools[tool], probeArgs[tool], { encoding: 'utf8', timeout: 20_000 });
    found.set(tool, r.status === 0 ? (r.stdout.split('\n')[0] ?? '').trim() : null);
  }
  return found.get(tool) ?? null;
}

export function hasTools(...tools: ToolName[]): boolean {
  return tools.every((t) => toolVersion(t) !== null);
}

/** Throws INTEROP_ERR_TOOLCHAIN_MISSING naming the missing tools and how to install them. */
export function requireTools(...tools: ToolName[]): void {
  const missing = tools.filter((t) => toolVersion(t) === null);
  if (missing.length === 0) return;
  const hints = new Set(missing.map((t) => installHints[t]));
  throw new InteropError(
    InteropErrorCodes.TOOLCHAIN_MISSING,
    `${missing.map((t) => `'${Tools[t]}'`).join(' and ')} could not be run. ${[...hints].join(' ')}`,
  );
}

/**
 * Whether a test file that needs `tools` should be skipped: only when they are missing and CI is
 * not set. Under CI a missing tool is a failure, so the tests run and fail with
 * INTEROP_ERR_TOOLCHAIN_MISSING. Prints why when skipping.
 */
export function skipWithout(...tools: ToolName[]): boolean {
  if (hasTools(...tools)) return false;
  if (process.env['CI']) return false;
  const missing = tools.filter((t) => toolVersion(t) === null).map((t) => Tools[t]);
  console.warn(
    `Skipping the interop tests that need ${missing.join(', ')}: not installed. ` +
      `${[...new Set(tools.filter((t) => toolVersion(t) === null).map((t) => installHints[t]))].join(' ')} With CI set these tests fail instead.`,
  );
  return true;
}
