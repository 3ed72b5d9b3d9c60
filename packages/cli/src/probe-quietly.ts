import type { HelloReply, InstancePaths } from '@portshare/control';
import { probe } from './daemon-client.js';

/**
 * The running daemon's hello, or undefined when none answers or it cannot be asked (access
 * denied): for commands that only mention a running daemon in passing.
 */
export async function probeQuietly(paths: InstancePaths): Promise<HelloReply | undefined> {
  try {
    return await probe(paths, 2000);
  } catch {
    return undefined;
  }
}
