/**
 * How many connections wait in a TCP port's listen backlog: clients whose handshake completed and
 * that the daemon has not accepted yet. For a listening socket, ss(8)'s Recv-Q is the accept
 * queue's length. ss asks the kernel over netlink (sock_diag(7)) for listening sockets only, which
 * costs the same however many connections the machine has; /proc/net/tcp would list every one of
 * them, tens of thousands in TIME_WAIT after a run of short sessions, on each read.
 *
 * @module
 */

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The accept-queue length of the TCP listeners on `port` (IPv4 and IPv6, summed); NaN when ss cannot say. */
export async function listenQueueLength(port: number): Promise<number> {
  try {
    const { stdout } = await run('ss', ['-ltnH', `sport = :${port}`], { timeout: 5000 });
    let total = 0;
    for (const line of stdout.split('\n')) {
      // State Recv-Q Send-Q Local-Address:Port Peer-Address:Port
      const queued = Number(line.trim().split(/\s+/)[1]);
      if (Number.isFinite(queued)) total += queued;
    }
    return total;
  } catch {
    return Number.NaN; // no ss (iproute2) on this machine
  }
}

/**
 * Samples the listen backlog of `port` every `intervalMs` (in a child process each time, so the
 * caller's event loop, which may be timing clients, only pays for starting it) until `stop()`,
 * which returns the most seen (NaN when ss is missing).
 */
export function sampleListenQueue(port: number, intervalMs = 250): { stop(): Promise<number> } {
  let max = 0;
  let known = false;
  let running = true;
  const loop = (async () => {
    while (running) {
      const n = await listenQueueLength(port);
      if (Number.isFinite(n)) {
        known = true;
        max = Math.max(max, n);
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop(): Promise<number> {
      running = false;
      await loop;
      return known ? max : Number.NaN;
    },
  };
}
