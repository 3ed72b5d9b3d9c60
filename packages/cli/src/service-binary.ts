import { fileURLToPath } from 'node:url';
import { DAEMON_NODE_OPTIONS } from '@portshare/service';

/** The daemon's entry point (`@portshare/service/main`), as a file path. */
export function serviceMainPath(): string {
  return fileURLToPath(import.meta.resolve('@portshare/service/main'));
}

/**
 * The argv that starts the daemon: this Node binary with the daemon's Node options
 * (DAEMON_NODE_OPTIONS) and the service's main module. `enable`
 * records it the way the service control manager records a service's image path, so a worker can
 * start the daemon on demand without knowing where portshare is installed.
 */
export function defaultStartCommand(): string[] {
  return [process.execPath, ...DAEMON_NODE_OPTIONS, serviceMainPath()];
}
