/**
 * Transport security: the `application/ssl-tls` stream upgrade of NetTcpBinding's
 * `SecurityMode.Transport` with `ClientCredentialType` None or Certificate.
 *
 * On the wire ([MC-NMF] 2.2.3.5, 3.1.4.7, 1.3.3): the client ends its clear-text preamble with an
 * UpgradeRequest record naming `application/ssl-tls`; the server answers UpgradeResponse (0x0A);
 * a TLS handshake runs directly on the TCP stream; everything after it — PreambleEnd,
 * PreambleAck, envelopes, End — travels inside TLS. CoreWCF does the same in
 * `ServerFramingDuplexSessionMiddleware.cs` (server) and dotnet/wcf in `FramingChannels.cs`
 * `ConnectionUpgradeHelper.InitiateUpgradeAsync` (client). The sharing service never sees any of
 * it: it hands the connection over at the via, before the upgrade record.
 *
 * This module holds the options of both sides, their resolution into one `SecureContext` each
 * (loaded once, so a bad certificate fails at start, not at the first client), and the TLS
 * wrapping of an accepted or connected socket. The record-level steps live with the connection
 * state machines (server-connection.ts, client-session.ts).
 *
 * Node's `TLSSocket` takes the TCP handle over, so a secured connection cannot return to clear
 * text. WCF's client pools the raw connection under the TLS layer after a session (dotnet/wcf
 * `ConnectionPoolHelper.cs` returns `_rawConnection`); our server therefore closes a secured
 * connection after its session, and WCF's pool opens a new one.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  checkServerIdentity,
  connect as tlsConnect,
  createSecureContext,
  type DetailedPeerCertificate,
  type PeerCertificate,
  type SecureContext,
  type SecureContextOptions,
  type SecureVersion,
  Server as TlsServer,
  type TLSSocket,
} from 'node:tls';
import { SessionError, SessionErrorCodes } from './errors.js';

/** Whether a server asks clients for a certificate (WCF's `TcpClientCredentialType` None / Certificate, plus "optional"). */
export type ClientCertificateMode = 'none' | 'optional' | 'required';

/** What decides about a peer's certificate, in addition to (or instead of) the CA chain check. */
export interface CertificateCheckContext {
  /** True when the chain verified against the trusted CAs. */
  readonly authorized: boolean;
  /** Why the chain did not verify (an OpenSSL code such as `CERT_HAS_EXPIRED`), when it did not. */
  readonly authorizationError: string | undefined;
}

/**
 * A certificate check of your own, as WCF's `X509CertificateValidationMode.Custom`: return true to
 * accept the peer, false (or throw) to refuse it. When given, it decides alone: the CA chain
 * result is only passed to it.
 */
export type CertificateValidator = (certificate: DetailedPeerCertificate, context: CertificateCheckContext) => boolean;

/** TLS settings both sides share; passed through to Node's `tls.createSecureContext`. */
export interface TlsSettings {
  /** Lowest TLS version (default `'TLSv1.2'`). */
  minVersion?: SecureVersion;
  /** Highest TLS version (default: Node's, TLS 1.3). */
  maxVersion?: SecureVersion;
  /** OpenSSL cipher list for TLS 1.2 and below (default: Node's). */
  ciphers?: string;
  /** Anything else `tls.createSecureContext` takes (curves, signature algorithms, …). */
  secureContextOptions?: SecureContextOptions;
}

/**
 * A server's transport security: `SecurityMode.Transport` of NetTcpBinding. With it, clients must
 * upgrade to TLS; a client that does not is aborted (as WCF does).
 */
