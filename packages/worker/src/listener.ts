import { EventEmitter } from 'node:events';
import { createServer, isIP, type Server, type Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  ControlClient,
  ControlError,
  ControlErrorCodes,
  HostNameComparisonMode,
  disabledMessage,
  folderProblem,
  readState,
  resolveInstance,
  startDetached,
  unsafePathError,
  type InstancePaths,
  type InstanceScope,
  type OnConflict,
  SYSTEM_FOLDERS,
} from '@portshare/control';
import { isSupported } from '@portshare/handoff';
import { BaseUri } from './base-uri.js';
import { directConnectionInfo, type ConnectionInfo } from './connection-info.js';
import { WorkerError, WorkerErrorCodes, addressInUseMessage, type WorkerErrorCode } from './errors.js';
import { createHandoffFolder } from './handoff-folder.js';
import { listenFd, listenProxy, type ConnectionReceiver } from './receivers.js';

export interface NetTcpListenerOptions {
  /** Base address, e.g. net.tcp://localhost:9000/calculator/4381. */
  uri: string;
  /** Share the port through the portshare service (WCF PortSharingEnabled). Default false, as in WCF. */
  portSharingEnabled?: boolean;
  /** How the via's host is compared (WCF HostNameComparisonMode). Default StrongWildcard. */
  hostNameComparisonMode?: HostNameComparisonMode;
  /** Instance folder (else PORTSHARE_HOME, else the system/XDG paths). */
  home?: string | undefined;
  /**
   * Without a home: 'system' (the machine's instance) or 'user' (this account's own). Default:
   * PORTSHARE_SCOPE, else the system instance when one is installed or running (as every
   * account's WCF services share SMSvcHost), else this account's own.
   */
  scope?: InstanceScope | undefined;
  /** Re-registration backoff after the daemon goes away: first delay, doubled up to the cap. */
  reconnectInitialDelayMs?: number;
  reconnectMaxDelayMs?: number;
  /** Time allowed for an on-demand daemon start. Default 10 s. */
  startTimeoutMs?: number;
  /** Force proxy hand-off even where passing sockets works. */
  forceProxy?: boolean;
  /**
   * When another listener has registered the URI already: 'fail' (the default: WCF's
   * AddressAlreadyInUse text), 'balance' (share its connections with the other listeners that
   * asked for 'balance': the fewest waiting first, round robin among equals) or 'replace' (take
   * every new connection; the other listener gets 'superseded'). Only listeners of the same
   * account, or of one a URI reservation lists for the URI, may join or replace.
   */
  onConflict?: OnConflict;
  /** listen() backlog when not sharing. Default 12 × cores (WCF's ListenBacklog). */
  listenBacklog?: number;
}

/** Where a connection came from; for handed-off connections the daemon's view of the TCP endpoints. */
export interface NetTcpListenerEvents {
  connection: [socket: Socket, info: ConnectionInfo];
  /** Registered with the daemon (again, after a restart). */
  registered: [registrationId: number];
  /** The daemon went away; connections already handed off go on, new ones wait for re-registration. */
  unregistered: [];
  /** A problem that does not stop the listener (a bad hand-off, a failed re-registration attempt). */
  warning: [error: Error];
  /**
   * A listener with onConflict 'replace' took this one's URI: no new connections come here (the
   * ones handed off go on) and this listener does not register again. Finish the sessions, then
   * close (a zero-downtime deploy: start the new version with 'replace', let the old one drain).
   */
  superseded: [];
}

/**
 * A net.tcp listener: the counterpart of WCF's TCP transport manager. With port sharing it
 * registers its base URI with the portshare service and receives the connections the service
 * routes to it; without, it binds the port itself. Either way it emits ordinary sockets whose
 * stream starts at the client's first byte.
 */
export class NetTcpListener extends EventEmitter<NetTcpListenerEvents> {
  readonly base: BaseUri;
  readonly portSharingEnabled: boolean;
  readonly paths: InstancePaths | undefined;
  readonly #options: NetTcpListenerOptions;
  #server: Server | undefined;
  #control: ControlClient | undefined;
  #receiver: ConnectionReceiver | undefined;
  #registrationId: number | undefined;
  /** The daemon registered with (its pid from hello). */
  #daemonPid: number | undefined;
  /** Replaced by a newer registration ('replace'): never registers again. */
  #superseded = false;
  /** The registration with a daemon handing over, kept until it closes (see #move). */
  #previous: { control: ControlClient; registrationId: number; daemonPid: number } | undefined;
  #closed = false;
  #reconnectTimer: NodeJS.Timeout | undefined;

