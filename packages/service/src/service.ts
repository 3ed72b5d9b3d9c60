import { createRequire } from 'node:module';
import {
  CONTROL_PROTOCOL_VERSION,
  ControlError,
  ControlErrorCodes,
  HostNameComparisonMode,
  accessDeniedMessage,
  accessDeniedForRequestMessage,
  registrationMessages,
  type ControlRequest,
  type HandoffTransport,
  type InstancePaths,
  type OnConflict,
  type RegisterRequest,
  type StatusReply,
  type TakeoverListener,
  type TakeoverReply,
} from '@portshare/control';
import { FramingLimits, parseVia, type ParsedVia } from '@portshare/framing';
import { HandoffSender, descriptorLimit, isSupported, unsupportedReason } from '@portshare/handoff';
import type { Logger } from 'pino';
import { AccessPolicy } from './access.js';
import { RegistrationHolds, heldMessage, routeNodeKey } from './registration-holds.js';
import { UriReservations, reservedMessage } from './reservations.js';
import { logConnectionEvent } from './connection-log.js';
import { userName } from './accounts.js';
import type { ServiceConfig } from './config.js';
import { ConnectionPipeline, PROBATION_PER_SLOT, descriptorBudget, reserveFor } from './connection-pipeline.js';
import { ControlServer, type ControlHandler, type ControlPeer } from './control-server.js';
import { Handover } from './handover.js';
import { createCounters } from './counters.js';
import { bindServiceLog } from './logger.js';
import { ListenerSet, type Endpoint } from './listeners.js';
import { systemdUnitOf, type InheritedListener } from './systemd.js';
import type { Registration, RegistrationOwner } from './registration.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';
import { RouteSlot } from './route-slot.js';
import { RoutingTable } from './routing-table.js';
import { resolveRouteTargets, type RouteTarget } from './static-routes.js';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

export interface ServiceOptions {
  paths: InstancePaths;
  config: ServiceConfig;
  log: Logger;
  /** Called after a 'stop' control request has been answered. */
  onStopRequested?: () => void;
  /** Listening sockets passed by the service manager (systemd.ts takeListenFds), served from start(). */
  inheritedListeners?: readonly InheritedListener[];
  /** The configuration file read (shown in status; a restart keeps it). */
  configFile?: string;
  /** The control socket's listening descriptor, when the service manager passed it (socket activation). */
  controlFd?: number | undefined;
  /** config.routes' servers, resolved already (daemon.ts); else resolved by start(). */
  routeTargets?: RouteTarget[] | undefined;
  /**
   * Sockets taken over from a running daemon (takeover.ts): served from start(), but no client is
   * accepted until {@link PortshareService.acceptClients}.
   */
  takenOver?: { listeners: readonly { fd: number; listener: TakeoverListener }[]; controlFd: number } | undefined;
  /**
   * A daemon taking over from this one: 'started' when the sockets have been passed, 'abandoned'
   * when it went away before release, 'released' once it accepts (after the answer is written).
   */
  onTakeover?: (event: 'started' | 'abandoned' | 'released') => void;
}

const MODES = new Set<string>(Object.values(HostNameComparisonMode));

/** A register request, checked (#checkRegisterRequest). */
interface WantedRegistration {
  uri: string;
  path: string;
  parsed: ParsedVia;
  mode: HostNameComparisonMode;
  /** The routing table's node for uri and mode (holds are kept per node). */
  node: string;
  onConflict: OnConflict;
  transport: HandoffTransport;
}



/**
 * The sharing service: the control socket, the routing table, the shared listeners and the
 * connection pipeline, wired together. `main.ts` adds the process concerns (state, pid file,
 * signals, privileges).
 */