export interface ServerSecurityOptions extends TlsSettings {
  /** The server certificate chain, PEM (or give `pfx`). */
  certificate?: string | Buffer;
  /** The certificate's private key, PEM. */
  key?: string | Buffer;
  /** Certificate and key in one PKCS#12 file, instead of `certificate` and `key`. */
  pfx?: Buffer;
  /** The passphrase of `pfx` or of an encrypted `key`. */
  passphrase?: string;
  /**
   * Ask clients for a certificate: `'none'` (default), `'optional'` (a client may send one; one
   * that is sent must verify), or `'required'` (WCF's ClientCredentialType Certificate).
   */
  clientCertificate?: ClientCertificateMode;
  /** CAs that issue client certificates, PEM (default: Node's root store). */
  ca?: string | Buffer | (string | Buffer)[];
  /** Decides about each client certificate instead of the CA chain check. */
  validateClientCertificate?: CertificateValidator;
}

/** A client's transport security: what it trusts and how it proves itself. */
export interface ClientSecurityOptions extends TlsSettings {
  /** CAs trusted for the server's certificate, PEM (default: Node's root store). */
  ca?: string | Buffer | (string | Buffer)[];
  /**
   * The DNS identity the server's certificate must carry (WCF's `EndpointIdentity` /
   * `DnsEndpointIdentity`). Default: the via's host, as WCF.
   */
  dnsIdentity?: string;
  /** A client certificate chain, PEM (for a server that asks for one). */
  certificate?: string | Buffer;
  /** The client certificate's private key, PEM. */
  key?: string | Buffer;
  /** Client certificate and key in PKCS#12. */
  pfx?: Buffer;
  /** The passphrase of `pfx` or of an encrypted `key`. */
  passphrase?: string;
  /** Decides about the server certificate instead of the CA chain check (the identity check still runs). */
  validateServerCertificate?: CertificateValidator;
  /**
   * Resume TLS sessions with a server this options object connected to before (TLS 1.3 tickets),
   * skipping the certificate exchange and its checks, which the first session passed. Default
   * true, as .NET's SslStream does.
   */
  sessionResumption?: boolean;
}

/** What a secured session's connection negotiated. */
export interface TransportSecurityInfo {
  /** `'TLSv1.3'`, `'TLSv1.2'`. */
  readonly protocol: string;
  /** The cipher suite's standard name. */
  readonly cipher: string;
  /**
   * The peer's certificate when it sent one: the client's on a server session (with its issuer
   * chain), the server's on a client session.
   */
  readonly peerCertificate: PeerCertificate | undefined;
  /** True when the TLS session was resumed (no certificate exchange on this connection). */
  readonly resumed: boolean;
}

/** @internal Server security, checked and loaded. */
export interface ResolvedServerSecurity {
  readonly acceptor: TlsAcceptor;
  readonly clientCertificate: ClientCertificateMode;
  readonly validate: CertificateValidator | undefined;
}

const DEFAULT_MIN_VERSION: SecureVersion = 'TLSv1.2';

/** @internal Loads the server's certificate once; a bad one is an INVALID_OPTION at start. */
export function resolveServerSecurity(options: ServerSecurityOptions | undefined): ResolvedServerSecurity | undefined {
  if (options === undefined) return undefined;
  if (options.pfx === undefined && (options.certificate === undefined || options.key === undefined)) {
    throw new SessionError(
      SessionErrorCodes.INVALID_OPTION,
      'The option security needs the server certificate: certificate and key (PEM), or pfx (with its passphrase).',
    );
  }
  const mode = options.clientCertificate ?? 'none';
  if (mode !== 'none' && mode !== 'optional' && mode !== 'required') {
    throw new SessionError(
      SessionErrorCodes.INVALID_OPTION,
      `The option security.clientCertificate is ${JSON.stringify(mode)}; use 'none', 'optional' or 'required'.`,
    );
  }
  const contextOptions = contextOptionsOf(options, {
    cert: options.certificate,
    key: options.key,
    pfx: options.pfx,
    passphrase: options.passphrase,
    ca: options.ca,
  });
  // Loaded here once to report a bad credential at start; the acceptor's servers load the same.
  loadContext('security', contextOptions);
  return {
    acceptor: new TlsAcceptor(contextOptions, mode !== 'none'),
    clientCertificate: mode,
    validate: options.validateClientCertificate,
  };
}

