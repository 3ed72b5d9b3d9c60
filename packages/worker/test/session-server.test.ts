/**
 * SessionServer over real TCP on loopback: the preamble state machine, the session, the faults it
 * sends (checked on the wire and as decoded by connectSession), pooling, singleton mode, and a real
 * Mono client's bytes.
 */

import { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  encodeEnd,
  encodeFault,
  encodePreamble,
  encodeSizedEnvelope,
  encodeUnsizedEnvelope,
  FaultUri,
  faultMessage,
  KnownEncoding,
  Mode,
  type ParsedVia,
  UpgradeProtocol,
} from '@portshare/framing';
import { connectSession, type ServerSession, SessionErrorCodes, SessionServer } from '../src/session/index.js';
import { faultReceivedError } from '../src/session/faults.js';
import {
  collect,
  decodeServerBytes,
  echo,
  type Harness,
  rawConnect,
  rejection,
  sleep,
  startServer,
  until,
} from './fixtures/session-harness.js';
import { MONO_CLIENT_RECORDS, MONO_CLIENT_STREAM, MONO_ENVELOPE_PAYLOADS } from './fixtures/session-mono-calculator.js';

const ACK = 0x0b;
const END = encodeEnd();

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function serve(options: Parameters<typeof startServer>[0] = {}): Promise<Harness> {
  harness = await startServer(options);
  return harness;
}

describe('duplex session', () => {
  it('acknowledges the preamble, delivers envelopes both ways and answers End with End', async () => {
    const h = await serve();
    h.server.on('session', (session) => void echo(session));
    const client = await rawConnect(h.port);
    await client.write(encodePreamble({ via: h.via() }));
    expect((await client.waitForBytes(1))[0]).toBe(ACK);
    await client.write(Buffer.concat([encodeSizedEnvelope(Buffer.from('one')), encodeSizedEnvelope(Buffer.from('two'))]));
    await client.write(END);
    const expected = Buffer.concat([
      Buffer.from([ACK]),
      encodeSizedEnvelope(Buffer.from('one')),
      encodeSizedEnvelope(Buffer.from('two')),
      END,
    ]);
    expect(await client.waitForBytes(expected.length)).toEqual(expected);
    const session = h.sessions[0] as ServerSession;
    expect(session.mode).toBe(Mode.Duplex);
    expect(session.encoding).toBe('application/soap+msbinsession1');
    expect(session.via).toBe(h.via());
    expect(session.parsedVia.path).toBe('/svc');
    expect(session.state).toBe('closed');
  });

  it('reads a preamble that arrives in 1-byte TCP segments', async () => {
    const h = await serve();
    h.server.on('session', (session) => void echo(session));
    const client = await rawConnect(h.port);
    const preamble = encodePreamble({ via: h.via() });
    for (const byte of preamble) {
      await client.write(Buffer.from([byte]));
      await sleep(1);
    }
    expect((await client.waitForBytes(1))[0]).toBe(ACK);
    const envelope = encodeSizedEnvelope(Buffer.from('split'));
    for (const byte of envelope) await client.write(Buffer.from([byte]));
    await client.waitForBytes(1 + envelope.length);
    expect(client.received().subarray(1)).toEqual(envelope);
    await client.write(END);
    await client.waitForBytes(1 + envelope.length + 1);
    expect(client.received().subarray(-1)).toEqual(END);
    expect(h.errors).toEqual([]);
  });

  it('takes envelopes and End that arrive in the same write as the preamble', async () => {
    const h = await serve();
    const payloads = h.nextSession().then((session) => collect(session));
    const client = await rawConnect(h.port);
    await client.write(
      Buffer.concat([
        encodePreamble({ via: h.via() }),
        encodeSizedEnvelope(Buffer.from('a')),
        encodeSizedEnvelope(Buffer.alloc(0)),
        encodeSizedEnvelope(Buffer.from('c')),
        END,
      ]),
    );
    expect((await payloads).map((p) => p.toString())).toEqual(['a', '', 'c']);
  });

  it("serves a real Mono client's bytes (mono-calculator.pcap): PreambleAck, both envelopes, End", async () => {
    const h = await serve({ paths: ['/calculator/4381'] });
    const received = h.nextSession().then(async (session) => {
      const payloads = await collect(session);
      await session.close();
      return { payloads, session };
    });
    const client = await rawConnect(h.port);
    await client.write(MONO_CLIENT_STREAM);
    const { payloads, session } = await received;
    await client.waitForBytes(2);
    expect(session.via).toBe('net.tcp://localhost:9000/calculator/4381');
    expect(session.encoding).toBe('application/soap+msbinsession1');
    expect(payloads).toEqual(MONO_ENVELOPE_PAYLOADS);
    expect(payloads.map((p) => p.length)).toEqual([270, 263]);
    expect(client.received()).toEqual(Buffer.from([ACK, 0x07]));
  });

  it("serves the Mono client's bytes written one record at a time", async () => {
    const h = await serve({ paths: ['/calculator/4381'] });
    const received = h.nextSession().then((session) => collect(session));
    const client = await rawConnect(h.port);
    for (const record of MONO_CLIENT_RECORDS) {
      await client.write(record.bytes);
      await sleep(1);
    }
    expect(await received).toEqual(MONO_ENVELOPE_PAYLOADS);
    expect(client.received()[0]).toBe(ACK);
  });

  it('closes a connection quietly when the client leaves before sending a byte', async () => {
    const h = await serve();
    const client = await rawConnect(h.port);
    client.socket.end();
    await client.closed;
    expect(client.received().length).toBe(0);
    expect(h.errors).toEqual([]);
  });

  it('reports a client that leaves in the middle of its preamble', async () => {
    const h = await serve();
    const client = await rawConnect(h.port);
    await client.write(encodePreamble({ via: h.via() }).subarray(0, 10));
    client.socket.end();
    const error = await h.nextError();
    expect(error.code).toBe(SessionErrorCodes.CONNECTION_CLOSED);
    expect(client.received().length).toBe(0);
  });
});