export class PortshareService implements ControlHandler {
  readonly paths: InstancePaths;
  readonly config: ServiceConfig;
  readonly log: Logger;
  readonly counters = createCounters();
  readonly startedAt = new Date();
  readonly handoff: HandoffTransport;
  readonly #routes = new RoutingTable<RouteSlot>();
  readonly #registrations = new Map<number, Registration>();
  readonly #senders = new Map<string, { sender: HandoffSender; refs: number }>();
  readonly #listeners: ListenerSet;
  readonly #pipeline: ConnectionPipeline;
  readonly #control: ControlServer;
  readonly #access: AccessPolicy;
  readonly #reservations: UriReservations;
  readonly #holds: RegistrationHolds;
  readonly #onStop: (() => void) | undefined;
  readonly #inherited: readonly InheritedListener[];
  readonly #takenOver: ServiceOptions['takenOver'];
  readonly #configFile: string;
  readonly #systemdUnit = systemdUnitOf();
  readonly #routeTargets: RouteTarget[] | undefined;
  /** A daemon taking over from this one (handover.ts). */
  readonly #handover: Handover;
  #reserved: Endpoint[] = [];
  /** Static routes (config `routes`), in the routing table beside the registrations. */
  readonly #staticRoutes: Registration[] = [];
  #paused = false;
  #nextRegistration = 1;

