/**
 * The front gate: a sharing daemon's listening sockets and the first bytes of each connection, in
 * native code (src/gate.c). Connections are plain descriptors: the gate accepts them under a budget
 * (so a full daemon leaves new clients in the kernel's backlog), reads at most a given number of
 * bytes from each, sends faults with the half-close and drain WCF uses, and otherwise hands the
 * descriptor back to its owner to pass on with {@link HandoffSender.send} or close.
 *
 * The caller owns every descriptor it is given in {@link FrontGateHandlers.accepted} until it
 * calls {@link FrontGate.close}, {@link FrontGate.fault} (the gate closes it, then reports
 * `closed`) or passes it on after {@link FrontGate.release}.
 *
 * @module
 */
import { HandoffError, fromNative, HandoffErrorCodes } from './errors.js';
import { GateEvent, type NativeBinding, type NativeGate, requireNative } from './native.js';

/** What the gate reports. Exceptions thrown by a handler go to {@link FrontGateHandlers.failed}. */
export interface FrontGateHandlers {
  /** New connections taken from `listener`'s backlog; the caller owns each descriptor. */
  accepted(listener: number, fds: Int32Array): void;
  /** A connection waits on `listener` while the budget is 0 (reported once per {@link FrontGate.accept} with probe). */
  blocked(listener: number): void;
  /** Bytes read from a connection being read. */
  data(fd: number, chunk: Buffer): void;
  /** The client closed (errno null) or the read failed; nothing more is read. The descriptor is still the caller's. */
  end(fd: number, errno: string | null): void;
  /** A fault was sent and drained (or the client went away); the gate closed the descriptor. */
  closed(fd: number): void;
  /** accept() ran out of descriptors (count so far); accepting pauses until the reserve is back. */
  descriptorsExhausted(count: number): void;
  /** A relay started with {@link FrontGate.proxy} ended: both sides closed (errno null) or one failed. */
  proxyEnded(clientFd: number, errno: string | null): void;
  /** {@link FrontGate.proxyTcp} reached its server; the relay runs (optional). */
  proxyConnected?(clientFd: number): void;
  /**
   * {@link FrontGate.proxyTcp} could not reach its server (ECONNREFUSED, EHOSTUNREACH, ETIMEDOUT
   * after the timeout): nothing was relayed and `clientFd` is the caller's again, to answer
   * (a fault) or close. Without this handler the gate closes it.
   */
  proxyUnreachable?(clientFd: number, errno: string): void;
  /** A handler threw: it never reaches the addon. */
  failed(err: unknown): void;
}

export interface FrontGateOptions {
  /**
   * Descriptors held open while accepting and given up when accept() hits the limit, so the
   * control socket and hand-offs still get descriptors (see gate.c). At most 64.
   */
  reserveDescriptors: number;
}

/** A listening socket the gate owns. */
export interface GateListener {
  readonly fd: number;
  /** The bound port (useful after listening on port 0). */
  readonly port: number;
}

export class FrontGate {
  readonly #native: NativeBinding;
  readonly #gate: NativeGate;
  #closed = false;

