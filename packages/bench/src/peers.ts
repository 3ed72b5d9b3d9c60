import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { BenchError, BenchErrorCodes } from './errors.js';

/**
 * The third-party intermediaries the benchmark compares with, as Debian 12 packages them:
 * HAProxy (TCP mode, backend chosen by an ACL on the payload) and sslh-fork (one process per
 * connection, regex probe). Both configurations follow the ones measured in the project's
 * baselines, with the ports and the routing bytes of this benchmark.
 */

export interface Peer {
  name: 'haproxy' | 'sslh';
  /** Absolute path of the binary, or undefined when it is not installed. */
  path: string | undefined;
  version: string | undefined;
}

/** The peer's binary, or BENCH_ERR_PEER_MISSING saying how to install it or leave it out. */
export function requirePeer(peer: Peer): string {
  if (peer.path !== undefined) return peer.path;
  throw new BenchError(
    BenchErrorCodes.PeerMissing,
    `${peer.name} is not installed (looked in /usr/sbin, /usr/local/sbin and PATH). Install it (apt-get install ${peer.name}) or leave it out with --only.`,
  );
}

/** Finds a program in /usr/sbin, /usr/local/sbin or PATH. */
export function findProgram(name: string): string | undefined {
  const dirs = ['/usr/sbin', '/usr/local/sbin', ...(process.env['PATH'] ?? '').split(delimiter)];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

function versionOf(path: string, args: string[]): string | undefined {
  try {
    const out = execFileSync(path, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
    return out.split('\n')[0]?.trim();
  } catch (err) {
    // sslh -V exits non-zero on some versions but still prints.
    const e = err as { stdout?: string; stderr?: string };
    return (e.stdout || e.stderr || '').split('\n')[0]?.trim() || undefined;
  }
}

export function findHaproxy(): Peer {
  const path = findProgram('haproxy');
  const banner = path ? versionOf(path, ['-v']) : undefined;
  // "HAProxy version 2.6.12-1+deb12u4 2023/12/19 - https://haproxy.org/" → "HAProxy 2.6.12-1+deb12u4"
  const m = banner ? /HA-?Proxy version (\S+)/.exec(banner) : null;
  return { name: 'haproxy', path, version: m ? `HAProxy ${m[1]}` : banner };
}

/** Debian's `sslh` is the fork model (`sslh-fork`); `sslh-select` is the single-process one. */
export function findSslh(): Peer {
  const path = findProgram('sslh');
  return { name: 'sslh', path, version: path ? versionOf(path, ['-V']) : undefined };
}

/** The via's offset in a preamble: Version (3 bytes), Mode (2), Via record type (1), size (1 byte for vias under 128 bytes, [MC-NMF] 2.2.2). */
export const VIA_OFFSET = 7;

export interface HaproxyConfigInput {
  listenPort: number;
  backendPort: number;
  /** Bytes of the whole preamble: HAProxy waits until it has them all. */
  preambleLength: number;
  /** Bytes of the via, which starts at VIA_OFFSET. */
  viaLength: number;
  /** The path segment routed on, e.g. /bench/. */
  routePath: string;
  pidFile: string;
}

export function haproxyConfig(c: HaproxyConfigInput): string {
  return `# HAProxy in TCP mode, backend chosen by an ACL on the preamble's via bytes.
global
    maxconn 4000
    pidfile ${c.pidFile}
    # nbthread defaults to the number of CPUs

defaults
    mode tcp
    timeout connect 5s
    timeout client  60s
    timeout server  60s

frontend fe_portshare
    bind 127.0.0.1:${c.listenPort}
    tcp-request inspect-delay 5s
    # wait until the whole preamble is buffered, then route on the via inside it
    tcp-request content accept if { req.len ge ${c.preambleLength} }
    use_backend be_bench if { req.payload(${VIA_OFFSET},${c.viaLength}) -m sub ${c.routePath} }
    default_backend be_reject

backend be_bench
    server bench 127.0.0.1:${c.backendPort}

backend be_reject
    tcp-request content reject
`;
}

export interface SslhConfigInput {
  listenPort: number;
  backendPort: number;
  /** A port where nothing useful listens: where a via for any other path goes. */
  rejectPort: number;
  routePath: string;
}

/** sslh's libconfig format; the regex probe runs on the first data packet (the whole preamble). */
export function sslhConfig(c: SslhConfigInput): string {
  const path = c.routePath.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');
  return `# sslh-fork: regex probe on the preamble's via.
foreground: true;
inetd: false;
numeric: true;
transparent: false;
timeout: 2;
verbose: false;
listen:
(
    { host: "127.0.0.1"; port: "${c.listenPort}"; }
);
protocols:
(
    { name: "regex"; host: "127.0.0.1"; port: "${c.backendPort}"; regex_patterns: [ "net\\\\.tcp://[^/]*${path}" ]; log_level: 0; },
    { name: "anyprot"; host: "127.0.0.1"; port: "${c.rejectPort}"; log_level: 0; }
);
on-timeout: "anyprot";
`;
}