  constructor(options: ServiceOptions) {
    this.paths = options.paths;
    this.config = options.config;
    this.log = options.log;
    this.#onStop = options.onStopRequested;
    this.#inherited = options.inheritedListeners ?? [];
    this.#takenOver = options.takenOver;
    this.#configFile = options.configFile ?? this.paths.configFile;
    this.#routeTargets = options.routeTargets;
    // Lost and summarised log lines show in status and /metrics; connection lines get config.log's limits.
    bindServiceLog(this.log, this.config.log, this.counters);
    this.handoff = this.config.handoff === 'auto' && isSupported() ? 'fd' : 'proxy';
    this.#access = new AccessPolicy(this.config.allowAccounts);
    this.#reservations = new UriReservations(this.config.reservations, this.paths.configFile);
    this.#holds = new RegistrationHolds(this.config.registrationHoldMs);
    const reason = unsupportedReason();
    if (reason !== undefined) {
      throw new ServiceError(
        ServiceErrorCodes.AddonUnavailable,
        `The sharing service accepts and reads connections in the @portshare/handoff addon, which is not available: ${reason}. ` +
          'Install a C toolchain (make, g++, python3) and run `pnpm rebuild @portshare/handoff`.',
      );
    }
    this.#pipeline = new ConnectionPipeline({
      counters: this.counters,
      routes: this.#routes,
      maxPendingConnections: this.config.maxPendingConnections,
      pendingEvictionMinAgeMs: this.config.pendingEvictionMinAgeMs,
      routeConnectTimeoutMs: this.config.routeConnectTimeoutMs,
      log: this.log,
      isPaused: () => this.#paused,
      sniff: {
        maxViaBytes: this.config.maxViaBytes,
        maxContentTypeBytes: this.config.maxContentTypeBytes,
        timeoutMs: this.config.receiveTimeoutMs,
      },
      faults: { drainBytes: this.config.faultDrainBytes, drainTimeoutMs: this.config.faultDrainTimeoutMs },
      reserveDescriptors: reserveFor(descriptorLimit().soft),
      maxClientDescriptors: descriptorBudget(descriptorLimit().soft, this.config.maxControlConnections, reserveFor(descriptorLimit().soft)),
      endpointOf: (fd, count) => this.#listeners.accepted(fd, count),
      dispatch: {
        // Admission stops accepting at maxPendingConnections hand-offs waiting for workers; the
        // connections being read then (the slots and the probation places) may still join them,
        // so SMSvcHost's abort for a full queue is only a backstop past all of those.
        maxQueueLength: (PROBATION_PER_SLOT + 2) * this.config.maxPendingConnections,
        stallTimeoutMs: this.config.workerStallTimeoutMs,
        log: this.log,
        onWorkerFailed: (reg) => {
          // SMSvcHost unregisters a worker whose hand-off failed and aborts its control channel (docs/protocol.md §5).
          this.#unregister(reg);
          reg.owner?.destroy();
        },
      },
    });
    this.#listeners = new ListenerSet({
      backlog: this.config.listenBacklog,
      deferAcceptSeconds: this.config.deferAcceptSeconds,
      ipv6: this.config.ipv6,
      reservedPorts: this.config.reservedPorts,
      gate: this.#pipeline.gate,
    });
    this.#control = new ControlServer(
      {
        path: this.paths.controlSocket,
        maxMessageBytes: this.config.maxControlMessageBytes,
        maxConnections: this.config.maxControlConnections,
        maxUnlistedConnections: this.config.maxUnlistedControlConnections,
        maxConnectionsPerUser: this.config.maxControlConnectionsPerUser,
        reservedConnections: this.config.reservedControlConnections,
        idleTimeoutMs: this.config.controlIdleTimeoutMs,
        maxRequestsInFlight: this.config.maxControlRequestsInFlight,
        isAllowed: (creds) => this.#access.allows(creds),
        isAdministrator: (creds) => this.#access.isAdministrator(creds),
        // Access is decided per peer by its kernel credentials, so anyone may connect.
        mode: 0o666,
        fd: options.takenOver?.controlFd ?? options.controlFd,
        log: this.log,
      },
      this,
    );
    this.#handover = new Handover({
      log: this.log,
      controlSocketPath: this.paths.controlSocket,
      isAdministrator: (creds) => this.#access.isAdministrator(creds),
      listeningSockets: () => this.#listeners.handOverList(),
      controlFd: () => this.#control.listeningFd,
      acceptControl: (on) => this.#control.accepting(on),
      registrations: () => [...this.#registrations.values()].map((r) => ({ uri: r.uri, hostNameComparisonMode: r.mode })),
      // Every worker registers with the new daemon too; their connections here stay until this
      // daemon exits, so it can still route to them meanwhile.
      tellWorkers: (except) => this.#control.notify({ notice: 'moving' }, (p) => p !== except && p.registrations.size > 0),
      onEvent: (event) => options.onTakeover?.(event),
    });
  }

  /** Adopts inherited sockets, binds reserved (low) ports, then opens the control socket. */
  async start(): Promise<void> {
    const adopted = this.#inherited.map((l) => this.#listeners.adopt(l.fd, l.name));
    if (adopted.length > 0) this.log.info({ listeners: adopted }, 'serving the sockets passed by the service manager');
    if (this.#takenOver !== undefined) {
      // Not a client is accepted until the workers are back (acceptClients): the daemon handing
      // over accepts on these same sockets meanwhile.
      this.#pipeline.hold(true);
      for (const { fd, listener } of this.#takenOver.listeners) {
        if (listener.activatedAs !== undefined) this.#listeners.adopt(fd, listener.activatedAs);
        else this.#listeners.takeOver(fd, listener);
      }
      this.log.info({ listeners: this.#takenOver.listeners.map((l) => l.listener) }, 'took the listening sockets over from the running service');
    }
    for (const port of this.config.reservedPorts) {
      this.#reserved.push(...(await this.#listeners.acquire(this.#listeners.endpointsFor('localhost', port))));
    }
    await this.#addStaticRoutes();
    await this.#control.listen();
    this.#checkDescriptorLimit();
    this.log.info(
      { handoff: this.handoff, control: this.paths.controlSocket, reservedPorts: this.config.reservedPorts },
      'portshare service started',
    );
  }

  /**
   * The configured static routes go into the routing table as registrations that no worker holds:
   * the same lookup, host modes and precedence, and a worker cannot register the same URI and
   * mode. Their ports are listened on like a registration's.
   */
  async #addStaticRoutes(): Promise<void> {
    const targets = this.#routeTargets ?? (await resolveRouteTargets(this.config.routes, this.#configFile));
    for (const [i, route] of this.config.routes.entries()) {
      const parsed = parseVia(route.uri);
      const endpoints = await this.#listeners.acquire(this.#listeners.endpointsFor(parsed.host, parsed.port));
      const reg: Registration = {
        id: this.#nextRegistration++,
        uri: route.uri,
        parsed,
        mode: route.hostNameComparisonMode,
        transport: 'proxy',
        path: '',
        creds: undefined,
        user: undefined,
        endpoints,
        registeredAt: new Date(),
        sender: undefined,
        queueLength: 0,
        dispatched: 0,
        lastProgressAt: Date.now(),
        stalled: false,
        closed: false,
        owner: undefined,
        target: targets[i]!,
      };
      if (!this.#routes.add(parsed, route.hostNameComparisonMode, new RouteSlot(reg, 'fail'))) {
        this.#listeners.release(endpoints);
        throw new ServiceError(ServiceErrorCodes.BadConfig, `Invalid configuration in ${this.#configFile}: 'routes[${i}].uri' (${route.uri}) is routed twice.`);
      }
      this.#staticRoutes.push(reg);
    }
    if (this.#staticRoutes.length > 0) {
      this.log.info({ routes: this.#staticRoutes.map((r) => ({ uri: r.uri, to: r.target!.backends.map((b) => `${b.to} (${b.address})`) })) }, 'static routes');
    }
  }

  /**
   * Warns when the open-files limit is below what the configured limits can use at once: every
   * pending and every draining connection, every control connection, the gate's reserve, and room
   * for hand-offs in flight, hand-off sockets, listeners and the log. Below it the daemon still
   * works (accepting pauses at the limit) but clients wait.
   */
  #checkDescriptorLimit(): void {
    const c = this.config;
    const { soft } = descriptorLimit();
    const need = 2 * c.maxPendingConnections + c.maxControlConnections + reserveFor(soft) + 64;
    if (soft !== -1 && soft < need) {
      this.log.warn(
        { limit: soft, need, maxPendingConnections: c.maxPendingConnections, maxControlConnections: c.maxControlConnections },
        `the open-files limit (${soft}) is below what the configured limits can use (${need}); raise it (LimitNOFILE=, ulimit -n) or lower maxPendingConnections`,
      );
    }
  }

  async stop(): Promise<void> {
    await this.#control.close();
    for (const reg of [...this.#registrations.values()]) this.#unregister(reg);
    this.#listeners.release(this.#reserved);
    this.#listeners.closeAll();
    this.#pipeline.close();
    this.log.info('portshare service stopped');
  }

  /**
   * After a takeover: waits until every registration the previous daemon had is here (workers
   * register again when it tells them to), at most `timeoutMs`. Returns those still missing.
   */
  async awaitRegistrations(expected: TakeoverReply['registrations'], timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    const missing = (): string[] =>
      expected
        .filter((e) => ![...this.#registrations.values()].some((r) => r.uri === e.uri && r.mode === e.hostNameComparisonMode))
        .map((e) => e.uri);
    let left = missing();
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      left = missing();
    }
    return left;
  }

  /** After a takeover: starts accepting clients, and lets go of the sockets no registration uses. */
  acceptClients(): void {
    this.#listeners.releaseTakenOver();
    this.#pipeline.hold(false);
  }

  /**
   * A daemon that took over has released this one: stop accepting (the sockets stay open in the
   * new daemon, so nothing waiting in their backlogs is lost), finish the connections being read
   * or handed off, at most receiveTimeout plus a fault's drain; then keep relaying the connections
   * this daemon proxies (proxy mode, static routes) until they end, at most retireTimeoutMs, as an
   * old HAProxy process finishes its connections after a reload. The caller then stops.
   */
  async retire(): Promise<void> {
    this.#listeners.closeAll();
    this.#control.closeListener();
    const within = (ms: number, done: Promise<void>): Promise<unknown> => Promise.race([done, new Promise((r) => setTimeout(r, ms).unref())]);
    await within(this.config.receiveTimeoutMs + this.config.faultDrainTimeoutMs + 1000, this.#pipeline.settled());
    const relays = this.#pipeline.relays;
    if (relays === 0) return;
    this.log.info({ relays, retireTimeoutMs: this.config.retireTimeoutMs }, 'retiring: relaying the proxied connections until they end');
    await within(this.config.retireTimeoutMs, this.#pipeline.relaysEnded());
    const left = this.#pipeline.relays;
    if (left > 0) this.log.warn({ relays: left }, 'retireTimeoutMs passed: closing the proxied connections still open');
    else this.log.info('retiring: every proxied connection has ended');
  }

  get paused(): boolean {
    return this.#paused;
  }

  pause(): void {
    this.#paused = true;
    this.log.info('paused: new connections get EndpointUnavailable');
  }

  resume(): void {
    this.#paused = false;
    this.log.info('resumed');
  }

  /** The listening port of an endpoint (tests that register port 0 are not supported: ports are explicit). */
  listeners() {
    return this.#listeners.list();
  }

  status(): StatusReply {
    return {
      state: this.#paused ? 'paused' : 'running',
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      uptimeSeconds: Math.round((Date.now() - this.startedAt.getTime()) / 1000),
      handoff: this.handoff,
      listeners: this.#listeners.list(),
      registrations: [...this.#registrations.values()].map((r) => ({
        id: r.id,
        uri: r.uri,
        hostNameComparisonMode: r.mode,
        transport: r.transport,
        pid: r.creds?.pid,
        uid: r.creds?.uid,
        user: r.user,
        dispatched: r.dispatched,
        queueLength: r.queueLength,
        registeredAt: r.registeredAt.toISOString(),
      })),
      counters: { ...this.counters },
      pendingConnections: this.#pipeline.pending,
      configFile: this.#configFile,
      ...(this.#systemdUnit === undefined ? {} : { systemdUnit: this.#systemdUnit }),
      routes: this.#staticRoutes.map((r) => ({
        uri: r.uri,
        hostNameComparisonMode: r.mode,
        backends: r.target!.backends.map((b) => ({
          to: b.to,
          address: b.address,
          healthy: b.healthy,
          ...(b.lastError !== undefined ? { lastError: b.lastError } : {}),
          failures: b.failures,
        })),
        healthy: r.target!.backends.some((b) => b.healthy),
        ...(r.target!.rewriteVia !== undefined ? { rewriteVia: r.target!.rewriteVia } : {}),
        dispatched: r.dispatched,
      })),
      config: { ...this.config } as unknown as Record<string, unknown>,
    };
  }

  // ---- control requests ----

  async handle(peer: ControlPeer, req: ControlRequest): Promise<unknown> {
    switch (req.op) {
      case 'hello':
        if (typeof req.version !== 'number' || req.version > CONTROL_PROTOCOL_VERSION) {
          throw new ControlError(ControlErrorCodes.VersionUnsupported, registrationMessages[ControlErrorCodes.VersionUnsupported]());
        }
        return { pid: process.pid, uid: process.getuid?.() ?? 0, version: CONTROL_PROTOCOL_VERSION, daemonVersion: pkg.version, handoff: this.handoff };
      case 'register':
        return this.#register(peer, req);
      case 'unregister': {
        const reg = this.#registrations.get(req.registrationId);
        if (!reg || !peer.registrations.has(reg.id)) {
          throw new ControlError(ControlErrorCodes.InvalidArgument, `Registration ${req.registrationId} is not held by this connection.`);
        }
        this.#unregister(reg);
        return {};
      }
      case 'validate':
        return this.#validate(peer, req.via, req.localAddress, req.localPort);
      case 'status':
        this.#requireAccess(peer, 'read the status');
        return this.status();
      case 'pause':
      case 'resume':
      case 'stop':
        if (!this.#access.isAdministrator(peer.creds)) {
          throw new ControlError(
            ControlErrorCodes.NotAdministrator,
            `Only root or the service's own user may ${req.op} the portshare service.`,
          );
        }
        if (req.op === 'pause') this.pause();
        else if (req.op === 'resume') this.resume();
        else setImmediate(() => this.#onStop?.());
        return {};
      case 'takeover':
        return this.#handover.takeover(peer, req.path);
      case 'handover':
        this.#handover.handover(peer);
        return {};
      case 'release':
        this.#handover.release(peer);
        return {};
    }
  }

  onPeerClosed(peer: ControlPeer): void {
    this.#handover.peerClosed(peer);
    // A worker's registrations end the moment its control connection closes (docs/protocol.md §7).
    for (const id of peer.registrations) {
      const reg = this.#registrations.get(id);
      if (reg) this.#unregister(reg);
    }
  }

  #requireAccess(peer: ControlPeer, what: string, uri?: string): void {
    if (!this.#access.allows(peer.creds)) {
      this.log.warn({ uid: peer.creds?.uid, peerPid: peer.creds?.pid, what }, 'access denied');
      throw new ControlError(
        ControlErrorCodes.AccessDenied,
        uri !== undefined
          ? accessDeniedMessage(uri, this.paths.configFile)
          : accessDeniedForRequestMessage(what, peer.creds?.uid, this.paths.configFile),
      );
    }
  }

  /**
   * A worker's `register` (SMSvcHost's RoutingTable.TcpStart): the request checked, the account
   * admitted, the sockets acquired (an await), then the route installed, checked again since
   * another registration may have won the node meanwhile.
   */
  async #register(peer: ControlPeer, req: RegisterRequest): Promise<{ registrationId: number }> {
    const wanted = this.#checkRegisterRequest(peer, req);
    this.#admitRegistration(peer, wanted);
    const held = await this.#acquireForRegistration(peer, wanted);
    const reg: Registration = {
      id: this.#nextRegistration++,
      uri: req.uri,
      parsed: wanted.parsed,
      mode: wanted.mode,
      transport: wanted.transport,
      path: req.path,
      creds: peer.creds,
      user: peer.creds ? userName(peer.creds.uid) : undefined,
      endpoints: held.endpoints,
      registeredAt: new Date(),
      sender: held.sender,
      queueLength: 0,
      dispatched: 0,
      lastProgressAt: Date.now(),
      stalled: false,
      closed: false,
      owner: peer,
    };
    let superseded: Registration[];
    try {
      if (peer.socket.destroyed) throw new ControlError(ControlErrorCodes.Closed, 'The worker went away while registering.');
      superseded = this.#installRoute(peer, reg, wanted.onConflict);
    } catch (err) {
      held.release();
      throw err;
    }
    this.#registrations.set(reg.id, reg);
    peer.registrations.add(reg.id);
    this.#holds.release(wanted.node);
    this.counters.registrationsActive++;
    this.counters.urisRegistered++;
    this.log.info(
      { registration: reg.id, uri: reg.uri, mode: reg.mode, transport: reg.transport, onConflict: wanted.onConflict, workerPid: peer.creds?.pid },
      'registered',
    );
    for (const old of superseded) this.#supersede(old, reg);
    return { registrationId: reg.id };
  }

  /** What a register request asks for, checked: its URI, mode, conflict policy and transport. */
  #checkRegisterRequest(peer: ControlPeer, req: RegisterRequest): WantedRegistration {
    if (typeof req.uri !== 'string' || typeof req.path !== 'string' || !MODES.has(req.hostNameComparisonMode)) {
      throw new ControlError(ControlErrorCodes.InvalidArgument, 'register needs uri, path and a hostNameComparisonMode of StrongWildcard, Exact or WeakWildcard.');
    }
    this.#requireAccess(peer, 'register', req.uri);
    if (this.#handover.underway) {
      // Its listening sockets went to the new daemon already: one opened now would be left behind.
      throw new ControlError(ControlErrorCodes.Closed, 'The portshare service is handing over to a new one; connect again and register with it.');
    }
    // [SMS] RoutingTable.TcpStart: the registered URI's UTF-8 length is capped at MaxViaSize (2048).
    if (Buffer.byteLength(req.uri, 'utf8') > FramingLimits.maxViaBytes) {
      throw new ControlError(ControlErrorCodes.PathTooLong, registrationMessages[ControlErrorCodes.PathTooLong]());
    }
    let parsed: ParsedVia;
    try {
      parsed = parseVia(req.uri);
    } catch {
      throw new ControlError(ControlErrorCodes.InvalidArgument, `'${req.uri}' is not an absolute URI.`);
    }
    if (parsed.scheme.toLowerCase() !== 'net.tcp') {
      throw new ControlError(ControlErrorCodes.ProtocolUnsupported, registrationMessages[ControlErrorCodes.ProtocolUnsupported]());
    }
    const onConflict: OnConflict = req.onConflict ?? 'fail';
    if (onConflict !== 'fail' && onConflict !== 'balance' && onConflict !== 'replace') {
      throw new ControlError(ControlErrorCodes.InvalidArgument, "onConflict must be 'fail', 'balance' or 'replace'.");
    }
    const transport: HandoffTransport = req.transport === 'fd' && this.handoff === 'fd' ? 'fd' : 'proxy';
    if (req.transport === 'fd' && transport !== 'fd') {
      throw new ControlError(ControlErrorCodes.InvalidArgument, 'This portshare service hands connections off by proxy; register with transport "proxy".');
    }
    const mode = req.hostNameComparisonMode;
    return { uri: req.uri, path: req.path, parsed, mode, node: routeNodeKey(parsed, mode), onConflict, transport };
  }

  /** May this account hold one more registration of this URI: reservations, holds, quotas, the node's owner? */
  #admitRegistration(peer: ControlPeer, w: WantedRegistration): void {
    this.#checkReservationsAndHolds(peer, w.uri, w.parsed, w.mode, w.node);
    if (this.#registrations.size >= this.config.maxRegistrations || peer.registrations.size >= this.config.maxRegistrationsPerConnection) {
      throw new ControlError(ControlErrorCodes.QuotaExceeded, registrationMessages[ControlErrorCodes.QuotaExceeded]());
    }
    const taken = this.#routes.get(w.parsed, w.mode);
    if (taken !== undefined) this.#checkConflict(peer, taken, w.onConflict, w.parsed, w.mode);
  }

  /** The worker's hand-off socket (fd transport) and the listening sockets for the URI's port. */
  async #acquireForRegistration(peer: ControlPeer, w: WantedRegistration): Promise<{ sender: HandoffSender | undefined; endpoints: Endpoint[]; release(): void }> {
    const sender = w.transport === 'fd' ? this.#acquireSender(peer, w.path) : undefined;
    let endpoints: Endpoint[];
    try {
      endpoints = await this.#listeners.acquire(this.#listeners.endpointsFor(w.parsed.host, w.parsed.port));
    } catch (err) {
      if (sender) this.#releaseSender(peer, w.path);
      this.log.warn({ err, uri: w.uri }, 'failed to listen');
      throw new ControlError(ControlErrorCodes.FailedToListen, `${registrationMessages[ControlErrorCodes.FailedToListen]()} ${(err as Error).message}`);
    }
    return {
      sender,
      endpoints,
      release: () => {
        this.#listeners.release(endpoints);
        if (sender) this.#releaseSender(peer, w.path);
      },
    };
  }

  /**
   * Puts `reg` in the routing table: a new node, a member of a balanced one, or in place of the
   * registrations it replaces (returned, to be told). The conflict check runs again: the one
   * before the sockets were acquired ran before an await, and two racing registrations must not
   * both win.
   */
  #installRoute(peer: ControlPeer, reg: Registration, onConflict: OnConflict): Registration[] {
    const slot = this.#routes.get(reg.parsed, reg.mode);
    if (slot === undefined) {
      this.#routes.add(reg.parsed, reg.mode, new RouteSlot(reg, onConflict));
      return [];
    }
    this.#checkConflict(peer, slot, onConflict, reg.parsed, reg.mode);
    if (onConflict === 'balance') {
      slot.members.push(reg);
      return [];
    }
    // 'replace': the new registration takes the node before the old ones leave it, so no
    // connection finds it empty in between.
    this.#routes.remove(reg.parsed, reg.mode, slot);
    this.#routes.add(reg.parsed, reg.mode, new RouteSlot(reg, onConflict));
    return [...slot.members];
  }

  /**
   * May `peer` join (onConflict 'balance') or replace ('replace') the registrations at this node?
   * Only registrations that asked for balancing take company; a static route is never shared; and
   * only the account that owns them (or one a URI reservation lists for that URI) may join or
   * replace them: no account takes another's traffic by asking.
   */
  #checkConflict(peer: ControlPeer, slot: RouteSlot, want: OnConflict, parsed: ParsedVia, mode: HostNameComparisonMode): void {
    const conflicting = (why: string): ControlError =>
      new ControlError(ControlErrorCodes.ConflictingRegistration, `${registrationMessages[ControlErrorCodes.ConflictingRegistration]()} ${why}`.trim());
    if (want === 'fail') throw conflicting('');
    if (slot.members.some((m) => m.target !== undefined)) throw conflicting('The URI is a static route (routes in the configuration).');
    if (want === 'balance' && slot.policy !== 'balance') throw conflicting("Its registration did not ask to share it (onConflict 'balance').");
    const creds = peer.creds;
    const owned = creds === undefined || slot.members.every((m) => m.creds?.uid === creds.uid);
    if (!owned && !(creds !== undefined && this.#reservations.grants(parsed, mode, creds))) {
      throw conflicting('It is registered by another account, and no URI reservation lists yours for it.');
    }
  }

  /** A registration replaced by a newer one ('replace'): it gets no new connections, and is told so. */
  #supersede(old: Registration, by: Registration): void {
    this.#unregister(old);
    this.#control.notify({ notice: 'superseded', registrationId: old.id }, (p) => p === old.owner);
    this.log.info({ registration: old.id, by: by.id, uri: old.uri }, 'superseded');
  }

  /**
   * URI reservations (http.sys URL ACLs, see reservations.ts) and the hold after a registration
   * ends (registration-holds.ts). Root and the daemon's own user pass both: they are trusted with
   * the whole machine. Without peer credentials (no addon) the control socket is private to the
   * daemon's own user, so there is one account and nothing to keep apart.
   */
  #checkReservationsAndHolds(peer: ControlPeer, uri: string, parsed: ParsedVia, mode: HostNameComparisonMode, node: string): void {
    const creds = peer.creds;
    if (creds === undefined || this.#access.isAdministrator(creds)) return;
    const reservation = this.#reservations.refusing(parsed, mode, creds);
    if (reservation !== undefined) {
      // A racer retries as fast as it likes: these lines are rate-limited like connection lines.
      logConnectionEvent(this.log, 'warn', { uid: creds.uid, peerPid: creds.pid, uri, reservation: reservation.uri }, 'registration refused: reserved');
      throw new ControlError(ControlErrorCodes.Reserved, reservedMessage(uri, reservation, creds.uid, this.paths.configFile));
    }
    const hold = this.#holds.heldFrom(node, creds.uid);
    if (hold !== undefined) {
      logConnectionEvent(this.log, 'warn', { uid: creds.uid, peerPid: creds.pid, uri, heldFor: hold.uid }, 'registration refused: held');
      throw new ControlError(ControlErrorCodes.Held, heldMessage(hold, this.#holds.holdMs));
    }
  }

  #unregister(reg: Registration): void {
    if (reg.closed) return;
    reg.closed = true;
    // Held for its account a while, so a restarting worker gets its URI back (registrationHoldMs).
    if (reg.creds !== undefined) this.#holds.hold(routeNodeKey(reg.parsed, reg.mode), reg.creds.uid);
    const slot = this.#routes.get(reg.parsed, reg.mode);
    if (slot !== undefined && slot.members.includes(reg)) {
      slot.remove(reg);
      if (slot.members.length === 0) this.#routes.remove(reg.parsed, reg.mode, slot);
    }
    this.#registrations.delete(reg.id);
    reg.owner?.registrations.delete(reg.id);
    this.#listeners.release(reg.endpoints);
    if (reg.sender && reg.owner !== undefined) this.#releaseSender(reg.owner, reg.path);
    this.counters.registrationsActive--;
    this.counters.urisUnregistered++;
    this.log.info({ registration: reg.id, uri: reg.uri }, 'unregistered');
  }

  /**
   * One hand-off socket per worker socket path, shared by all the registrations a control
   * connection makes with it: a worker with 10,000 registrations costs the daemon one descriptor.
   */
  #acquireSender(peer: ControlPeer, path: string): HandoffSender {
    const key = `${peer.id}\0${path}`;
    const shared = this.#senders.get(key);
    if (shared && !shared.sender.closed) {
      shared.refs++;
      return shared.sender;
    }
    let sender: HandoffSender;
    try {
      sender = HandoffSender.connect(path);
    } catch (err) {
      throw new ControlError(ControlErrorCodes.InvalidArgument, `Cannot connect to the worker's hand-off socket ${path}: ${(err as Error).message}`);
    }
    // The hand-off socket must belong to the process that registers, or a worker could steer
    // another worker's connections to itself (WCF checks the claimed pid the same way, docs/protocol.md §7).
    const theirs = sender.peerCredentials();
    if (peer.creds && (theirs.pid !== peer.creds.pid || theirs.uid !== peer.creds.uid)) {
      sender.close();
      throw new ControlError(ControlErrorCodes.InvalidArgument, `The hand-off socket ${path} belongs to another process.`);
    }
    this.#senders.set(key, { sender, refs: 1 });
    return sender;
  }

  #releaseSender(owner: RegistrationOwner, path: string): void {
    const key = `${owner.id}\0${path}`;
    const shared = this.#senders.get(key);
    if (!shared || --shared.refs > 0) return;
    this.#senders.delete(key);
    shared.sender.close();
  }

  /** WCF's ValidateUriRoute (docs/protocol.md §5): may this worker serve a later preamble's via on a reused connection? */
  #validate(peer: ControlPeer, via: string, localAddress: string, localPort: number): { routesHere: boolean } {
    let parsed;
    try {
      parsed = parseVia(via);
    } catch {
      return { routesHere: false };
    }
    const hit = this.#routes.lookup(parsed, localAddress, localPort);
    return { routesHere: hit !== undefined && hit.value.members.some((m) => peer.registrations.has(m.id)) };
  }
}
