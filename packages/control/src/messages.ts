/**
 * The control protocol, spoken on the daemon's Unix stream socket by workers and the admin CLI.
 *
 * Encoding: one JSON object per line (UTF-8, '\n'-terminated), each request carrying a numeric `id`
 * echoed in its answer. A line longer than the daemon's maxControlMessageBytes (default 10000, WCF's
 * RegistrationMaxReceivedMessageSize) closes the connection. Every registration made on a connection
 * ends when that connection closes, so a worker that dies is unregistered at once.
 */

/** Bumped on incompatible changes; the daemon refuses newer versions (WCF VersionUnsupported). */
export const CONTROL_PROTOCOL_VERSION = 1;

/** WCF's HostNameComparisonMode: how the host of a via is compared with a registration's. */
export const HostNameComparisonMode = {
  StrongWildcard: 'StrongWildcard',
  Exact: 'Exact',
  WeakWildcard: 'WeakWildcard',
} as const;
export type HostNameComparisonMode = (typeof HostNameComparisonMode)[keyof typeof HostNameComparisonMode];

/** How the daemon hands connections to a registration. */
export type HandoffTransport = 'fd' | 'proxy';

export interface HelloRequest { op: 'hello'; version: number; }
export interface RegisterRequest {
  op: 'register';
  /** The base URI, e.g. net.tcp://localhost:9000/calculator/4381 (WCF registers the full BaseUri). */
  uri: string;
  hostNameComparisonMode: HostNameComparisonMode;
  /** 'fd': the daemon connects a SOCK_SEQPACKET socket to `path` and passes each connection's fd;
   *  'proxy': the daemon connects a stream socket to `path` per connection and pipes bytes. */
  transport: HandoffTransport;
  path: string;
  /**
   * When the URI and mode are registered already: 'fail' (the default, WCF's "already registered"),
   * 'balance' (share its connections with the registrations that asked for 'balance' too) or
   * 'replace' (take every new connection; the registration replaced gets a 'superseded' notice).
   * Joining or replacing needs the same uid, or a URI reservation that lists the newcomer.
   */
  onConflict?: OnConflict;
}

export type OnConflict = 'fail' | 'balance' | 'replace';
export interface UnregisterRequest { op: 'unregister'; registrationId: number; }
/** WCF's ValidateUriRoute: does `via` (arriving on localAddress:localPort) route to this connection's registrations? */
export interface ValidateRequest { op: 'validate'; via: string; localAddress: string; localPort: number; }
export interface StatusRequest { op: 'status'; }
export interface AdminRequest { op: 'pause' | 'resume' | 'stop'; }
/**
 * A seamless restart (docs/operations.md): a new daemon, started by an administrator, asks the
 * running one for its listening sockets. The running daemon connects to the SOCK_SEQPACKET
 * socket at `path` (which must belong to the asking process) and passes each listening socket
 * there (SCM_RIGHTS), one message each with a JSON {@link TakeoverListener}; it stops taking
 * control connections (they wait in the backlog for the new daemon) but goes on serving clients.
 * If the asking connection closes before `release`, it takes control connections again.
 */
export interface TakeoverRequest { op: 'takeover'; path: string; }
/** From the taking-over connection: tell every worker to register with the new daemon too. */
export interface HandoverRequest { op: 'handover'; }
/** From the taking-over connection: the new daemon accepts now; stop accepting, finish, exit. */
export interface ReleaseRequest { op: 'release'; }

export type ControlRequest =
  | HelloRequest
  | RegisterRequest
  | UnregisterRequest
  | ValidateRequest
  | StatusRequest
  | AdminRequest
  | TakeoverRequest
  | HandoverRequest
  | ReleaseRequest;

export interface HelloReply {
  pid: number;
  /** The daemon's effective uid: a worker of another user must let that uid connect to its hand-off socket. */
  uid: number;
  version: number;
  daemonVersion: string;
  handoff: HandoffTransport;
}
export interface RegisterReply { registrationId: number; }