/**
 * @internal Runs the server side of TLS handshakes on accepted sockets.
 *
 * Why `tls.Server` objects that never listen: only a socket a `tls.Server` accepted gets its
 * certificate check result (`authorized`, `authorizationError`); a bare `TLSSocket` in server
 * mode does not. Each server takes one handshake at a time (injected with its documented
 * 'connection' event), so its 'secureConnection' / 'tlsClientError' belong to that socket without
 * any bookkeeping; finished servers are kept for the next handshakes.
 */
export class TlsAcceptor {
  static readonly MAX_IDLE_SERVERS = 64;
  readonly #options: SecureContextOptions;
  readonly #requestCert: boolean;
  readonly #idle: TlsServer[] = [];
  // One ticket key for all of this acceptor's servers, so that a ticket one issued resumes on any.
  readonly #ticketKeys = randomBytes(48);

  constructor(options: SecureContextOptions, requestCert: boolean) {
    this.#options = options;
    this.#requestCert = requestCert;
  }

  /**
   * Starts the handshake on `socket` (its unread bytes put back first). Resolves with the secured
   * socket; rejects with the TLS error, or when the connection closes during the handshake.
   */
  accept(socket: Socket): Promise<TLSSocket> {
    const server =
      this.#idle.pop() ??
      new TlsServer({
        ...this.#options,
        ticketKeys: this.#ticketKeys,
        requestCert: this.#requestCert,
        // The certificate policy is checked after the handshake (checkClientCertificate), so
        // that a refusal can say why.
        rejectUnauthorized: false,
      });
    return new Promise<TLSSocket>((resolve, reject) => {
      const done = (): void => {
        server.off('secureConnection', onSecure);
        server.off('tlsClientError', onError);
        if (this.#idle.length < TlsAcceptor.MAX_IDLE_SERVERS) this.#idle.push(server);
      };
      const onSecure = (tls: TLSSocket): void => {
        done();
        resolve(tls);
      };
      const onError = (error: Error): void => {
        done();
        reject(error);
      };
      server.on('secureConnection', onSecure);
      server.on('tlsClientError', onError);
      server.emit('connection', socket);
    });
  }
}

/** @internal Client security, checked and loaded. */
export interface ResolvedClientSecurity {
  readonly context: SecureContext;
  readonly dnsIdentity: string | undefined;
  readonly validate: CertificateValidator | undefined;
  /** Resumable TLS sessions by server and identity; undefined when resumption is off. */
  readonly sessions: SessionCache | undefined;
}

/** A ticket and the certificate the server showed when the session was made (a resumed handshake shows none). */
interface SessionTicket {
  readonly ticket: Buffer;
  readonly certificate: DetailedPeerCertificate;
}

/**
 * The last TLS session ticket per server (host:port and identity), at most
 * {@link SessionCache.MAX_ENTRIES}, the oldest dropped first.
 */
class SessionCache {
  static readonly MAX_ENTRIES = 256;
  readonly #tickets = new Map<string, SessionTicket>();

  get(key: string): SessionTicket | undefined {
    return this.#tickets.get(key);
  }

