import { ControlError, ControlErrorCodes, type TakeoverListener, type TakeoverReply } from '@portshare/control';
import { HandoffSender, type PeerCredentials } from '@portshare/handoff';
import type { Logger } from 'pino';
import type { ControlPeer } from './control-server.js';

/*
 * A seamless restart, the running daemon's side (takeover.ts is the new daemon's; the sequence is
 * in docs/operations.md). This daemon passes its listening sockets to the new one, tells its
 * workers to register there too, and once released lets its owner retire it. Until the release,
 * the new daemon going away undoes everything: this one takes control connections again.
 */

/** What a handover needs from the daemon handing over. */
export interface HandoverHost {
  readonly log: Logger;
  readonly controlSocketPath: string;
  isAdministrator(creds: PeerCredentials | undefined): boolean;
  /** The shared ports' listening sockets (the descriptors stay the host's). */
  listeningSockets(): { fd: number; address: string; port: number; activatedAs: string | undefined }[];
  /** The control socket's listening descriptor, or undefined while it closes. */
  controlFd(): number | undefined;
  /** Stops (false) or resumes (true) taking control connections. */
  acceptControl(on: boolean): void;
  /** The registrations now, for the new daemon to wait for. */
  registrations(): TakeoverReply['registrations'];
  /** Sends the 'moving' notice to every worker connection but `except`; returns how many. */
  tellWorkers(except: ControlPeer): number;
  /** 'started' once the sockets are passed, 'abandoned', or 'released' (after the answer is written). */
  onEvent(event: 'started' | 'abandoned' | 'released'): void;
}

export class Handover {
  readonly #host: HandoverHost;
  /** The control connection of the daemon taking over, between takeover and release. */
  #successor: { peer: ControlPeer; released: boolean } | undefined;

  constructor(host: HandoverHost) {
    this.#host = host;
  }

  /** Whether a takeover has begun and is not abandoned (new registrations are then refused). */
  get underway(): boolean {
    return this.#successor !== undefined;
  }

  /**
   * `takeover`: passes the listening sockets to the SOCK_SEQPACKET socket at `path`, which must
   * belong to the asking process (SO_PEERCRED, as for a worker's hand-off socket), and stops taking
   * control connections; clients are still served until `release`.
   */
  async takeover(peer: ControlPeer, path: unknown): Promise<TakeoverReply> {
    const host = this.#host;
    if (!host.isAdministrator(peer.creds)) {
      throw new ControlError(ControlErrorCodes.NotAdministrator, "Only root or the service's own user may take the portshare service over.");
    }
    if (this.#successor !== undefined) {
      throw new ControlError(ControlErrorCodes.InvalidArgument, `A takeover by pid ${this.#successor.peer.creds?.pid} is already under way.`);
    }
    if (typeof path !== 'string') throw new ControlError(ControlErrorCodes.InvalidArgument, 'takeover needs the path of a hand-off socket.');
    const controlFd = host.controlFd();
    if (controlFd === undefined) throw new ControlError(ControlErrorCodes.Closed, 'The control socket is closing.');
    let sender: HandoffSender;
    try {
      sender = HandoffSender.connect(path);
    } catch (err) {
      throw new ControlError(ControlErrorCodes.InvalidArgument, `Cannot connect to ${path}: ${(err as Error).message}`);
    }
    const passed: { fd: number; listener: TakeoverListener }[] = host.listeningSockets().map((l) => ({
      fd: l.fd,
      listener: { kind: 'tcp', address: l.address, port: l.port, ...(l.activatedAs !== undefined ? { activatedAs: l.activatedAs } : {}) },
    }));
    passed.push({ fd: controlFd, listener: { kind: 'control', address: host.controlSocketPath, port: 0 } });
    try {
      const theirs = sender.peerCredentials();
      if (peer.creds !== undefined && theirs.pid !== peer.creds.pid) {
        throw new ControlError(ControlErrorCodes.InvalidArgument, `The socket ${path} belongs to another process.`);
      }
      this.#successor = { peer, released: false };
      host.acceptControl(false);
      await Promise.all(passed.map((p) => sender.send(p.fd, Buffer.from(JSON.stringify(p.listener)))));
    } catch (err) {
      this.#abandon();
      throw err instanceof ControlError ? err : new ControlError(ControlErrorCodes.InvalidArgument, `The takeover failed: ${(err as Error).message}`);
    } finally {
      sender.close();
    }
    const registrations = host.registrations();
    host.log.info({ successorPid: peer.creds?.pid, registrations: registrations.length }, 'takeover: listening sockets passed to a new service');
    host.onEvent('started');
    return { listeners: passed.length, registrations };
  }

  /** `handover`: every worker registers with the new daemon too, keeping its connection here. */
  handover(peer: ControlPeer): void {
    this.#require(peer);
    const workers = this.#host.tellWorkers(peer);
    this.#host.log.info({ workers }, 'takeover: workers told to register with the new service');
  }

  /** `release`: the new daemon accepts; this one may retire once the answer is written. */
  release(peer: ControlPeer): void {
    this.#require(peer).released = true;
    this.#host.log.info({ successorPid: peer.creds?.pid }, 'takeover: released by the new service; finishing the connections being read, then exiting');
    setImmediate(() => this.#host.onEvent('released'));
  }

  /** A control connection closed: the new daemon's, before release, abandons the takeover. */
  peerClosed(peer: ControlPeer): void {
    if (this.#successor?.peer !== peer || this.#successor.released) return;
    this.#host.log.warn({ successorPid: peer.creds?.pid }, 'takeover abandoned: the new service went away before it took over; serving on');
    this.#abandon();
  }

  #require(peer: ControlPeer): { peer: ControlPeer; released: boolean } {
    if (this.#successor?.peer !== peer) throw new ControlError(ControlErrorCodes.InvalidArgument, 'No takeover is under way on this connection.');
    return this.#successor;
  }

  #abandon(): void {
    if (this.#successor === undefined || this.#successor.released) return;
    this.#successor = undefined;
    this.#host.acceptControl(true);
    this.#host.onEvent('abandoned');
  }
}
