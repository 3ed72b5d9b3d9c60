/**
 * The independent TLS peer: `python/nmf_tls_peer.py`, a net.tcp client or server written with
 * Python's socket and ssl modules only (OpenSSL underneath), that speaks the `application/ssl-tls`
 * upgrade from its own reading of [MC-NMF]. It prints one JSON object with what it saw.
 *
 * @module
 */

import { fileURLToPath } from 'node:url';
import { ChildProgram } from './child-program.js';
import { InteropError, InteropErrorCodes } from './errors.js';
import { requireTools, Tools } from './toolchain.js';

/** The script's path. */
export const TLS_PEER_SCRIPT = fileURLToPath(new URL('../python/nmf_tls_peer.py', import.meta.url));

/** What the peer printed, and how it exited. */
export interface TlsPeerResult {
  readonly exitCode: number | null;
  readonly result: Record<string, unknown>;
  readonly stderr: string;
}

/** Runs the peer as a client to the end. */
export async function runTlsPeerClient(args: readonly string[], timeoutMs = 30_000): Promise<TlsPeerResult> {
  requireTools('python3');
  const peer = ChildProgram.start(Tools.python3, [TLS_PEER_SCRIPT, 'client', ...args], { name: 'nmf_tls_peer.py client' });
  const status = await peer.waitForExit(timeoutMs);
  return { exitCode: status.code, result: lastJson(peer.stdout, peer.stderr), stderr: peer.stderr };
}

/** A peer server that takes one connection. */
export interface TlsPeerServer {
  readonly port: number;
  /** Waits for the connection to end and returns what the server saw. */
  finished(timeoutMs?: number): Promise<TlsPeerResult>;
  stop(): Promise<void>;
}

/** Starts the peer as a server on a free port of 127.0.0.1. */
export async function startTlsPeerServer(args: readonly string[]): Promise<TlsPeerServer> {
  requireTools('python3');
  const peer = ChildProgram.start(Tools.python3, [TLS_PEER_SCRIPT, 'server', '--port', '0', ...args], {
    name: 'nmf_tls_peer.py server',
  });
  const line = await peer.nextLine(/^\{/);
  const listening = JSON.parse(line) as { listening?: number };
  if (typeof listening.listening !== 'number') {
    await peer.stop();
    throw new InteropError(InteropErrorCodes.PROCESS_EXITED, `nmf_tls_peer.py server did not start: ${line} ${peer.stderr}`);
  }
  return {
    port: listening.listening,
    async finished(timeoutMs = 30_000) {
      const status = await peer.waitForExit(timeoutMs);
      return { exitCode: status.code, result: lastJson(peer.stdout, peer.stderr), stderr: peer.stderr };
    },
    async stop() {
      await peer.stop();
    },
  };
}

function lastJson(stdout: string, stderr: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  if (line === undefined) {
    throw new InteropError(InteropErrorCodes.PROCESS_EXITED, `nmf_tls_peer.py printed no result. stdout: ${stdout} stderr: ${stderr}`);
  }
  return JSON.parse(line) as Record<string, unknown>;
}
