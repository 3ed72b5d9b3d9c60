// The service host over real sockets, through a real sharing daemon: one call to a running
// service, the operation's context, one message-size setting for both layers, a preamble that
// refuses what the host cannot serve, errors as events, transport security, and a graceful close
// that answers the call in flight.
import { createRequire } from 'node:module';
import { KnownEncoding, Mode } from '@portshare/framing';
import { createClient, defineContract, FaultException, implement, OperationContext } from '@portshare/soap';
import { freePort, makeInstance, makeTestPki, startDaemon, type DaemonProcess, type TestPki } from '@portshare/test-utils';
import { connectSession, SessionErrorCodes } from '@portshare/worker';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HostErrorCodes, ServiceHost, type ServiceHostOptions } from '../src/index.js';

const SERVICE_MAIN = createRequire(import.meta.url).resolve('@portshare/service/main');

const IHostTest = defineContract({
  name: 'IHostTest',
  namespace: 'http://example.org/host',
  operations: {
    Echo: { params: [['text', 'string']], returns: 'string' },
    Whoami: { params: [], returns: 'string' },
    Slow: { params: [['ms', 'int']], returns: 'int' },
    Crash: { params: [], returns: 'int' },
  },
});

const implementation = implement(IHostTest, {
  Echo: (text) => text,
  Whoami: () => {
    const c = OperationContext.current;
    return `${c?.sessionId}|${c?.remoteAddress}|${c?.via}|${c?.security?.protocol ?? 'clear'}`;
  },
  Slow: async (ms) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return ms;
  },
  Crash: () => {
    throw new RangeError('the operation broke');
  },
});

let daemon: DaemonProcess;
let home: string;
let cleanup: () => void;
let pki: TestPki;
const hosts: ServiceHost[] = [];

beforeAll(async () => {
  ({ home, cleanup } = makeInstance({ serviceMain: SERVICE_MAIN, prefix: 'psh-' }));
  daemon = await startDaemon(home, SERVICE_MAIN);
  pki = makeTestPki();
});
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close({ timeoutMs: 2000 });
});
afterAll(async () => {
  await daemon.kill('SIGKILL');
  cleanup();
  pki.remove();
});

async function open(extra: Partial<ServiceHostOptions> = {}): Promise<{ host: ServiceHost; address: string }> {
  const port = await freePort();
  const address = `net.tcp://localhost:${port}/host/test`;
  const host = await ServiceHost.open({ address, services: [implementation], portSharingEnabled: true, home, ...extra });
  hosts.push(host);
  return { host, address };
}

async function client(address: string, security?: { ca: string }) {
  const session = await connectSession(address, { host: '127.0.0.1', maxMessageSize: 1 << 20, ...(security ? { security } : {}) });
  return { session, proxy: createClient(IHostTest, session, { quotas: { maxReceivedMessageSize: 1 << 20, maxStringContentLength: 1 << 20 } }) };
}