  private constructor(options: NetTcpListenerOptions) {
    super();
    this.#options = options;
    this.portSharingEnabled = options.portSharingEnabled ?? false;
    this.base = new BaseUri(options.uri, options.hostNameComparisonMode ?? HostNameComparisonMode.StrongWildcard);
    this.paths = this.portSharingEnabled ? resolveInstance({ home: options.home, scope: options.scope }) : undefined;
  }

  /** Opens the listener: registers with the daemon (sharing) or binds the port (exclusive). */
  static async listen(options: NetTcpListenerOptions): Promise<NetTcpListener> {
    const listener = new NetTcpListener(options);
    if (listener.portSharingEnabled) await listener.#register(true);
    else await listener.#listenExclusive();
    return listener;
  }

  get registered(): boolean {
    return this.#registrationId !== undefined;
  }

  /** The local TCP port (exclusive mode: the bound one, useful with port 0). */
  get port(): number {
    const addr = this.#server?.address();
    return addr && typeof addr === 'object' ? addr.port : this.base.parsed.port;
  }

  /**
   * WCF's ValidateUriRoute: for a later preamble on a reused connection, does its via route to
   * this worker? Exclusive listeners answer from their own base URI.
   */
  async validateVia(via: string, localAddress: string, localPort: number): Promise<boolean> {
    if (!this.portSharingEnabled) {
      try {
        return this.base.matches(new BaseUri(via, this.base.mode).parsed);
      } catch {
        return false;
      }
    }
    const control = this.#control;
    if (!control || control.closed) return false;
    const reply = await control.request({ op: 'validate', via, localAddress, localPort });
    return reply.routesHere;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    if (this.#server) await new Promise<void>((r) => this.#server!.close(() => r()));
    // Closing the control connection ends the registration at once (the daemon sees it close).
    this.#control?.destroy();
    this.#control = undefined;
    this.#previous?.control.destroy();
    this.#previous = undefined;
    this.#registrationId = undefined;
    this.#receiver?.close();
    this.#receiver = undefined;
  }

  // ---- exclusive mode ----

  #listenExclusive(): Promise<void> {
    const { host, port } = this.base.parsed;
    const bare = host.startsWith('[') ? host.slice(1, -1) : host;
    // WCF binds the any-address for a host name (0.0.0.0, and [::] where available) and the
    // literal address for an IP; the in-use text names the endpoint it tried.
    const address = isIP(bare) !== 0 ? bare : '0.0.0.0';
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true }, (socket) => {
        this.emit('connection', socket, directConnectionInfo(socket));
      });
      server.once('error', (err: NodeJS.ErrnoException) => {
        const endpoint = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
        if (err.code === 'EADDRINUSE') reject(new WorkerError(WorkerErrorCodes.AddressAlreadyInUse, addressInUseMessage(endpoint), { cause: err }));
        else reject(new WorkerError(WorkerErrorCodes.ListenFailed, `A TCP error (${err.code}: ${err.message}) occurred while listening on IP Endpoint=${endpoint}.`, { cause: err }));
      });
      server.listen({ host: address, port, backlog: this.#options.listenBacklog ?? 12 * availableParallelism() }, () => {
        server.removeAllListeners('error');
        server.on('error', (err) => this.emit('warning', err));
        this.#server = server;
        resolve();
      });
    });
  }

  // ---- shared mode ----

  async #connectControl(first: boolean): Promise<ControlClient> {
    const paths = this.paths!;
    try {
      return await ControlClient.connect(paths.controlSocket);
    } catch (err) {
      if (!(err instanceof ControlError) || err.code !== ControlErrorCodes.NotRunning) throw err;
      if (!first) throw err;
      // Not running: start it on demand if enabled, as WCF starts the service through the SCM (docs/protocol.md §7).
      const state = readState(paths);
      if (state.startMode === 'disabled') {
        throw new WorkerError(WorkerErrorCodes.Disabled, disabledMessage(), { cause: err });
      }
      try {
        await startDetached(paths, state.command ?? [], { timeoutMs: this.#options.startTimeoutMs ?? 10_000 });
      } catch (startErr) {
        // Another worker may have started it at the same moment; if it answers now, fine.
        try {
          return await ControlClient.connect(paths.controlSocket);
        } catch {
          throw new WorkerError(WorkerErrorCodes.ServiceStartFailed, (startErr as Error).message, { cause: startErr });
        }
      }
      return ControlClient.connect(paths.controlSocket);
    }
  }

  /**
   * The daemon is handing over to a new one (a seamless restart): register with the new one on a
   * new connection, and keep this one until the old daemon closes it, so both can hand
   * connections over meanwhile. If the new one refuses, this registration goes on; when the old
   * daemon exits, the usual re-registration follows.
   */
  #move(old: ControlClient): void {
    if (this.#control !== old || this.#previous !== undefined || this.#closed || this.#superseded) return;
    if (this.#registrationId === undefined || this.#daemonPid === undefined) return;
    const previous = { control: old, registrationId: this.#registrationId, daemonPid: this.#daemonPid };
    this.#previous = previous;
    old.once('close', () => {
      if (this.#previous !== previous) return;
      this.#previous = undefined;
      // Only the daemon that took over hands connections over from now on.
      if (this.#control !== old && this.#daemonPid !== undefined) this.#receiver?.allowSenders([this.#daemonPid]);
    });
    this.#register(false, previous.daemonPid).catch((err: unknown) => {
      if (this.#closed) return;
      this.emit('warning', err as WorkerError);
    });
  }

  async #register(first: boolean, previousPid?: number): Promise<void> {
    const control = await this.#connectControl(first).catch((err: unknown) => {
      throw toWorkerError(err);
    });
    try {
      const hello = await control.hello();
      const wantFd = hello.handoff === 'fd' && isSupported() && !this.#options.forceProxy;
      // Only the daemon connects to the hand-off socket. When it runs as this process's user (or
      // as root) the socket stays private; when it runs as another user, that user must be able to
      // connect, so the socket is opened to local users, and the receiver takes senders from the
      // daemon's pid only (SO_PEERCRED): a stranger cannot hand this worker a connection with a
      // header (client address, via) of its choosing.
      const myUid = process.getuid?.() ?? 0;
      const mode = hello.uid === myUid || hello.uid === 0 ? 0o600 : 0o666;
      if (!this.#receiver || (this.#receiver.transport === 'fd') !== wantFd || this.#receiver.mode !== mode) {
        this.#receiver?.close();
        this.#receiver = await this.#openReceiver(wantFd, mode);
      }
      // Set before registering: the daemon connects its sender once it has the registration.
      // During a takeover the daemon handing over still hands connections over too.
      this.#receiver.allowSenders(previousPid !== undefined && this.#previous !== undefined ? [previousPid, hello.pid] : [hello.pid]);
      const reply = await control.request({
        op: 'register',
        uri: this.base.uri,
        hostNameComparisonMode: this.base.mode,
        transport: this.#receiver.transport,
        path: this.#receiver.path,
        ...(this.#options.onConflict !== undefined ? { onConflict: this.#options.onConflict } : {}),
      });
      if (this.#closed) {
        control.destroy();
        return;
      }
      this.#control = control;
      this.#daemonPid = hello.pid;
      this.#registrationId = reply.registrationId;
      control.once('close', () => this.#onControlClosed(control));
      control.on('notice', (notice) => {
        if (notice.notice === 'moving') this.#move(control);
        else if (notice.notice === 'superseded' && notice.registrationId === this.#registrationId && this.#control === control) this.#onSuperseded(control);
      });
      this.emit('registered', reply.registrationId);
    } catch (err) {
      control.destroy();
      throw toWorkerError(err);
    }
  }

  async #openReceiver(fd: boolean, mode: number): Promise<ConnectionReceiver> {
    const paths = this.paths!;
    // A per-user instance in its default folders (/tmp/portshare-<uid> without XDG_RUNTIME_DIR)
    // is this account's: a run folder another account made first would let it stand in for the
    // daemon and hand this worker connections of its choosing.
    if (paths.home === undefined) {
      // The system instance's run folder is root's (the daemon keeps it so: instance-files.ts).
      const owners = paths.runDir === SYSTEM_FOLDERS.run ? [0] : [process.geteuid?.() ?? 0];
      const problem = folderProblem(paths.runDir, owners);
      if (problem) throw unsafePathError(problem, 'Will not register through this instance: ');
    }
    // The socket goes in a folder of this receiver's own, with an unpredictable name, in the
    // daemon's sticky workers folder (handoff-folder.ts): no other account can take its name.
    const folder = createHandoffFolder(join(paths.runDir, 'workers'), mode !== 0o600);
    const onConnection = (socket: Socket, info: ConnectionInfo): void => void this.emit('connection', socket, info);
    const onError = (err: WorkerError): void => void this.emit('warning', err);
    let receiver: ConnectionReceiver;
    try {
      receiver = fd ? listenFd(folder.bindPath, mode, onConnection, onError) : await listenProxy(folder.bindPath, mode, onConnection, onError);
    } catch (err) {
      folder.remove();
      throw err;
    }
    // The daemon is told the real path; the receiver was bound through the folder's descriptor.
    return {
      path: folder.socketPath,
      transport: receiver.transport,
      mode: receiver.mode,
      allowSenders: (pids) => receiver.allowSenders(pids),
      close: () => {
        receiver.close();
        folder.remove();
      },
    };
  }

  #onSuperseded(control: ControlClient): void {
    this.#superseded = true;
    this.#registrationId = undefined;
    this.#control = undefined;
    control.destroy();
    this.emit('superseded');
  }

  /** Whether a newer listener replaced this one (see the 'superseded' event). */
  get superseded(): boolean {
    return this.#superseded;
  }

  #onControlClosed(control: ControlClient): void {
    if (this.#control !== control) return;
    this.#control = undefined;
    this.#registrationId = undefined;
    if (this.#closed || this.#superseded) return;
    const previous = this.#previous;
    if (previous !== undefined && previous.control !== control && !previous.control.closed) {
      // The daemon taking over went away before the one handing over let go: that one still
      // holds this registration, and serves on.
      this.#previous = undefined;
      this.#control = previous.control;
      this.#registrationId = previous.registrationId;
      this.#daemonPid = previous.daemonPid;
      this.#receiver?.allowSenders([previous.daemonPid]);
      return;
    }
    this.emit('unregistered');
    this.#scheduleReconnect(this.#options.reconnectInitialDelayMs ?? 100);
  }

  /**
   * The daemon restarted or died: re-register with exponential backoff (from 100 ms, capped at 1 s,
   * so a restarted daemon has its workers back within about a second; WCF's self-hosted workers do
   * the same with longer delays, docs/protocol.md §7). Connections
   * already handed off belong to this process and are untouched.
   */
  #scheduleReconnect(delay: number): void {
    const max = this.#options.reconnectMaxDelayMs ?? 1000;
    this.#reconnectTimer = setTimeout(() => {
      this.#register(false).catch((err: unknown) => {
        if (this.#closed) return;
        const e = err as WorkerError;
        if (e.cause instanceof ControlError && e.cause.code !== ControlErrorCodes.NotRunning) this.emit('warning', e);
        this.#scheduleReconnect(Math.min(delay * 2, max));
      });
    }, delay);
  }
}


