import { notifyServiceManager } from '@portshare/handoff';
import type { Logger } from 'pino';

/*
 * What the daemon does for a service manager (systemd), without libsystemd: it takes the
 * listening sockets it was started with (socket activation, sd_listen_fds(3)) and reports its
 * state over $NOTIFY_SOCKET (sd_notify(3)). Started by hand, none of these variables is set and
 * nothing here does anything.
 */

/** sd_listen_fds(3): passed descriptors start at 3 (SD_LISTEN_FDS_START). */
export const LISTEN_FDS_START = 3;

/**
 * The FileDescriptorName= of the control socket when the service manager opens it
 * (portshare-control.socket); every other passed socket is a shared port's.
 */
export const CONTROL_FD_NAME = 'control';

/** A listening socket the daemon was started with. */
export interface InheritedListener {
  fd: number;
  /** Its FileDescriptorName= (systemd.socket(5)); 'unknown' when none was given. */
  name: string;
}

/**
 * The descriptors passed by socket activation, as sd_listen_fds_with_names(3) reads them: only
 * when LISTEN_PID is this process (the variables may have been inherited from a parent that was
 * activated), LISTEN_FDS of them from descriptor 3, named by LISTEN_FDNAMES (colon-separated).
 * The variables are removed, as sd_listen_fds(…, unset_environment=1) does, so that nothing this
 * process starts takes them for its own.
 */
export function takeListenFds(env: NodeJS.ProcessEnv = process.env, pid = process.pid): InheritedListener[] {
  const listenPid = env.LISTEN_PID;
  const count = env.LISTEN_FDS;
  const names = env.LISTEN_FDNAMES;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  if (listenPid === undefined || count === undefined || !/^[0-9]+$/.test(listenPid) || Number(listenPid) !== pid) return [];
  if (!/^[0-9]+$/.test(count)) return [];
  const n = Number(count);
  const nameList = names === undefined ? [] : names.split(':');
  return Array.from({ length: n }, (_, i) => ({ fd: LISTEN_FDS_START + i, name: nameList[i] || 'unknown' }));
}

/**
 * The systemd unit this daemon runs in, or undefined when systemd did not start it: the shipped
 * unit sets PORTSHARE_SYSTEMD_UNIT=%n, and systemd sets INVOCATION_ID for every process it starts
 * (systemd.exec(5), "Environment Variables in Spawned Processes"); both must be there, so a
 * variable left in an administrator's shell does not count. Only a service unit's name is taken.
 */
export function systemdUnitOf(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const unit = env.PORTSHARE_SYSTEMD_UNIT;
  if (unit === undefined || env.INVOCATION_ID === undefined) return undefined;
  return /^[A-Za-z0-9:_.\\@-]{1,255}\.service$/.test(unit) ? unit : undefined;
}

/**
 * The daemon's side of sd_notify(3): READY=1 once it serves, STOPPING=1 when it stops, STATUS=
 * lines, and WATCHDOG=1 every half of WATCHDOG_USEC when the unit sets WatchdogSec=
 * (sd_watchdog_enabled(3): only when WATCHDOG_PID, if set, is this process). A notification that
 * cannot be sent is logged, never fatal: the daemon serves the same with or without a manager.
 */
export class ServiceManagerNotifier {
  readonly #log: Logger;
  readonly #env: NodeJS.ProcessEnv;
  #watchdog: NodeJS.Timeout | undefined;

  constructor(log: Logger, env: NodeJS.ProcessEnv = process.env) {
    this.#log = log;
    this.#env = env;
  }

  /** Whether a manager asked for notifications. */
  get enabled(): boolean {
    return Boolean(this.#env.NOTIFY_SOCKET);
  }

  send(message: string): void {
    try {
      notifyServiceManager(message, this.#env);
    } catch (err) {
      this.#log.warn({ err, notifySocket: this.#env.NOTIFY_SOCKET }, 'could not notify the service manager');
    }
  }

  ready(status: string): void {
    this.send(`READY=1\nSTATUS=${status}\nMAINPID=${process.pid}`);
    this.#startWatchdog();
  }

  /**
   * A new daemon is taking over (a restart or reload, takeover.ts): RELOADING=1 with the
   * CLOCK_MONOTONIC time in µs, which systemd ≥ 253 expects with it (sd_notify(3)). The new daemon
   * ends the reload with its own READY=1 and MAINPID=.
   */
  reloading(): void {
    this.send(`RELOADING=1\nMONOTONIC_USEC=${process.hrtime.bigint() / 1000n}\nSTATUS=handing over to a new service`);
  }

  stopping(): void {
    this.#stopWatchdog();
    this.send('STOPPING=1\nSTATUS=stopping');
  }

  /** The keep-alive interval in ms, or undefined when no watchdog is asked for. */
  watchdogIntervalMs(): number | undefined {
    const usec = this.#env.WATCHDOG_USEC;
    const pid = this.#env.WATCHDOG_PID;
    if (usec === undefined || !/^[0-9]+$/.test(usec) || Number(usec) === 0) return undefined;
    if (pid !== undefined && pid !== '' && Number(pid) !== process.pid) return undefined;
    // Half the timeout, as sd_watchdog_enabled(3) recommends; at least 1 ms.
    return Math.max(1, Math.floor(Number(usec) / 2000));
  }

  #startWatchdog(): void {
    const every = this.watchdogIntervalMs();
    if (every === undefined || !this.enabled || this.#watchdog !== undefined) return;
    this.#watchdog = setInterval(() => this.send('WATCHDOG=1'), every);
    // The keep-alives must not be what keeps the process running.
    this.#watchdog.unref();
  }

  #stopWatchdog(): void {
    if (this.#watchdog !== undefined) clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }
}