  set(key: string, ticket: SessionTicket): void {
    this.#tickets.delete(key);
    this.#tickets.set(key, ticket);
    if (this.#tickets.size > SessionCache.MAX_ENTRIES) {
      const oldest = this.#tickets.keys().next();
      if (oldest.done !== true) this.#tickets.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.#tickets.delete(key);
  }
}

// Loading a secure context parses every CA and key: once per options object, not per connection.
const resolvedClientSecurity = new WeakMap<ClientSecurityOptions, ResolvedClientSecurity>();

/**
 * @internal Checks and loads the client's security options. The result is kept for the options
 * object, so a client that passes the same `security` object to every connectSession loads its
 * CAs and certificate once.
 */
export function resolveClientSecurity(options: ClientSecurityOptions | undefined): ResolvedClientSecurity | undefined {
  if (options === undefined) return undefined;
  const known = resolvedClientSecurity.get(options);
  if (known !== undefined) return known;
  const resolved = loadClientSecurity(options);
  resolvedClientSecurity.set(options, resolved);
  return resolved;
}

function loadClientSecurity(options: ClientSecurityOptions): ResolvedClientSecurity {
  if (options.dnsIdentity !== undefined && (typeof options.dnsIdentity !== 'string' || options.dnsIdentity === '')) {
    throw new SessionError(
      SessionErrorCodes.INVALID_OPTION,
      'The option security.dnsIdentity must be a non-empty host name (the DNS name in the server certificate).',
    );
  }
  return {
    context: loadContext('security', contextOptionsOf(options, {
      cert: options.certificate,
      key: options.key,
      pfx: options.pfx,
      passphrase: options.passphrase,
      ca: options.ca,
    })),
    dnsIdentity: options.dnsIdentity,
    validate: options.validateServerCertificate,
    sessions: options.sessionResumption === false ? undefined : new SessionCache(),
  };
}

function contextOptionsOf(settings: TlsSettings, credentials: SecureContextOptions): SecureContextOptions {
  const options: SecureContextOptions = { ...settings.secureContextOptions };
  options.minVersion = settings.minVersion ?? settings.secureContextOptions?.minVersion ?? DEFAULT_MIN_VERSION;
  if (settings.maxVersion !== undefined) options.maxVersion = settings.maxVersion;
  if (settings.ciphers !== undefined) options.ciphers = settings.ciphers;
  for (const [key, value] of Object.entries(credentials)) {
    if (value !== undefined) (options as Record<string, unknown>)[key] = value;
  }
  return options;
}

function loadContext(name: string, options: SecureContextOptions): SecureContext {
  try {
    return createSecureContext(options);
  } catch (error) {
    throw new SessionError(
      SessionErrorCodes.INVALID_OPTION,
      `The option ${name} could not be loaded: ${error instanceof Error ? error.message : String(error)}. Check that the certificate and key are PEM (or pfx with its passphrase) and belong together, and that the TLS settings are valid.`,
      { cause: error },
    );
  }
}

/**
 * @internal The client certificate policy, after the handshake: undefined to accept, else why the
 * client is refused.
 */
export function checkClientCertificate(socket: TLSSocket, security: ResolvedServerSecurity): string | undefined {
  if (security.clientCertificate === 'none') return undefined;
  const certificate = peerCertificateOf(socket, security.validate !== undefined);
  if (certificate === undefined) {
    if (security.clientCertificate === 'optional') return undefined;
    return 'The client sent no certificate, and this service requires one (clientCertificate: required). Configure the client certificate on the client (WCF: ClientCredentials.ClientCertificate).';
  }
  const context: CertificateCheckContext = {
    authorized: socket.authorized,
    authorizationError: authorizationErrorOf(socket),
  };
  if (security.validate !== undefined) {
    let accepted: boolean;
    try {
      accepted = security.validate(certificate, context);
    } catch (error) {
      return `The client certificate ${subjectOf(certificate)} was refused by validateClientCertificate: ${error instanceof Error ? error.message : String(error)}.`;
    }
    return accepted ? undefined : `The client certificate ${subjectOf(certificate)} was refused by validateClientCertificate.`;
  }
  if (context.authorized) return undefined;
  return `The X.509 certificate ${subjectOf(certificate)} chain building failed (${context.authorizationError ?? 'not trusted'}). The certificate that was used has a trust chain that cannot be verified. Issue the client certificate from a CA in security.ca, or decide with validateClientCertificate.`;
}

/**
 * @internal Starts the client side of the handshake on a connected socket whose server has just
 * answered UpgradeResponse. Resolves with the secured socket once the server certificate passed
 * the trust and identity checks; rejects with a {@link SessionError} in WCF's terms otherwise.
 */
export function initiateTls(
  socket: Socket,
  security: ResolvedClientSecurity,
  target: { host: string; port: number; via: string; viaHost: string; viaPort: number },
): Promise<TLSSocket> {
  // WCF checks the via's host (the EndpointAddress), not the address connected to.
  const identity = security.dnsIdentity ?? target.viaHost;
  const authority = `${target.viaHost}:${target.viaPort}`;
  const sessionKey = `${target.host}:${target.port} ${identity}`;
  const ticket = security.sessions?.get(sessionKey);
  return new Promise<TLSSocket>((resolve, reject) => {
    const tls = tlsConnect({
      socket,
      secureContext: security.context,
      // SNI names the identity we expect; an IP literal is not sent (RFC 6066 3).
      ...(isIpLiteral(identity) ? {} : { servername: identity }),
      ...(ticket === undefined ? {} : { session: ticket.ticket }),
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
    // TLS 1.3 sends tickets after the handshake; keep the latest for the next connection, but
    // only from a server that passed the checks below.
    let checked: DetailedPeerCertificate | undefined;
    if (security.sessions !== undefined) {
      const sessions = security.sessions;
      tls.on('session', (session: Buffer) => {
        if (checked !== undefined) sessions.set(sessionKey, { ticket: session, certificate: checked });
      });
    }
    const onError = (error: Error): void => {
      tls.destroy();
      reject(handshakeError(error, `${target.host}:${target.port}`, target.via));
    };
    const onClose = (): void => {
      reject(handshakeError(new Error('the connection closed during the handshake'), `${target.host}:${target.port}`, target.via));
    };
    tls.once('error', onError);
    tls.once('close', onClose);
    tls.once('secureConnect', () => {
      tls.off('error', onError);
      tls.off('close', onClose);
      if (tls.isSessionReused() && ticket !== undefined) {
        // The session was made with a server that passed every check below, and only that
        // server holds the key to resume it (RFC 8446 2.2).
        checkedCertificate.set(tls, ticket.certificate);
        checked = ticket.certificate;
        resolve(tls);
        return;
      }
      // The chain (issuer links) only for a validator of the user's; the checks here need the leaf.
      const certificate = peerCertificateOf(tls, security.validate !== undefined);
      const refusal = checkServer(tls, certificate, security, identity, authority);
      if (refusal !== undefined) {
        security.sessions?.delete(sessionKey);
        tls.destroy();
        reject(refusal);
        return;
      }
      checked = certificate;
      if (certificate !== undefined) checkedCertificate.set(tls, certificate);
      resolve(tls);
    });
  });
}

function checkServer(
  tls: TLSSocket,
  certificate: DetailedPeerCertificate | undefined,
  security: ResolvedClientSecurity,
  identity: string,
  authority: string,
): SessionError | undefined {
  if (certificate === undefined) {
    return new SessionError(
      SessionErrorCodes.SECURITY_NEGOTIATION_FAILED,
      `Could not establish trust relationship for the SSL/TLS secure channel with authority '${authority}'. The server sent no certificate.`,
    );
  }
  const context: CertificateCheckContext = { authorized: tls.authorized, authorizationError: authorizationErrorOf(tls) };
  if (security.validate !== undefined) {
    let accepted = false;
    let cause: unknown;
    try {
      accepted = security.validate(certificate, context);
    } catch (error) {
      cause = error;
    }
    if (!accepted) {
      return new SessionError(
        SessionErrorCodes.SECURITY_NEGOTIATION_FAILED,
        `Could not establish trust relationship for the SSL/TLS secure channel with authority '${authority}'. validateServerCertificate refused the certificate ${subjectOf(certificate)}${cause === undefined ? '' : `: ${cause instanceof Error ? cause.message : String(cause)}`}.`,
        { cause },
      );
    }
  } else if (!context.authorized) {
    return new SessionError(
      SessionErrorCodes.SECURITY_NEGOTIATION_FAILED,
      `Could not establish trust relationship for the SSL/TLS secure channel with authority '${authority}'. The X.509 certificate ${subjectOf(certificate)} chain building failed (${context.authorizationError ?? 'not trusted'}). Pass the CA that issued the service's certificate as security.ca, or replace the certificate.`,
    );
  }
  if (checkServerIdentity(identity, certificate) !== undefined) {
    const claim = dnsClaimOf(certificate);
    const message =
      claim === undefined
        ? `The Identity check failed for the outgoing message. The remote endpoint did not provide a domain name system (DNS) claim and therefore did not satisfied DNS identity '${identity}'. This may be caused by lack of DNS or CN name in the remote endpoint X.509 certificate's distinguished name.`
        : `Identity check failed for outgoing message. The expected DNS identity of the remote endpoint was '${identity}' but the remote endpoint provided DNS claim '${claim}'. If this is a legitimate remote endpoint, you can fix the problem by explicitly specifying DNS identity '${claim}' as the Identity property of EndpointAddress when creating channel proxy. (Here: security.dnsIdentity.)`;
    return new SessionError(SessionErrorCodes.IDENTITY_CHECK_FAILED, message);
  }
  return undefined;
}

function handshakeError(error: Error, authority: string, via: string): SessionError {
  return new SessionError(
    SessionErrorCodes.SECURITY_NEGOTIATION_FAILED,
    `The TLS handshake with ${authority} for ${via} failed: ${error.message}. The server may not accept this client's TLS versions, ciphers or certificate.`,
    { cause: error },
  );
}

/**
 * @internal What a secured socket negotiated. `peerCertificate` is read once, here, while the
 * connection is open (Node can no longer read it after close); a server that asks for no client
 * certificate skips it, since turning a certificate into an object is costly.
 */
export function securityInfoOf(socket: TLSSocket, peerCertificate: 'read' | 'none'): TransportSecurityInfo {
  return {
    protocol: socket.getProtocol() ?? '',
    cipher: socket.getCipher()?.standardName ?? '',
    resumed: socket.isSessionReused(),
    peerCertificate: peerCertificate === 'read' ? peerCertificateOf(socket, true) : undefined,
  };
}

// The server certificate a client socket was checked with: from its handshake, or for a resumed
// session from the session it resumes (a resumed handshake carries none).
const checkedCertificate = new WeakMap<TLSSocket, DetailedPeerCertificate>();

function peerCertificateOf(socket: TLSSocket, detailed: boolean): DetailedPeerCertificate | undefined {
  const known = checkedCertificate.get(socket);
  if (known !== undefined) return known;
  // Without `detailed` the result has no issuerCertificate links; the fields read here are there.
  const certificate = socket.getPeerCertificate(detailed) as DetailedPeerCertificate;
  // Node returns an empty object when the peer sent none.
  return certificate !== null && Object.keys(certificate).length > 0 ? certificate : undefined;
}

function authorizationErrorOf(socket: TLSSocket): string | undefined {
  const error: unknown = socket.authorizationError;
  if (error === null || error === undefined) return undefined;
  return error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
}

function subjectOf(certificate: PeerCertificate): string {
  const cn = certificate.subject?.CN;
  return `'CN=${Array.isArray(cn) ? cn.join(', ') : (cn ?? '')}'`;
}

/** The DNS claim WCF reads from a certificate: the first DNS subjectAltName, else the CN. */
function dnsClaimOf(certificate: PeerCertificate): string | undefined {
  const dns = certificate.subjectaltname
    ?.split(', ')
    .find((name) => name.startsWith('DNS:'))
    ?.slice(4);
  if (dns !== undefined) return dns;
  const cn = certificate.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