describe('faults sent by the server', () => {
  it('sends the fault, half-closes, and waits for the client to close (drain)', async () => {
    const h = await serve();
    const client = await rawConnect(h.port, { halfOpen: true });
    await client.write(encodePreamble({ via: h.via('/nowhere') }));
    await client.ended;
    expect(client.received()).toEqual(encodeFault(FaultUri.EndpointNotFound));
    // Half-closed, not closed: the server still reads (and discards) what the client sends.
    expect(client.socket.destroyed).toBe(false);
    await client.write(Buffer.from('late bytes'));
    client.socket.end();
    expect(await client.closed).toBe(false);
    const error = await h.nextError();
    expect(error.code).toBe(SessionErrorCodes.ENDPOINT_NOT_FOUND);
    expect(error.faultUri).toBe(FaultUri.EndpointNotFound);
  });

  it('EndpointNotFound for a via that is not served', async () => {
    const h = await serve();
    const via = h.via('/other');
    const error = await rejection(connectSession(via));
    expect(error.code).toBe(SessionErrorCodes.ENDPOINT_NOT_FOUND);
    expect(error.faultUri).toBe(FaultUri.EndpointNotFound);
    expect(error.message).toBe(
      `There was no endpoint listening at ${via} that could accept the message. This is often caused by an incorrect address or SOAP action. See InnerException, if present, for more details.`,
    );
    expect((await h.nextError()).code).toBe(SessionErrorCodes.ENDPOINT_NOT_FOUND);
  });

  it('ContentTypeInvalid for an encoding that is not served', async () => {
    const h = await serve();
    const via = h.via();
    const error = await rejection(connectSession(via, { encoding: KnownEncoding.Soap12Utf8 }));
    expect(error.code).toBe(SessionErrorCodes.CONTENT_TYPE_INVALID);
    expect(error.message).toBe(
      `Content Type application/soap+xml; charset=utf-8 was not supported by service ${via}.  The client and service bindings may be mismatched.`,
    );
    const serverError = await h.nextError();
    expect(serverError.code).toBe(SessionErrorCodes.CONTENT_TYPE_INVALID);
    expect(serverError.faultUri).toBe(FaultUri.ContentTypeInvalid);
  });

  it('serves the encodings given as options, known bytes and content types alike', async () => {
    const h = await serve({ encodings: [KnownEncoding.Soap12Utf8, 'application/soap+msbinsession1+gzip'] });
    h.server.on('session', (session) => void echo(session));
    for (const encoding of [KnownEncoding.Soap12Utf8, 'application/soap+xml; charset=utf-8', 'application/soap+msbinsession1+gzip']) {
      const client = await connectSession(h.via(), { encoding });
      await client.close();
    }
    const error = await rejection(connectSession(h.via()));
    expect(error.code).toBe(SessionErrorCodes.CONTENT_TYPE_INVALID);
    expect(h.sessions.map((s) => s.encoding)).toEqual([
      'application/soap+xml; charset=utf-8',
      'application/soap+xml; charset=utf-8',
      'application/soap+msbinsession1+gzip',
    ]);
  });

  it('UnsupportedMode for a mode the server does not serve', async () => {
    const h = await serve({ modes: [Mode.Duplex] });
    const via = h.via();
    const error = await rejection(connectSession(via, { mode: Mode.SingletonUnsized }));
    expect(error.code).toBe(SessionErrorCodes.UNSUPPORTED_MODE);
    expect(error.message).toBe(faultMessage(FaultUri.UnsupportedMode, via).message);
    expect(error.message).toContain(`is not supported by '${via}'`);
  });

  it('ServiceActivationFailed when acceptVia throws', async () => {
    const h = await serve({
      acceptVia: () => {
        throw new Error('activation broke');
      },
    });
    const via = h.via();
    const error = await rejection(connectSession(via));
    expect(error.code).toBe(SessionErrorCodes.SERVICE_ACTIVATION_FAILED);
    expect(error.message).toBe(
      `The requested service, '${via}' could not be activated. See the server's diagnostic trace logs for more information.`,
    );
    const serverError = await h.nextError();
    expect(serverError.code).toBe(SessionErrorCodes.SERVICE_ACTIVATION_FAILED);
    expect((serverError.cause as Error).message).toBe('activation broke');
  });

  // Preambles our client never sends, written raw; the reply is decoded as a client decodes it.
  const rawCases: { name: string; preamble: (via: string) => Buffer; fault: string; code: string }[] = [
    {
      name: 'UpgradeInvalid for an UpgradeRequest (no transport security here)',
      preamble: (via) => encodePreamble({ via, upgrade: UpgradeProtocol.Negotiate }),
      fault: FaultUri.UpgradeInvalid,
      code: SessionErrorCodes.UPGRADE_INVALID,
    },
    {
      name: 'UpgradeInvalid for application/ssl-tls',
      preamble: (via) => encodePreamble({ via, upgrade: UpgradeProtocol.SslTls }),
      fault: FaultUri.UpgradeInvalid,
      code: SessionErrorCodes.UPGRADE_INVALID,
    },
    {
      name: 'UnsupportedVersion for major version 2',
      preamble: (via) => encodePreamble({ via, version: { major: 2, minor: 0 } }),
      fault: FaultUri.UnsupportedVersion,
      code: SessionErrorCodes.UNSUPPORTED_VERSION,
    },
    {
      name: 'UnsupportedMode for simplex (3)',
      preamble: (via) => encodePreamble({ via, mode: Mode.Simplex }),
      fault: FaultUri.UnsupportedMode,
      code: SessionErrorCodes.UNSUPPORTED_MODE,
    },
    {
      name: 'UnsupportedMode for singleton-sized (4)',
      preamble: (via) => encodePreamble({ via, mode: Mode.SingletonSized }),
      fault: FaultUri.UnsupportedMode,
      code: SessionErrorCodes.UNSUPPORTED_MODE,
    },
    {
      name: 'UnsupportedMode for a mode byte outside 1..4',
      preamble: () => Buffer.from([0x00, 0x01, 0x00, 0x01, 0x05]),
      fault: FaultUri.UnsupportedMode,
      code: SessionErrorCodes.UNSUPPORTED_MODE,
    },
  ];
  for (const testCase of rawCases) {
    it(testCase.name, async () => {
      const h = await serve();
      const via = h.via();
      const client = await rawConnect(h.port);
      await client.write(testCase.preamble(via));
      await client.ended;
      const records = decodeServerBytes(client.received());
      expect(records).toEqual([{ type: 'fault', uri: testCase.fault }]);
      const clientError = faultReceivedError(testCase.fault, via, 'application/soap+msbinsession1');
      expect(clientError.code).toBe(testCase.code);
      expect(clientError.message).toBe(faultMessage(testCase.fault, via).message);
      const serverError = await h.nextError();
      expect(serverError.code).toBe(testCase.code);
      expect(serverError.faultUri).toBe(testCase.fault);
      client.socket.end();
    });
  }

  const malformed: { name: string; bytes: Buffer }[] = [
    { name: 'a via that is not a URI', bytes: Buffer.from([0x00, 0x01, 0x00, 0x01, 0x02, 0x02, 0x03, 0x61, 0x62, 0x63]) },
    { name: 'a record other than PreambleEnd after the encoding', bytes: Buffer.concat([encodePreamble({ via: 'net.tcp://localhost/svc' }).subarray(0, -1), Buffer.from([0x06])]) },
    { name: 'a record other than Version first', bytes: Buffer.from([0x06, 0x01, 0x00]) },
  ];
  for (const testCase of malformed) {
    it(`aborts without a fault on ${testCase.name}, as WCF's preamble readers do`, async () => {
      const h = await serve();
      const client = await rawConnect(h.port);
      await client.write(testCase.bytes);
      await client.closed;
      expect(client.received().length).toBe(0);
      const error = await h.nextError();
      expect(error.code).toBe(SessionErrorCodes.PROTOCOL);
      expect(error.faultUri).toBeUndefined();
    });
  }
});