  private constructor(native: NativeBinding, handlers: FrontGateHandlers, options: FrontGateOptions) {
    this.#native = native;
    this.#gate = native.gateOpen((kind, a, b) => {
      try {
        switch (kind) {
          case GateEvent.ACCEPT:
            return handlers.accepted(a, b as Int32Array);
          case GateEvent.BLOCKED:
            return handlers.blocked(a);
          case GateEvent.DATA:
            return handlers.data(a, b as Buffer);
          case GateEvent.END:
            return handlers.end(a, b as string | null);
          case GateEvent.CLOSED:
            return handlers.closed(a);
          case GateEvent.EMFILE:
            return handlers.descriptorsExhausted(a);
          case GateEvent.PROXY_END:
            return handlers.proxyEnded(a, b as string | null);
          case GateEvent.PROXY_CONNECTED:
            return handlers.proxyConnected?.(a);
          case GateEvent.PROXY_UNREACHABLE:
            if (handlers.proxyUnreachable === undefined) return this.close(a);
            return handlers.proxyUnreachable(a, b as string);
        }
      } catch (err) {
        try {
          handlers.failed(err);
        } catch {
          /* nothing may reach the addon */
        }
      }
    }, options.reserveDescriptors);
  }

  /** @throws HandoffError `HANDOFF_ERR_UNSUPPORTED` without the addon. */
  static open(handlers: FrontGateHandlers, options: FrontGateOptions): FrontGate {
    const native = requireNative();
    if (!Number.isInteger(options.reserveDescriptors) || options.reserveDescriptors < 0 || options.reserveDescriptors > 64) {
      throw new HandoffError(HandoffErrorCodes.INVALID_ARGUMENT, 'reserveDescriptors must be an integer from 0 to 64.');
    }
    return new FrontGate(native, handlers, options);
  }

  /**
   * Opens a listening TCP socket on an IP literal. `v6only` applies to IPv6 addresses. With
   * `deferSeconds` > 0 (TCP_DEFER_ACCEPT, tcp(7)) a connection is reported only once it has sent
   * data, or after about that long.
   * @throws HandoffError `HANDOFF_ERR_LISTEN` with the errno (EADDRINUSE, EACCES, EADDRNOTAVAIL, ...).
   */
  listen(address: string, port: number, backlog: number, v6only: boolean, deferSeconds = 0): GateListener {
    this.#assertOpen();
    try {
      const [fd, bound] = this.#native.gateListen(this.#gate, address, port, backlog, v6only, deferSeconds);
      return { fd, port: bound };
    } catch (err) {
      throw fromNative(HandoffErrorCodes.LISTEN, `Cannot listen on ${address}:${port}`, err);
    }
  }

  /**
   * Opens a listening Unix stream socket at `path` with file mode `mode` (set before listen()). A
   * stale socket file there is replaced; any other file is left alone (EADDRINUSE).
   * @throws HandoffError `HANDOFF_ERR_LISTEN` with the errno.
   */
  listenUnix(path: string, mode: number, backlog: number): GateListener {
    this.#assertOpen();
    try {
      return { fd: this.#native.gateListenUnix(this.#gate, path, mode, backlog), port: 0 };
    } catch (err) {
      throw fromNative(HandoffErrorCodes.LISTEN, `Cannot listen on ${path}`, err);
    }
  }

  /**
   * Takes over a listening stream socket someone else opened: systemd socket activation
   * (sd_listen_fds(3), descriptors from 3 on) or a previous daemon. Returns its family (4, 6, or
   * 0 for Unix) and port.
   * @throws HandoffError `HANDOFF_ERR_LISTEN` with errno EINVAL when `fd` is not a listening stream socket.
   */
  adopt(fd: number): { fd: number; family: 0 | 4 | 6; port: number } {
    this.#assertOpen();
    try {
      const [family, port] = this.#native.gateAdopt(this.#gate, fd);
      return { fd, family: family as 0 | 4 | 6, port };
    } catch (err) {
      throw fromNative(HandoffErrorCodes.LISTEN, `Descriptor ${fd} is not a listening stream socket that can be taken over`, err);
    }
  }

  /** Closes a listening socket; connections waiting in its backlog are reset by the kernel. */
  unlisten(fd: number): void {
    if (!this.#closed) this.#native.gateUnlisten(this.#gate, fd);
  }

  /**
   * Lets the gate accept at most `budget` more connections. At 0 it stops; with `probe` it still
   * watches the listeners and reports {@link FrontGateHandlers.blocked} once when one has a
   * connection waiting.
   */
  accept(budget: number, probe = false): void {
    if (!this.#closed) this.#native.gateAccept(this.#gate, budget, probe);
  }

  /**
   * Reads a connection until `limit` bytes in all have been reported, it ends, or {@link release}.
   * The first read is tried at once: `data` or `end` may be reported within this call.
   */
  read(fd: number, limit: number): void {
    this.#assertOpen();
    this.#native.gateRead(this.#gate, fd, limit);
  }

  /** Stops reading; the descriptor stays open and the caller's. */
  release(fd: number): void {
    if (!this.#closed) this.#native.gateRelease(this.#gate, fd);
  }

  /** Stops reading and closes the descriptor. */
  close(fd: number): void {
    if (!this.#closed) this.#native.gateClose(this.#gate, fd);
  }

  /**
   * Sends `bytes`, shuts the sending side, reads and discards up to `drainBytes` until the client
   * closes, then closes and reports `closed(fd)`. Bound its time with {@link close}.
   */
  fault(fd: number, bytes: Buffer, drainBytes: number): void {
    this.#assertOpen();
    this.#native.gateFault(this.#gate, fd, bytes, drainBytes);
  }

  /**
   * Proxy mode: connects to the worker's stream socket at `path`, checks that its peer is process
   * `peer.pid` running as `peer.uid` (SO_PEERCRED; pass undefined to skip) before writing a byte,
   * writes `preface`, then moves bytes both ways in the kernel (splice(2) through pooled pipes,
   * recv/send where no pipe can be had) until both sides close; then reports `proxyEnded`, which
   * may happen within this call. From a successful call on, the gate owns `fd`.
   * @throws HandoffError `HANDOFF_ERR_CONNECT` with the errno (ENOENT, ECONNREFUSED, EAGAIN,
   *   EACCES; EPERM when the peer is another process); `fd` is then still the caller's.
   */
  proxy(fd: number, path: string, preface: Buffer, peer: { pid: number; uid: number } | undefined): void {
    this.#assertOpen();
    try {
      this.#native.gateProxy(this.#gate, fd, path, preface, peer?.pid ?? -1, peer?.uid ?? -1);
    } catch (err) {
      const errno = (err as { code?: string }).code;
      throw fromNative(
        HandoffErrorCodes.CONNECT,
        errno === 'EPERM'
          ? `The stream socket ${path} belongs to another process than the one expected; nothing was written to it.`
          : `Could not connect to the worker's stream socket at ${path}`,
        err,
      );
    }
  }

  /**
   * A static route: connects to a TCP server at an IPv4 or IPv6 literal without blocking, writes
   * `preface` (the client's bytes read so far) once connected, then moves bytes both ways in the
   * kernel as {@link proxy} does; `proxyConnected` then `proxyEnded` report it. When the server
   * cannot be reached (refused, unreachable, or not within `timeoutMs`; 0: the kernel's own
   * timeout) `proxyUnreachable` hands `fd` back with the errno, nothing relayed. Until then, and
   * from a successful call on, the gate owns `fd`.
   * @throws HandoffError `HANDOFF_ERR_CONNECT` with the errno (EINVAL for an address that is not
   *   an IP literal, ENETUNREACH, EMFILE); `fd` is then still the caller's.
   */
  proxyTcp(fd: number, address: string, port: number, preface: Buffer, timeoutMs = 0): void {
    this.#assertOpen();
    try {
      this.#native.gateProxyTcp(this.#gate, fd, address, port, preface, timeoutMs);
    } catch (err) {
      throw fromNative(HandoffErrorCodes.CONNECT, `Could not connect to ${address.includes(':') ? `[${address}]` : address}:${port}`, err);
    }
  }

  /** The connection's local address and port (getsockname). */
  localAddress(fd: number): { address: string; port: number } {
    const [address, port] = this.#native.localAddress(fd);
    return { address, port };
  }

  /** The connection's peer address and port (getpeername). */
  peerAddress(fd: number): { address: string; port: number } {
    const [address, port] = this.#native.peerAddress(fd);
    return { address, port };
  }

  /** Whether the listening sockets keep the process alive (they do by default). */
  ref(on: boolean): void {
    if (!this.#closed) this.#native.gateRef(this.#gate, on);
  }

  /** Closes every listener and every connection the gate still tracks. */
  shutdown(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native.gateShutdown(this.#gate);
  }

  #assertOpen(): void {
    if (this.#closed) throw new HandoffError(HandoffErrorCodes.CLOSED, 'The front gate is shut down.');
  }
}

/** The process's open-files limit (RLIMIT_NOFILE), soft and hard; -1 for unlimited. */
export function descriptorLimit(): { soft: number; hard: number } {
  const [soft, hard] = requireNative().fdLimit();
  return { soft, hard };
}