describe('ServiceHost', () => {
  it('one call opens a shared-port service; operations see their session id, the client address and the via', async () => {
    const { address } = await open();
    const a = await client(address);
    const b = await client(address);
    const [first, again, other] = [String(await a.proxy.Whoami()), String(await a.proxy.Whoami()), String(await b.proxy.Whoami())];
    expect(first).toMatch(new RegExp(`^uuid:[0-9a-f-]{36};id=\\d+\\|127\\.0\\.0\\.1\\|${address.replace(/[./]/g, '\\$&')}\\|clear$`));
    expect(again).toBe(first);
    expect(other.split('|')[0]).not.toBe(first.split('|')[0]);
    await a.session.close();
    await b.session.close();
  });

  it('maxReceivedMessageSize reaches both layers: 70,000 characters fail at the default (the framing fault), pass when raised with the string quota', async () => {
    const big = 'x'.repeat(70_000);
    const small = await open();
    const c = await client(small.address);
    await expect(c.proxy.Echo(big)).rejects.toMatchObject({ cause: expect.objectContaining({ code: SessionErrorCodes.MESSAGE_TOO_LARGE }) });
    const raised = await open({ maxReceivedMessageSize: 1 << 20, readerQuotas: { maxStringContentLength: 1 << 20 } });
    const d = await client(raised.address);
    expect(await d.proxy.Echo(big)).toBe(big);
    await d.session.close();
    // The size alone is not enough, as in WCF: the string quota refuses that request with a
    // DeserializationFailed fault, and the session goes on.
    const sizeOnly = await open({ maxReceivedMessageSize: 1 << 20 });
    const errors: unknown[] = [];
    sizeOnly.host.on('operationError', (error) => errors.push(error));
    const e = await client(sizeOnly.address);
    await expect(e.proxy.Echo(big)).rejects.toMatchObject({ faultCode: { subcode: { name: 'DeserializationFailed' } } });
    expect(errors).toEqual([expect.objectContaining({ code: 'SOAP_ERR_STRING_CONTENT_TOO_LONG' })]);
    expect(await e.proxy.Echo('after')).toBe('after');
    await e.session.close();
  });

  it("streamed transfer's singleton mode with the sessionless binary encoding: one call per connection; MTOM gets ContentTypeInvalid", async () => {
    const { address } = await open();
    for (const text of ['first', 'second']) {
      const session = await connectSession(address, { host: '127.0.0.1', mode: Mode.SingletonUnsized });
      expect(session.encoding).toBe('application/soap+msbin1');
      expect(await createClient(IHostTest, session).Echo(text)).toBe(text);
      await session.close();
    }
    await expect(connectSession(address, { host: '127.0.0.1', encoding: KnownEncoding.Mtom })).rejects.toMatchObject({
      code: SessionErrorCodes.CONTENT_TYPE_INVALID,
    });
  });

  it('serves the SOAP 1.2 text encoding too (TextMessageEncoding over TCP); SOAP 1.1 text gets ContentTypeInvalid', async () => {
    const { address } = await open();
    const session = await connectSession(address, { host: '127.0.0.1', encoding: KnownEncoding.Soap12Utf8 });
    expect(session.encoding).toBe('application/soap+xml; charset=utf-8');
    const proxy = createClient(IHostTest, session);
    expect(await proxy.Echo('in text <&>')).toBe('in text <&>');
    expect(String(await proxy.Whoami()).split('|')[2]).toBe(address);
    await session.close();
    await expect(connectSession(address, { host: '127.0.0.1', encoding: KnownEncoding.Soap11Utf8 })).rejects.toMatchObject({
      code: SessionErrorCodes.CONTENT_TYPE_INVALID,
    });
  });

  it("an operation's unhandled error: the client gets WCF's InternalServiceFault, the host an operationError naming the session", async () => {
    const { host, address } = await open();
    const seen: { error: unknown; operation: string | undefined; sessionId: string | undefined }[] = [];
    host.on('operationError', (error, context) => seen.push({ error, operation: context.operation, sessionId: context.session.sessionId }));
    const c = await client(address);
    const id = String(await c.proxy.Whoami()).split('|')[0];
    await expect(c.proxy.Crash()).rejects.toBeInstanceOf(FaultException);
    expect(seen).toEqual([{ error: expect.objectContaining({ message: 'the operation broke' }), operation: 'Crash', sessionId: id }]);
    expect(await c.proxy.Echo('the session goes on')).toBe('the session goes on');
    await c.session.close();
  });

  it('transport security: the option reaches the connections, and the operation sees TLS', async () => {
    const { address } = await open({ security: { certificate: pki.server.certificate, key: pki.server.key } });
    const c = await client(address, { ca: pki.ca });
    expect(String(await c.proxy.Whoami()).split('|')[3]).toBe('TLSv1.3');
    await c.session.close();
  });

  it('close(): the call in flight is answered, the session ends with End, new connections go nowhere', async () => {
    const { host, address } = await open();
    const c = await client(address);
    const slow = c.proxy.Slow(300);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = host.close();
    expect(host.state).toBe('closing');
    expect(await slow).toBe(300);
    await closing;
    expect(host.state).toBe('closed');
    expect(host.activeSessions).toBe(0);
    // The session ended from the host's side: the client's next call fails.
    await expect(c.proxy.Echo('late')).rejects.toBeDefined();
    // Unregistered: the daemon no longer listens on a port nobody registered on.
    await expect(connectSession(address, { host: '127.0.0.1' })).rejects.toMatchObject({ code: SessionErrorCodes.CONNECTION_REFUSED });
  });

  it('close() past its timeout aborts what is left and says so; waitForSessions lets clients end their sessions', async () => {
    const { host, address } = await open();
    const timeouts: unknown[] = [];
    host.on('closeTimeout', (error) => timeouts.push(error));
    const c = await client(address);
    // Settled as soon as the session is aborted, during close().
    const slow = c.proxy.Slow(2000).then(
      () => 'answered',
      (error: { code?: string }) => error.code,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await host.close({ timeoutMs: 200 });
    expect(timeouts).toEqual([expect.objectContaining({ code: HostErrorCodes.CLOSE_TIMEOUT })]);
    expect(await slow).toBe('SOAP_ERR_CHANNEL_CLOSED');

    const patient = await open();
    const d = await client(patient.address);
    expect(await d.proxy.Echo('one')).toBe('one');
    let closed = false;
    const closing = patient.host.close({ waitForSessions: true, timeoutMs: 5000 }).then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Still serving the open session between its calls.
    expect(await d.proxy.Echo('two')).toBe('two');
    expect(closed).toBe(false);
    await d.session.close();
    await closing;
    expect(closed).toBe(true);
  });

  it('bad options are refused before anything listens', async () => {
    await expect(ServiceHost.open({ address: '', services: [implementation] })).rejects.toMatchObject({ code: HostErrorCodes.INVALID_OPTION });
    await expect(ServiceHost.open({ address: 'net.tcp://localhost:1/x', services: [] })).rejects.toMatchObject({
      code: HostErrorCodes.INVALID_OPTION,
      message: expect.stringContaining('implement(IContract'),
    });
    await expect(
      ServiceHost.open({ address: 'net.tcp://localhost:1/x', services: [implementation], maxReceivedMessageSize: 0 }),
    ).rejects.toMatchObject({ code: HostErrorCodes.INVALID_OPTION, message: expect.stringContaining('maxReceivedMessageSize') });
    await expect(
      ServiceHost.open({ address: 'net.tcp://localhost:1/x', services: [implementation], security: { certificate: pki.server.certificate } }),
    ).rejects.toMatchObject({ code: SessionErrorCodes.INVALID_OPTION });
  });
});
