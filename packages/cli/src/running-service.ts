import type { InstancePaths, StatusReply } from '@portshare/control';
import type { RunningService } from '@portshare/service';
import { probe, request } from './daemon-client.js';

/** The port of the daemon's metrics endpoint, from the configuration its status reports. */
function metricsPortOf(status: StatusReply): number | undefined {
  const metrics = status.config['metrics'];
  const port = typeof metrics === 'object' && metrics !== null ? (metrics as { port?: unknown }).port : undefined;
  return typeof port === 'number' ? port : undefined;
}

/**
 * The instance's running daemon and the sockets it holds (its status), or undefined when none
 * answers. A port it holds is no obstacle: a restart takes its sockets over (docs/operations.md).
 * When it runs but cannot be asked (an account not allowed to read its status), the port check
 * says so instead of blaming another program.
 */
export async function runningService(paths: InstancePaths): Promise<RunningService | undefined> {
  let pid: number | undefined;
  try {
    const hello = await probe(paths);
    if (hello === undefined) return undefined;
    pid = hello.pid;
    const status = await request(paths, { op: 'status' });
    return { known: true, pid: status.pid, listeners: status.listeners, metricsPort: metricsPortOf(status) };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return { known: false, why: `${pid === undefined ? '' : `pid ${pid}: `}${typeof code === 'string' ? code : (err as Error).message}` };
  }
}
