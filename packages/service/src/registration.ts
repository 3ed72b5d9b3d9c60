import type { HandoffTransport, HostNameComparisonMode } from '@portshare/control';
import type { ParsedVia } from '@portshare/framing';
import type { HandoffSender, PeerCredentials } from '@portshare/handoff';
import type { Endpoint } from './listeners.js';
import type { RouteTarget } from './static-routes.js';

/**
 * The control connection that holds a registration (control-server.ts ControlPeer): its
 * registrations end when it closes, and it is closed when a hand-off to its worker fails.
 */
export interface RegistrationOwner {
  readonly id: number;
  readonly registrations: Set<number>;
  destroy(): void;
}

/** One registered base URI and the worker behind it (SMSvcHost's MessageQueue for a self-hosted worker). */
export interface Registration {
  readonly id: number;
  readonly uri: string;
  readonly parsed: ParsedVia;
  readonly mode: HostNameComparisonMode;
  readonly transport: HandoffTransport;
  /** Worker's hand-off socket path (seqpacket for 'fd', stream for 'proxy'). */
  readonly path: string;
  readonly creds: PeerCredentials | undefined;
  readonly user: string | undefined;
  readonly endpoints: Endpoint[];
  readonly registeredAt: Date;
  /** Open for 'fd' registrations. */
  sender: HandoffSender | undefined;
  /** Hand-offs in flight (the queue of SMSvcHost's MessageQueue), capped by maxPendingConnections. */
  queueLength: number;
  dispatched: number;
  /**
   * When the worker last took a hand-off, or hand-offs last started waiting after none did. Hand-offs
   * waiting while it takes none for workerStallTimeoutMs mark it stalled (dispatcher.ts).
   */
  lastProgressAt: number;
  /**
   * Found stalled and has not taken a hand-off since: its new connections are aborted, but one at
   * a time is let through to find out whether it takes hand-offs again (dispatcher.ts).
   */
  stalled: boolean;
  /** Set once unregistered: hand-offs still queued are aborted. */
  closed: boolean;
  /** The worker's control connection; none for a static route. */
  readonly owner: RegistrationOwner | undefined;
  /**
   * Set for a static route (config `routes`): connections are relayed to this net.tcp server
   * instead of a worker, and a failure never removes the route.
   */
  readonly target?: RouteTarget;
}