/** The payload of each listening socket a daemon passes in a takeover. */
export interface TakeoverListener {
  /** 'tcp': a shared port's socket; 'control': the control socket (its file stays at its path). */
  kind: 'tcp' | 'control';
  address: string;
  port: number;
  /** Its FileDescriptorName when the service manager passed it (socket activation). */
  activatedAs?: string;
}

export interface TakeoverReply {
  /** How many listening sockets were passed (each as one message, before this reply). */
  listeners: number;
  /** The registrations the workers hold now: the new daemon waits for them before it accepts. */
  registrations: { uri: string; hostNameComparisonMode: HostNameComparisonMode }[];
}

/**
 * A line the daemon sends on its own, not an answer. 'moving': a new daemon is taking over;
 * register with it (connect to the control socket again) and keep this connection until it closes.
 * 'superseded': a registration with onConflict 'replace' took this registration's URI; it gets no
 * new connections (the ones handed off are the worker's to finish).
 */
export type ControlNotice = { notice: 'moving' } | { notice: 'superseded'; registrationId: number };
export interface ValidateReply { routesHere: boolean; }

export interface Counters {
  connectionsAccepted: number;
  connectionsDispatched: number;
  dispatchFailures: number;
  protocolFailures: number;
  registrationsActive: number;
  urisRegistered: number;
  urisUnregistered: number;
  /** Log lines lost because the log could not be written (disk full, I/O error); the daemon goes on. */
  logWriteFailures: number;
  /** Per-connection log lines left out past log.perConnectionLinesPerSecond (each second is summarised). */
  logLinesSuppressed: number;
}

export interface RegistrationStatus {
  id: number;
  uri: string;
  hostNameComparisonMode: HostNameComparisonMode;
  transport: HandoffTransport;
  pid: number | undefined;
  uid: number | undefined;
  user: string | undefined;
  dispatched: number;
  queueLength: number;
  registeredAt: string;
}

export interface StaticRouteStatus {
  uri: string;
  hostNameComparisonMode: HostNameComparisonMode;
  /** Its servers, as configured (host:port), the addresses they resolved to at start, and their health. */
  backends: { to: string; address: string; healthy: boolean; lastError?: string; failures: number }[];
  /** Whether at least one server answers (the last connection to each succeeded). */
  healthy: boolean;
  /** The via sent to the server instead of the client's, when the route rewrites it. */
  rewriteVia?: string;
  dispatched: number;
}

export interface StatusReply {
  state: 'running' | 'paused';
  pid: number;
  startedAt: string;
  uptimeSeconds: number;
  handoff: HandoffTransport;
  /** `connections`: connections accepted on that listening socket since it opened. */
  listeners: { address: string; port: number; connections: number }[];
  registrations: RegistrationStatus[];
  counters: Counters;
  pendingConnections: number;
  /** The configuration file the daemon read at start. */
  configFile?: string;
  /**
   * The systemd unit the daemon runs in, when systemd started it (the shipped unit sets
   * PORTSHARE_SYSTEMD_UNIT=%n): a restart is then systemd's to do (`systemctl reload`).
   */
  systemdUnit?: string;
  /** Static routes (config `routes`): connections relayed to a server that does not register. */
  routes?: StaticRouteStatus[];
  config: Record<string, unknown>;
}

export type OkReply = Record<string, never>;

export type ReplyFor<R extends ControlRequest> = R extends HelloRequest
  ? HelloReply
  : R extends RegisterRequest
    ? RegisterReply
    : R extends ValidateRequest
      ? ValidateReply
      : R extends StatusRequest
        ? StatusReply
        : R extends TakeoverRequest
          ? TakeoverReply
          : OkReply;

/**
 * What travels on the wire. An error reply with `id: 0` answers no request: it is the reason the
 * daemon gives before it closes the connection (refused at accept, too long a line, idle).
 */
export type WireRequest = ControlRequest & { id: number };
export type WireReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: string; message: string } };
