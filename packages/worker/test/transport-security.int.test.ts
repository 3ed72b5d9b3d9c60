// Transport security (application/ssl-tls) between the SDK's client and server, over real TCP,
// directly and through the sharing service (handed-off and proxied), with certificates made by
// openssl: the handshake, what each side learns of the other, and every refusal a user meets,
// with its code and its text on both sides. The wire itself is checked against an independent
// peer (Python's ssl) and Wireshark's dissector in packages/interop.
import { X509Certificate } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { encodePreamble, FaultUri, KnownEncoding, Mode, UpgradeProtocol } from '@portshare/framing';
import { makeTestPki, type TestPki } from '@portshare/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectSession,
  type ClientSecurityOptions,
  NetTcpServer,
  type ServerSecurityOptions,
  type ServerSession,
  type SessionError,
  SessionErrorCodes,
  SessionServer,
  type SessionServerOptions,
} from '../src/index.js';
import { freePort, makeHome, startDaemon, type DaemonProcess } from './helpers.js';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki.remove());

interface Running {
  port: number;
  via: string;
  sessions: ServerSession[];
  errors: SessionError[];
  close(): Promise<void>;
}

const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.close();
});

/** A SessionServer on its own port that echoes each envelope with a prefix. */
async function startEcho(security: ServerSecurityOptions | undefined, extra: Partial<SessionServerOptions> = {}): Promise<Running> {
  const sessions: ServerSession[] = [];
  const errors: SessionError[] = [];
  const server = new SessionServer({ acceptVia: () => true, ...(security === undefined ? {} : { security }), ...extra });
  server.on('session', (session) => {
    sessions.push(session);
    void (async () => {
      for await (const payload of session) await session.send(Buffer.concat([Buffer.from('echo:'), payload]));
      await session.close();
    })().catch(() => session.abort());
  });
  server.on('connectionError', (error) => errors.push(error));
  const tcp: Server = createServer((socket) => server.handle(socket));
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const port = (tcp.address() as { port: number }).port;
  const r: Running = {
    port,
    via: `net.tcp://localhost:${port}/secure/echo`,
    sessions,
    errors,
    close: async () => {
      await server.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
  running.push(r);
  return r;
}

async function echo(via: string, security: ClientSecurityOptions | undefined, text = 'hello'): Promise<string> {
  const session = await connectSession(via, { host: '127.0.0.1', ...(security === undefined ? {} : { security }) });
  await session.send(Buffer.from(text));
  const reply = await session[Symbol.asyncIterator]().next();
  await session.close();
  return (reply.value as Buffer).toString();
}

const serverCredential = (): ServerSecurityOptions => ({ certificate: pki.server.certificate, key: pki.server.key });

/** Waits until the server has reported `n` connection errors. */
async function errorsOf(r: Running, n = 1): Promise<SessionError[]> {
  for (let i = 0; i < 200 && r.errors.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return r.errors;
}

describe('TLS sessions between the SDK client and server', () => {
  it('upgrades, runs the session inside TLS 1.3, and tells each side what was negotiated', async () => {
    const r = await startEcho(serverCredential());
    const session = await connectSession(r.via, { host: '127.0.0.1', security: { ca: pki.ca } });
    expect(session.security).toMatchObject({ protocol: 'TLSv1.3' });
    expect(session.security?.peerCertificate?.subject.CN).toBe('localhost');
    for (const text of ['one', 'two', 'x'.repeat(60_000)]) {
      await session.send(Buffer.from(text));
      const reply = await session[Symbol.asyncIterator]().next();
      expect((reply.value as Buffer).toString()).toBe(`echo:${text}`);
    }
    await session.close();
    expect(r.sessions[0]?.security).toMatchObject({ protocol: 'TLSv1.3', peerCertificate: undefined });
    expect(r.sessions[0]?.security?.cipher).toMatch(/^TLS_/);
    // A secured connection is not pooled: the server closes it after the session.
    await new Promise<void>((resolve) => {
      if (session.socket.destroyed) resolve();
      else session.socket.once('close', () => resolve());
    });
    expect(r.errors).toEqual([]);
  });

  it('serves many secured sessions at once', async () => {
    const r = await startEcho(serverCredential());
    const replies = await Promise.all(Array.from({ length: 24 }, (_, i) => echo(r.via, { ca: pki.ca }, `m${i}`)));
    expect(replies).toEqual(Array.from({ length: 24 }, (_, i) => `echo:m${i}`));
  });

  it('takes the server credential as PKCS#12 with its passphrase, and TLS 1.2 when a side asks for it', async () => {
    const r = await startEcho({ pfx: pki.serverPfx, passphrase: pki.pfxPassphrase });
    expect(await echo(r.via, { ca: pki.ca })).toBe('echo:hello');
    const session = await connectSession(r.via, { host: '127.0.0.1', security: { ca: pki.ca, maxVersion: 'TLSv1.2' } });
    expect(session.security?.protocol).toBe('TLSv1.2');
    await session.close();
  });

  it('resumes the TLS session on the next connection with the same security object, the certificates still known on both sides', async () => {
    const r = await startEcho({ ...serverCredential(), clientCertificate: 'required', ca: pki.ca });
    const security: ClientSecurityOptions = { ca: pki.ca, certificate: pki.client.certificate, key: pki.client.key };
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const session = await connectSession(r.via, { host: '127.0.0.1', security });
      seen.push(`${session.security?.resumed} ${session.security?.peerCertificate?.subject.CN}`);
      await session.send(Buffer.from('x'));
      await session[Symbol.asyncIterator]().next();
      await session.close();
    }
    expect(seen).toEqual(['false localhost', 'true localhost', 'true localhost']);
    expect(r.sessions.map((s) => `${s.security?.resumed} ${s.security?.peerCertificate?.subject.CN}`)).toEqual([
      'false portshare-test-client',
      'true portshare-test-client',
      'true portshare-test-client',
    ]);
    // Off: every connection makes a full handshake.
    const off = { ca: pki.ca, certificate: pki.client.certificate, key: pki.client.key, sessionResumption: false };
    for (let i = 0; i < 2; i++) {
      const session = await connectSession(r.via, { host: '127.0.0.1', security: off });
      expect(session.security?.resumed).toBe(false);
      await session.close();
    }
    expect(r.errors).toEqual([]);
  });

  it('setSecurity: a renewed certificate serves new connections at once; open sessions go on; a bad one changes nothing', async () => {
    const server = new SessionServer({ acceptVia: () => true, security: { certificate: pki.expired.certificate, key: pki.expired.key } });
    const sessions: ServerSession[] = [];
    server.on('session', (session) => {
      sessions.push(session);
      void (async () => {
        for await (const payload of session) await session.send(payload);
        await session.close();
      })().catch(() => session.abort());
    });
    const tcp = createServer((socket) => server.handle(socket));
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    running.push({ close: async () => { await server.close(); await new Promise<void>((resolve) => tcp.close(() => resolve())); } });
    const via = `net.tcp://localhost:${(tcp.address() as { port: number }).port}/renewed`;
    // A client that accepts the expired certificate keeps its session across the renewal.
    const old = await connectSession(via, { host: '127.0.0.1', security: { validateServerCertificate: () => true } });
    await expect(echo(via, { ca: pki.ca })).rejects.toMatchObject({ message: expect.stringContaining('CERT_HAS_EXPIRED') });
    expect(() => server.setSecurity({ certificate: pki.server.certificate, key: pki.client.key })).toThrow(
      expect.objectContaining({ code: SessionErrorCodes.INVALID_OPTION }),
    );
    await expect(echo(via, { ca: pki.ca })).rejects.toMatchObject({ message: expect.stringContaining('CERT_HAS_EXPIRED') });
    server.setSecurity(serverCredential());
    expect(await echo(via, { ca: pki.ca })).toBe('hello');
    await old.send(Buffer.from('still here'));
    expect(((await old[Symbol.asyncIterator]().next()).value as Buffer).toString()).toBe('still here');
    await old.close();
  });

  it('refuses a bad server credential when the server is made, not at the first client', () => {
    expect(() => new SessionServer({ acceptVia: () => true, security: { certificate: pki.server.certificate } })).toThrow(
      expect.objectContaining({ code: SessionErrorCodes.INVALID_OPTION, message: expect.stringContaining('certificate and key') }),
    );
    expect(
      () => new SessionServer({ acceptVia: () => true, security: { certificate: pki.server.certificate, key: pki.client.key } }),
    ).toThrow(expect.objectContaining({ code: SessionErrorCodes.INVALID_OPTION, message: expect.stringContaining('belong together') }));
    expect(
      () => new SessionServer({ acceptVia: () => true, security: { pfx: pki.serverPfx, passphrase: 'wrong' } }),
    ).toThrow(expect.objectContaining({ code: SessionErrorCodes.INVALID_OPTION }));
    expect(
      () => new SessionServer({ acceptVia: () => true, security: { ...serverCredential(), clientCertificate: 'sometimes' as never } }),
    ).toThrow(expect.objectContaining({ code: SessionErrorCodes.INVALID_OPTION, message: expect.stringContaining("'required'") }));
  });

  it('refuses security with keepSocketOpen on the client (a TLS connection is not pooled)', async () => {
    await expect(
      connectSession('net.tcp://localhost:1/x', { security: {}, keepSocketOpen: true }),
    ).rejects.toMatchObject({ code: SessionErrorCodes.INVALID_OPTION, message: expect.stringContaining('not pooled') });
  });
});

describe('the server certificate, as the client checks it', () => {
  it('an untrusted CA: "Could not establish trust relationship" naming the authority', async () => {
    const r = await startEcho({ certificate: pki.untrusted.certificate, key: pki.untrusted.key });
    await expect(echo(r.via, { ca: pki.ca })).rejects.toMatchObject({
      code: SessionErrorCodes.SECURITY_NEGOTIATION_FAILED,
      message: expect.stringMatching(
        new RegExp(`^Could not establish trust relationship for the SSL/TLS secure channel with authority 'localhost:${r.port}'\\. The X\\.509 certificate 'CN=localhost' chain building failed \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\\)`),
      ),
    });
  });

  it('an expired certificate: the same, with CERT_HAS_EXPIRED', async () => {
    const r = await startEcho({ certificate: pki.expired.certificate, key: pki.expired.key });
    await expect(echo(r.via, { ca: pki.ca })).rejects.toMatchObject({
      code: SessionErrorCodes.SECURITY_NEGOTIATION_FAILED,
      message: expect.stringContaining('(CERT_HAS_EXPIRED)'),
    });
  });

  it("another name: WCF's DNS identity text; dnsIdentity accepts it; a validator may decide instead of the CA", async () => {
    const r = await startEcho({ certificate: pki.otherName.certificate, key: pki.otherName.key });
    await expect(echo(r.via, { ca: pki.ca })).rejects.toMatchObject({
      code: SessionErrorCodes.IDENTITY_CHECK_FAILED,
      message: expect.stringContaining(
        "Identity check failed for outgoing message. The expected DNS identity of the remote endpoint was 'localhost' but the remote endpoint provided DNS claim 'other.example'.",
      ),
    });
    expect(await echo(r.via, { ca: pki.ca, dnsIdentity: 'other.example' })).toBe('echo:hello');
    const untrusted = await startEcho({ certificate: pki.untrusted.certificate, key: pki.untrusted.key });
    const pinned = new X509Certificate(pki.untrusted.certificate).fingerprint256;
    const seen: boolean[] = [];
    expect(
      await echo(untrusted.via, {
        validateServerCertificate: (certificate, context) => {
          seen.push(context.authorized);
          return certificate.fingerprint256 === pinned;
        },
      }),
    ).toBe('echo:hello');
    expect(seen).toEqual([false]);
    await expect(echo(untrusted.via, { validateServerCertificate: () => false })).rejects.toMatchObject({
      code: SessionErrorCodes.SECURITY_NEGOTIATION_FAILED,
      message: expect.stringContaining('validateServerCertificate refused the certificate'),
    });
  });

  it('TLS versions that do not meet fail on both sides with the reason', async () => {
    const r = await startEcho({ ...serverCredential(), minVersion: 'TLSv1.3' });
    await expect(echo(r.via, { ca: pki.ca, maxVersion: 'TLSv1.2' })).rejects.toMatchObject({
      code: SessionErrorCodes.SECURITY_NEGOTIATION_FAILED,
      message: expect.stringMatching(/^The TLS handshake with 127\.0\.0\.1:\d+ for net\.tcp:\/\/localhost:\d+\/secure\/echo failed: .*protocol version/),
    });
    const [error] = await errorsOf(r);
    expect(error).toMatchObject({
      code: SessionErrorCodes.SECURITY_NEGOTIATION_FAILED,
      message: expect.stringContaining('The TLS handshake with a client of net.tcp://localhost:'),
    });
  });
});

describe('client certificates', () => {
  it("required: the client's certificate reaches the session; none, or an untrusted one, is refused on both sides", async () => {
    const r = await startEcho({ ...serverCredential(), clientCertificate: 'required', ca: pki.ca });
    const session = await connectSession(r.via, {
      host: '127.0.0.1',
      security: { ca: pki.ca, certificate: pki.client.certificate, key: pki.client.key },
    });
    await session.close();
    expect(r.sessions[0]?.security?.peerCertificate?.subject.CN).toBe('portshare-test-client');

    await expect(echo(r.via, { ca: pki.ca })).rejects.toMatchObject({
      code: SessionErrorCodes.SECURITY_NEGOTIATION_FAILED,
      message: expect.stringContaining('It may require a client certificate this client did not send'),
    });
    expect((await errorsOf(r, 1))[0]).toMatchObject({
      code: SessionErrorCodes.SECURITY_NEGOTIATION_FAILED,
      message: expect.stringContaining('The client sent no certificate, and this service requires one'),
    });
    await expect(
      echo(r.via, { ca: pki.ca, certificate: pki.untrustedClient.certificate, key: pki.untrustedClient.key }),
    ).rejects.toMatchObject({ code: SessionErrorCodes.SECURITY_NEGOTIATION_FAILED });
    expect((await errorsOf(r, 2))[1]).toMatchObject({
      code: SessionErrorCodes.SECURITY_NEGOTIATION_FAILED,
      message: expect.stringContaining("The X.509 certificate 'CN=portshare-test-client' chain building failed"),
    });
  });

  it('optional: a client without one is served; a validator decides about the ones sent', async () => {
    const pinned = new X509Certificate(pki.untrustedClient.certificate).fingerprint256;
    const r = await startEcho({
      ...serverCredential(),
      clientCertificate: 'optional',
      validateClientCertificate: (certificate) => certificate.fingerprint256 === pinned,
    });
    expect(await echo(r.via, { ca: pki.ca })).toBe('echo:hello');
    expect(
      await echo(r.via, { ca: pki.ca, certificate: pki.untrustedClient.certificate, key: pki.untrustedClient.key }),
    ).toBe('echo:hello');
    await expect(
      echo(r.via, { ca: pki.ca, certificate: pki.client.certificate, key: pki.client.key }),
    ).rejects.toMatchObject({ code: SessionErrorCodes.SECURITY_NEGOTIATION_FAILED });
    expect((await errorsOf(r))[0]?.message).toContain('was refused by validateClientCertificate');
  });
});

describe('mismatched bindings', () => {
  it("a secured client at a clear-text service: the UpgradeInvalid fault and WCF's text on both sides", async () => {
    const r = await startEcho(undefined);
    await expect(echo(r.via, { ca: pki.ca })).rejects.toMatchObject({
      code: SessionErrorCodes.UPGRADE_INVALID,
      faultUri: FaultUri.UpgradeInvalid,
      message: `The requested upgrade is not supported by '${r.via}'. This could be due to mismatched bindings (for example security enabled on the client and not on the server).`,
    });
    expect((await errorsOf(r))[0]).toMatchObject({
      code: SessionErrorCodes.UPGRADE_INVALID,
      message: expect.stringContaining('.Net Framing upgrade request for application/ssl-tls was sent to a service that is not setup to receive upgrades'),
    });
  });

  it('a clear-text client at a secured service: aborted without a fault (as WCF), with the reason on each side', async () => {
    const r = await startEcho(serverCredential());
    await expect(echo(r.via, undefined)).rejects.toMatchObject({
      code: SessionErrorCodes.CONNECTION_CLOSED,
      message: expect.stringContaining('or it requires transport security (give the security option)'),
    });
    expect((await errorsOf(r))[0]).toMatchObject({
      code: SessionErrorCodes.SECURITY_REQUIRED,
      message: expect.stringContaining(`Stream Security is required at ${r.via}, but no security context was negotiated.`),
    });
  });

  it('Windows credentials (application/negotiate) at a secured service: the UpgradeInvalid fault', async () => {
    const r = await startEcho(serverCredential());
    const reply = await rawExchange(r.port, encodePreamble({ mode: Mode.Duplex, via: r.via, encoding: KnownEncoding.BinarySession, upgrade: UpgradeProtocol.Negotiate }));
    expect(reply[0]).toBe(0x08);
    expect(reply.toString('latin1')).toContain('UpgradeInvalid');
    expect((await errorsOf(r))[0]?.message).toContain(
      'Protocol Type application/negotiate was sent to a service that does not support that type of upgrade',
    );
  });
});

describe('hostile clients at a secured service', () => {
  it('garbage instead of a ClientHello, or a handshake that never finishes, costs only that connection', async () => {
    const r = await startEcho(serverCredential(), { channelInitializationTimeoutMs: 300 });
    const upgrade = encodePreamble({ mode: Mode.Duplex, via: r.via, encoding: KnownEncoding.BinarySession, upgrade: UpgradeProtocol.SslTls });
    const garbage = await rawExchange(r.port, Buffer.concat([upgrade, Buffer.from('GET / HTTP/1.1\r\n\r\n')]));
    expect(garbage[0]).toBe(0x0a); // the UpgradeResponse; then the TLS layer refuses the bytes
    const silent = await rawExchange(r.port, upgrade);
    expect([...silent]).toEqual([0x0a]);
    const errors = await errorsOf(r, 2);
    expect(errors.map((e) => e.code).sort()).toEqual([SessionErrorCodes.CHANNEL_INIT_TIMEOUT, SessionErrorCodes.SECURITY_NEGOTIATION_FAILED].sort());
    // The server still serves.
    expect(await echo(r.via, { ca: pki.ca })).toBe('echo:hello');
  });
});

describe('through the sharing service', () => {
  let daemon: DaemonProcess | undefined;
  let cleanup: (() => void) | undefined;
  let home = '';
  beforeAll(async () => {
    const made = makeHome();
    home = made.home;
    cleanup = made.cleanup;
    daemon = await startDaemon(home);
  });
  afterAll(async () => {
    await daemon?.kill('SIGKILL');
    cleanup?.();
  });

  for (const forceProxy of [false, true]) {
    it(`a secured TypeScript service on the shared port (${forceProxy ? 'proxied' : 'handed off'})`, async () => {
      const port = await freePort();
      const via = `net.tcp://localhost:${port}/secure/${forceProxy ? 'proxied' : 'handoff'}`;
      const server = await NetTcpServer.listen({ uri: via, portSharingEnabled: true, home, forceProxy, security: serverCredential() });
      running.push(server);
      const infos: string[] = [];
      server.on('session', (session, info) => {
        infos.push(`${info.transport}:${info.via ?? ''}:${session.security?.protocol ?? ''}`);
        void (async () => {
          for await (const payload of session) await session.send(Buffer.concat([Buffer.from('shared:'), payload]));
          await session.close();
        })().catch(() => session.abort());
      });
      expect(await echo(via, { ca: pki.ca })).toBe('shared:hello');
      expect(infos).toEqual([`${forceProxy ? 'proxy' : 'fd'}:${via}:TLSv1.3`]);
    });
  }
});

/** Writes bytes on a fresh connection and returns everything the server sent until it closed. */
function rawExchange(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ port, host: '127.0.0.1' }, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.setTimeout(10_000, () => reject(new Error('no close within 10 s')));
  });
}