describe('limits', () => {
  it('maxMessageSize: an envelope at the limit passes, one byte more gets MaxMessageSizeExceededFault', async () => {
    const h = await serve({ maxMessageSize: 1000 });
    h.server.on('session', (session) => void echo(session).catch(() => {}));
    const client = await connectSession(h.via(), { maxMessageSize: 2000 });
    const replies = client[Symbol.asyncIterator]();
    await client.send(Buffer.alloc(1000, 1));
    expect((await replies.next()).value).toEqual(Buffer.alloc(1000, 1));
    await client.send(Buffer.alloc(1001, 2));
    const error = await rejection(replies.next());
    expect(error.code).toBe(SessionErrorCodes.MESSAGE_TOO_LARGE);
    expect(error.faultUri).toBe(FaultUri.MaxMessageSizeExceeded);
    expect(error.message).toBe(
      'The maximum message size quota for incoming messages has been exceeded for the remote channel. See the server logs for more details.',
    );
    const serverError = await h.nextError();
    expect(serverError.code).toBe(SessionErrorCodes.MESSAGE_TOO_LARGE);
    expect(serverError.faultUri).toBe(FaultUri.MaxMessageSizeExceeded);
    expect(h.server.activeSessions).toBe(0);
  });

  it('maxMessageSize bounds the sum of a singleton request’s chunks', async () => {
    const h = await serve({ maxMessageSize: 100 });
    const client = await rawConnect(h.port);
    await client.write(encodePreamble({ via: h.via(), mode: Mode.SingletonUnsized }));
    await client.waitForBytes(1);
    await client.write(encodeUnsizedEnvelope([Buffer.alloc(60), Buffer.alloc(41)]));
    await client.ended;
    expect(decodeServerBytes(client.received(), 1)).toEqual([
      { type: 'preamble-ack' },
      { type: 'fault', uri: FaultUri.MaxMessageSizeExceeded },
    ]);
    expect((await h.nextError()).code).toBe(SessionErrorCodes.MESSAGE_TOO_LARGE);
  });

  it('channelInitializationTimeoutMs: a preamble completed in time is acknowledged', async () => {
    const h = await serve({ channelInitializationTimeoutMs: 400 });
    h.server.on('session', (session) => void echo(session));
    const client = await rawConnect(h.port);
    const preamble = encodePreamble({ via: h.via() });
    await client.write(preamble.subarray(0, 5));
    await sleep(100);
    await client.write(preamble.subarray(5));
    expect((await client.waitForBytes(1))[0]).toBe(ACK);
    // The timer stops at the ack: the session outlives it.
    await sleep(500);
    await client.write(END);
    expect(await client.waitForBytes(2)).toEqual(Buffer.from([ACK, 0x07]));
    expect(h.errors).toEqual([]);
  });

  it('channelInitializationTimeoutMs: an unfinished preamble is aborted without a fault', async () => {
    const h = await serve({ channelInitializationTimeoutMs: 250 });
    const client = await rawConnect(h.port);
    await client.write(encodePreamble({ via: h.via() }).subarray(0, 10));
    await client.closed;
    expect(client.received().length).toBe(0);
    const error = await h.nextError();
    expect(error.code).toBe(SessionErrorCodes.CHANNEL_INIT_TIMEOUT);
    expect(error.message).toBe(
      'A newly accepted connection did not receive initialization data from the sender within the configured ChannelInitializationTimeout (00:00:00.2500000).  As a result, the connection will be aborted.  If you are on a highly congested network, or your sending machine is heavily loaded, consider increasing this value or load-balancing your server.',
    );
  });

  it('idleTimeoutMs: traffic keeps a session alive; silence aborts it', async () => {
    const h = await serve({ idleTimeoutMs: 600 });
    h.server.on('session', (session) => void echo(session).catch(() => {}));
    const client = await connectSession(h.via());
    const replies = client[Symbol.asyncIterator]();
    // 8 × 150 ms of traffic: twice the idle timeout in all, never 600 ms of silence.
    for (let i = 0; i < 8; i++) {
      await client.send(Buffer.from([i]));
      expect((await replies.next()).value).toEqual(Buffer.from([i]));
      await sleep(150);
    }
    const pending = rejection(replies.next());
    const serverError = await h.nextError();
    expect(serverError.code).toBe(SessionErrorCodes.IDLE_TIMEOUT);
    expect((await pending).code).toBe(SessionErrorCodes.CONNECTION_CLOSED);
  });

  it('idleTimeoutMs: a pooled connection nobody reuses is closed quietly', async () => {
    const h = await serve({ idleTimeoutMs: 250 });
    h.server.on('session', (session) => void echo(session));
    const client = await rawConnect(h.port);
    await client.write(Buffer.concat([encodePreamble({ via: h.via() }), END]));
    await client.waitForBytes(2);
    await client.ended;
    expect(client.received()).toEqual(Buffer.from([ACK, 0x07]));
    expect(h.errors).toEqual([]);
  });

  it('maxConcurrentSessions: the session over the limit waits unacknowledged for a free slot', async () => {
    const h = await serve({ maxConcurrentSessions: 2 });
    const first = await connectSession(h.via());
    const second = await connectSession(h.via());
    const s1 = await h.nextSession();
    const s2 = await h.nextSession();
    expect(h.server.activeSessions).toBe(2);
    const waiting = await rawConnect(h.port);
    await waiting.write(encodePreamble({ via: h.via() }));
    await sleep(150);
    expect(waiting.received().length).toBe(0);
    expect(h.sessions.length).toBe(2);
    await Promise.all([first.close(), s1.close()]);
    expect((await waiting.waitForBytes(1))[0]).toBe(ACK);
    const s3 = await h.nextSession();
    expect(h.server.activeSessions).toBe(2);
    await Promise.all([second.close(), s2.close()]);
    await waiting.write(END);
    await s3.close();
    expect(await waiting.waitForBytes(2)).toEqual(Buffer.from([ACK, 0x07]));
    expect(h.server.activeSessions).toBe(0);
  });

  it('maxConcurrentSessions: no slot within the channel initialization timeout → ServerTooBusy', async () => {
    const h = await serve({ maxConcurrentSessions: 1, channelInitializationTimeoutMs: 300 });
    const held = await connectSession(h.via());
    const via = h.via();
    const error = await rejection(connectSession(via));
    expect(error.code).toBe(SessionErrorCodes.SERVER_TOO_BUSY);
    expect(error.message).toBe(`Server '${via}' is too busy to process this request. Try again later.`);
    expect((await h.nextError()).code).toBe(SessionErrorCodes.SERVER_TOO_BUSY);
    expect(h.server.activeSessions).toBe(1);
    held.abort();
  });

  it('maxViaBytes: a via at the limit is read, one byte longer is aborted without a fault', async () => {
    const h = await serve({ maxViaBytes: 40, paths: ['/calculator/4381', '/calculator/43810'] });
    const atLimit = 'net.tcp://localhost:9000/calculator/4381';
    expect(Buffer.byteLength(atLimit)).toBe(40);
    const ok = await rawConnect(h.port);
    await ok.write(encodePreamble({ via: atLimit }));
    expect((await ok.waitForBytes(1))[0]).toBe(ACK);
    const over = await rawConnect(h.port);
    await over.write(encodePreamble({ via: `${atLimit}0` }));
    await over.closed;
    expect(over.received().length).toBe(0);
    const error = await h.nextError();
    expect(error.code).toBe(SessionErrorCodes.PROTOCOL);
    expect(error.message).toContain('The framing via size (41) exceeds the quota.');
    ok.socket.destroy();
  });

  it('maxContentTypeBytes: a content type at the limit is read, one byte longer is aborted', async () => {
    const contentType = 'application/soap+msbin1+gzip'; // 28 bytes
    const h = await serve({ maxContentTypeBytes: 28, encodings: [contentType] });
    const ok = await connectSession(h.via(), { encoding: contentType });
    const error = await rejection(connectSession(h.via(), { encoding: `${contentType}x`, openTimeoutMs: 5000 }));
    expect(error.code).toBe(SessionErrorCodes.CONNECTION_CLOSED);
    expect((await h.nextError()).message).toContain('The framing content type size (29) exceeds the quota.');
    ok.abort();
  });

  it('faultDrainMaxBytes: the drain takes up to the limit, one byte more aborts', async () => {
    const h = await serve({ faultDrainMaxBytes: 1000, faultDrainTimeoutMs: 10_000 });
    const client = await rawConnect(h.port, { halfOpen: true });
    await client.write(encodePreamble({ via: h.via('/nowhere') }));
    await client.ended;
    await client.write(Buffer.alloc(1000));
    await sleep(100);
    expect(h.server.connections).toBe(1);
    await client.write(Buffer.alloc(1));
    await until(() => h.server.connections === 0);
    expect(client.received()).toEqual(encodeFault(FaultUri.EndpointNotFound));
    client.socket.destroy();
  });

  it('faultDrainTimeoutMs: a client that never closes after a fault is cut off', async () => {
    const h = await serve({ faultDrainTimeoutMs: 200 });
    const client = await rawConnect(h.port, { halfOpen: true });
    const started = Date.now();
    await client.write(encodePreamble({ via: h.via('/nowhere') }));
    await client.ended;
    expect(h.server.connections).toBe(1);
    await until(() => h.server.connections === 0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(client.received()).toEqual(encodeFault(FaultUri.EndpointNotFound));
    client.socket.destroy();
  });

  it('closeTimeoutMs: close() gives up on a client that never answers End', async () => {
    const h = await serve({ closeTimeoutMs: 200 });
    const client = await rawConnect(h.port);
    await client.write(encodePreamble({ via: h.via() }));
    const session = await h.nextSession();
    const error = await rejection(session.close());
    expect(error.code).toBe(SessionErrorCodes.CLOSE_TIMEOUT);
    await client.closed;
    expect(client.received()).toEqual(Buffer.from([ACK, 0x07]));
    expect(session.state).toBe('failed');
    expect(h.server.activeSessions).toBe(0);
  });
});

describe('pooled connections', () => {
  it('runs two sessions in a row on one connection, validating the second via', async () => {
    const validated: string[] = [];
    const h = await serve({
      paths: ['/svc', '/svc2'],
      validateReusedVia: (via: ParsedVia) => {
        validated.push(via.uri);
        return Promise.resolve(true);
      },
    });
    h.server.on('session', (session) => void echo(session));
    const first = await connectSession(h.via(), { keepSocketOpen: true });
    await first.send(Buffer.from('first'));
    expect((await first[Symbol.asyncIterator]().next()).value?.toString()).toBe('first');
    await first.close();
    expect(first.socket.destroyed).toBe(false);
    const second = await connectSession(h.via('/svc2'), { socket: first.socket });
    await second.send(Buffer.from('second'));
    expect((await second[Symbol.asyncIterator]().next()).value?.toString()).toBe('second');
    await second.close();
    expect(validated).toEqual([h.via('/svc2')]);
    expect(h.sessions.map((s) => s.via)).toEqual([h.via(), h.via('/svc2')]);
    expect(h.sessions[0]?.socket).toBe(h.sessions[1]?.socket);
    expect(h.errors).toEqual([]);
  });

  it('keeps serving a connection pooled for many sessions, without piling up listeners', async () => {
    const h = await serve({ validateReusedVia: () => Promise.resolve(true) });
    h.server.on('session', (session) => void echo(session));
    let socket: Socket | undefined;
    const listenerCounts: number[] = [];
    for (let i = 0; i < 15; i++) {
      const session = await connectSession(h.via(), socket === undefined ? { keepSocketOpen: true } : { socket, keepSocketOpen: true });
      socket = session.socket;
      await session.send(Buffer.from([i]));
      expect((await session[Symbol.asyncIterator]().next()).value).toEqual(Buffer.from([i]));
      await session.close();
      listenerCounts.push(socket.listenerCount('data') + socket.listenerCount('error') + socket.listenerCount('close'));
    }
    expect(new Set(listenerCounts).size).toBe(1);
    expect(h.server.connections).toBe(1);
    expect(new Set(h.sessions.map((s) => s.socket)).size).toBe(1);
    socket?.destroy();
  });

  it('reads a new preamble that arrives in the same write as the previous End', async () => {
    const h = await serve({ paths: ['/svc', '/svc2'] });
    h.server.on('session', (session) => void echo(session));
    const client = await rawConnect(h.port);
    await client.write(Buffer.concat([encodePreamble({ via: h.via() }), encodeSizedEnvelope(Buffer.from('x')), END]));
    await client.waitForBytes(1 + 3 + 1);
    await client.write(
      Buffer.concat([encodePreamble({ via: h.via('/svc2') }), encodeSizedEnvelope(Buffer.from('y')), END]),
    );
    await client.waitForBytes(2 * (1 + 3 + 1));
    expect(client.received()).toEqual(
      Buffer.concat([
        Buffer.from([ACK]),
        encodeSizedEnvelope(Buffer.from('x')),
        END,
        Buffer.from([ACK]),
        encodeSizedEnvelope(Buffer.from('y')),
        END,
      ]),
    );
    client.socket.end();
  });

  it('aborts the connection when validateReusedVia refuses the second via', async () => {
    const h = await serve({
      paths: ['/svc', '/elsewhere'],
      validateReusedVia: (via: ParsedVia) => Promise.resolve(via.path !== '/elsewhere'),
    });
    h.server.on('session', (session) => void echo(session));
    const first = await connectSession(h.via(), { keepSocketOpen: true });
    await first.close();
    const error = await rejection(connectSession(h.via('/elsewhere'), { socket: first.socket }));
    expect(error.code).toBe(SessionErrorCodes.CONNECTION_CLOSED);
    const serverError = await h.nextError();
    expect(serverError.code).toBe(SessionErrorCodes.VIA_REJECTED);
    expect(serverError.faultUri).toBeUndefined();
  });

  it('answers EndpointNotFound when the second via is not served', async () => {
    const h = await serve();
    h.server.on('session', (session) => void echo(session));
    const first = await connectSession(h.via(), { keepSocketOpen: true });
    await first.close();
    const via = h.via('/gone');
    const error = await rejection(connectSession(via, { socket: first.socket }));
    expect(error.code).toBe(SessionErrorCodes.ENDPOINT_NOT_FOUND);
    expect(error.message).toContain(`There was no endpoint listening at ${via}`);
  });
});

describe('singleton-unsized session', () => {
  it('carries one request and one reply, then End', async () => {
    const h = await serve();
    h.server.on('session', (session) => {
      void (async () => {
        const [request] = await collect(session);
        await session.send(Buffer.concat([Buffer.from('re: '), request as Buffer]));
        await session.close();
      })();
    });
    const client = await connectSession(h.via(), { mode: Mode.SingletonUnsized });
    expect(client.mode).toBe(Mode.SingletonUnsized);
    await client.send(Buffer.from('question'));
    const reply = client[Symbol.asyncIterator]();
    expect((await reply.next()).value?.toString()).toBe('re: question');
    await client.close();
    expect((await reply.next()).done).toBe(true);
    const session = h.sessions[0] as ServerSession;
    expect(session.mode).toBe(Mode.SingletonUnsized);
    expect(session.encoding).toBe('application/soap+msbin1');
  });

  it('writes the reply as an UnsizedEnvelope followed by 00 07', async () => {
    const h = await serve();
    h.server.on('session', (session) => {
      void (async () => {
        await collect(session);
        await session.send(Buffer.from('reply'));
        await session.close();
      })();
    });
    const client = await rawConnect(h.port);
    await client.write(
      Buffer.concat([
        encodePreamble({ via: h.via(), mode: Mode.SingletonUnsized }),
        encodeUnsizedEnvelope([Buffer.from('req'), Buffer.from('uest')]),
        END,
      ]),
    );
    const expected = `0b0505${Buffer.from('reply').toString('hex')}0007`;
    expect((await client.waitForBytes(expected.length / 2)).toString('hex')).toBe(expected);
    expect((h.sessions[0] as ServerSession).state).toBe('closed');
  });

  it('refuses a second message in one singleton session', async () => {
    const h = await serve();
    const client = await connectSession(h.via(), { mode: Mode.SingletonUnsized });
    await client.send(Buffer.from('one'));
    const error = await rejection(client.send(Buffer.from('two')));
    expect(error.code).toBe(SessionErrorCodes.SESSION_CLOSED);
    client.abort();
  });
});

describe('backpressure', () => {
  it('keeps the server’s buffered bytes bounded while a client sends 50 MB to a slow reader', async () => {
    const maxPendingBytes = 64 * 1024;
    const maxMessageSize = 64 * 1024;
    const h = await serve({ maxPendingBytes, maxMessageSize });
    const total = 50 * 1024 * 1024;
    const size = 64_000;
    const count = Math.ceil(total / size);
    let peakSeen = 0;
    const consumed = h.nextSession().then(async (session) => {
      let bytes = 0;
      let n = 0;
      for await (const payload of session) {
        bytes += payload.length;
        peakSeen = Math.max(peakSeen, session.bufferedBytes);
        // A slow consumer: yield to the event loop (and let the socket fill) between messages.
        if (++n % 8 === 0) await sleep(1);
        else await new Promise((resolve) => setImmediate(resolve));
      }
      await session.close();
      return { bytes, peak: Math.max(peakSeen, session.peakBufferedBytes) };
    });
    const client = await connectSession(h.via(), { maxMessageSize });
    const payload = Buffer.alloc(size, 0xab);
    let clientPeak = 0;
    for (let i = 0; i < count; i++) {
      await client.send(payload);
      clientPeak = Math.max(clientPeak, client.socket.writableLength);
    }
    await client.close();
    const { bytes, peak } = await consumed;
    expect(bytes).toBe(count * size);
    // Queue (≤ maxPendingBytes + one chunk of envelopes) + a partial envelope (≤ maxMessageSize)
    // + what the paused socket has read (its 16 KiB high-water mark + one 64 KiB read).
    const bound = maxPendingBytes + maxMessageSize + 3 * 64 * 1024;
    // The queue did fill (the reader was the slower side), so the bound was actually exercised.
    expect(peak).toBeGreaterThanOrEqual(maxPendingBytes);
    expect(peak).toBeLessThanOrEqual(bound);
    // Awaiting each send keeps the client's own write buffer to about one message.
    expect(clientPeak).toBeLessThanOrEqual(size + 16);
  }, 60_000);
});

describe('lifecycle', () => {
  it('close() ends open sessions with End and closes idle connections', async () => {
    const h = await serve();
    const client = await connectSession(h.via());
    const idle = await rawConnect(h.port);
    await h.nextSession();
    const ended = collect(client);
    const closed = h.server.close();
    expect(await ended).toEqual([]);
    await client.close();
    await closed;
    await idle.closed;
    expect(h.server.connections).toBe(0);
  });

  it('refuses connections after close()', async () => {
    const server = new SessionServer({ acceptVia: () => true });
    await server.close();
    const errors: string[] = [];
    server.on('connectionError', (error) => errors.push(error.code));
    const socket = new Socket();
    server.handle(socket);
    expect(errors).toEqual([SessionErrorCodes.SERVER_CLOSED]);
    expect(socket.destroyed).toBe(true);
  });

  it('abort() closes the connection without End', async () => {
    const h = await serve();
    const client = await rawConnect(h.port);
    await client.write(encodePreamble({ via: h.via() }));
    const session = await h.nextSession();
    session.abort('test');
    await client.closed;
    expect(client.received()).toEqual(Buffer.from([ACK]));
    expect(session.state).toBe('failed');
    expect((await rejection(session.send(Buffer.from('x')))).code).toBe(SessionErrorCodes.ABORTED);
    expect(h.errors).toEqual([]);
  });

  it('rejects options out of range', () => {
    for (const options of [
      { maxMessageSize: -1 },
      { channelInitializationTimeoutMs: 0 },
      { idleTimeoutMs: 1.5 },
      { maxConcurrentSessions: 0 },
      { maxPendingBytes: 0 },
      { modes: [Mode.Simplex] },
      { encodings: [9] },
    ]) {
      expect(() => new SessionServer({ acceptVia: () => true, ...options })).toThrow(
        expect.objectContaining({ code: SessionErrorCodes.INVALID_OPTION }),
      );
    }
  });
});
