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
}
export interface UnregisterRequest { op: 'unregister'; registrationId: number; }
/** WCF's ValidateUriRoute: does `via` (arriving on localAddress:localPort) route to this connection's registrations? */
export interface ValidateRequest { op: 'validate'; via: string; localAddress: string; localPort: number; }
export interface StatusRequest { op: 'status'; }
export interface AdminRequest { op: 'pause' | 'resume' | 'stop'; }

export type ControlRequest =
  | HelloRequest
  | RegisterRequest
  | UnregisterRequest
  | ValidateRequest
  | StatusRequest
  | AdminRequest;

export interface HelloReply {
  pid: number;
  /** The daemon's effective uid: a worker of another user must let that uid connect to its hand-off socket. */
  uid: number;
  version: number;
  daemonVersion: string;
  handoff: HandoffTransport;
}
export interface RegisterReply { registrationId: number; }
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
        : OkReply;

/**
 * What travels on the wire. An error reply with `id: 0` answers no request: it is the reason the
 * daemon gives before it closes the connection (refused at accept, too long a line, idle).
 */
export type WireRequest = ControlRequest & { id: number };
export type WireReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: string; message: string } };