const CONTROL_TO_WORKER: Partial<Record<string, WorkerErrorCode>> = {
  [ControlErrorCodes.ConflictingRegistration]: WorkerErrorCodes.AlreadyRegistered,
  [ControlErrorCodes.AccessDenied]: WorkerErrorCodes.AccessDenied,
  // A reservation is an access check (WCF's AddressAccessDeniedException); a held URI is still,
  // for a few seconds, another account's (as AddressAlreadyInUse while its worker restarts).
  [ControlErrorCodes.Reserved]: WorkerErrorCodes.AccessDenied,
  [ControlErrorCodes.Held]: WorkerErrorCodes.AlreadyRegistered,
  [ControlErrorCodes.PathTooLong]: WorkerErrorCodes.UriTooLong,
  [ControlErrorCodes.FailedToListen]: WorkerErrorCodes.ServiceFailedToListen,
  [ControlErrorCodes.Disabled]: WorkerErrorCodes.Disabled,
  [ControlErrorCodes.StartFailed]: WorkerErrorCodes.ServiceStartFailed,
};

/** Registration refusals become WorkerErrors carrying the daemon's message (WCF's wording). */
function toWorkerError(err: unknown): WorkerError {
  if (err instanceof WorkerError) return err;
  if (err instanceof ControlError) {
    return new WorkerError(CONTROL_TO_WORKER[err.code] ?? WorkerErrorCodes.RegistrationFailed, err.message, { cause: err });
  }
  return new WorkerError(WorkerErrorCodes.RegistrationFailed, (err as Error).message ?? String(err), { cause: err });
}
