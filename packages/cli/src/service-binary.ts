import { fileURLToPath } from 'node:url';

/** The daemon's entry point (`@portshare/service/main`), as a file path. */
export function serviceMainPath(): string {
  return fileURLToPath(import.meta.resolve('@portshare/service/main'));
}

/**
 * The argv that starts the daemon: this Node binary and the service's main module. `enable`
 * records it the way the service control manager records a service's image path, so a worker can
 * start the daemon on demand without knowing where portshare is installed.
 */
export function defaultStartCommand(): string[] {
  return [process.execPath, serviceMainPath()];
}
