/**
 * connectSession against scripted servers on loopback: what the client sends, how it reads every
 * fault, non-framing peers, refused connections, and its open/close timeouts.
 */

import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  encodeEnd,
  encodeFault,
  encodePreamble,
  encodePreambleAck,
  encodeSizedEnvelope,
  encodeUnsizedEnvelope,
  FAULT_NAMESPACE,
  FaultUri,
  faultMessage,
  KnownEncoding,
  Mode,
  PreambleDecoder,
  RecordDecoder,
} from '@portshare/framing';
import { connectSession, SessionErrorCodes } from '../src/session/index.js';
import { collect, fakeServer, readUntil, rejection, sleep } from './fixtures/session-harness.js';

type Fake = Awaited<ReturnType<typeof fakeServer>>;
let fake: Fake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function serveWith(onConnection: (socket: Socket) => void): Promise<Fake> {
  fake = await fakeServer(onConnection);
  return fake;
}

/** Reads a whole preamble from the socket; resolves with its bytes. */
function readPreamble(socket: Socket): Promise<Buffer> {
  const decoder = new PreambleDecoder();
  return readUntil(socket, (bytes) => {
    decoder.reset();
    try {
      decoder.decode(bytes);
    } catch {
      return false;
    }
    return decoder.complete;
  });
}

const ACK = encodePreambleAck();
const END = encodeEnd();

describe('connectSession', () => {
  it('sends the whole preamble, waits for PreambleAck, and exchanges envelopes and End', async () => {
    const seen: Buffer[] = [];
    const server = await serveWith((socket) => {
      void (async () => {
        const preamble = await readPreamble(socket);
        seen.push(preamble);
        socket.write(ACK);
        const decoder = new RecordDecoder({ role: 'server', mode: Mode.Duplex });
        socket.on('data', (chunk: Buffer) => {
          decoder.decode(chunk, (record) => {
            if (record.type === 'sized-envelope') socket.write(encodeSizedEnvelope(Buffer.concat([Buffer.from('echo:'), record.payload])));
            if (record.type === 'end') socket.end(END);
          });
        });
      })();
    });
    const via = `net.tcp://localhost:${server.port}/svc`;
    const session = await connectSession(via);
    expect(seen[0]).toEqual(encodePreamble({ mode: Mode.Duplex, via, encoding: KnownEncoding.BinarySession }));
    expect(session.via).toBe(via);
    expect(session.mode).toBe(Mode.Duplex);
    await session.send(Buffer.from('a'));
    await session.send(Buffer.alloc(40_000, 7)); // above the copy limit: header + payload in one writev
    const replies = session[Symbol.asyncIterator]();
    expect((await replies.next()).value?.toString()).toBe('echo:a');
    const big = (await replies.next()).value as Buffer;
    expect(big.length).toBe(40_005);
    expect(big.subarray(5)).toEqual(Buffer.alloc(40_000, 7));
    await session.close();
    expect((await replies.next()).done).toBe(true);
    expect(session.state).toBe('closed');
  });

  it('sends a singleton request as 05 … 00 07 and reads the unsized reply', async () => {
    let requestBytes = Buffer.alloc(0);
    const server = await serveWith((socket) => {
      void (async () => {
        const preamble = await readPreamble(socket);
        socket.write(ACK);
        const rest = await readUntil(socket, (bytes) => bytes[bytes.length - 1] === 0x07);
        requestBytes = Buffer.concat([preamble, rest]);
        socket.write(Buffer.concat([encodeUnsizedEnvelope([Buffer.from('rep'), Buffer.from('ly')]), END]));
      })();
    });
    const via = `net.tcp://localhost:${server.port}/svc`;
    const session = await connectSession(via, { mode: Mode.SingletonUnsized });
    await session.send(Buffer.from('request'));
    expect(await collect(session)).toEqual([Buffer.from('reply')]);
    await session.close();
    const preamble = encodePreamble({ mode: Mode.SingletonUnsized, via, encoding: KnownEncoding.Binary });
    expect(requestBytes).toEqual(Buffer.concat([preamble, encodeUnsizedEnvelope([Buffer.from('request')]), END]));
  });

  // Every fault WCF defines, plus one it does not, answered to the preamble.
  const faults = [...Object.values(FaultUri), `${FAULT_NAMESPACE}EndpointPaused`];
  const codes: Record<string, string> = {
    [FaultUri.EndpointNotFound]: SessionErrorCodes.ENDPOINT_NOT_FOUND,
    [FaultUri.EndpointUnavailable]: SessionErrorCodes.ENDPOINT_UNAVAILABLE,
    [FaultUri.ConnectionDispatchFailed]: SessionErrorCodes.CONNECTION_DISPATCH_FAILED,
    [FaultUri.ContentTypeInvalid]: SessionErrorCodes.CONTENT_TYPE_INVALID,
    [FaultUri.ContentTypeTooLong]: SessionErrorCodes.CONTENT_TYPE_TOO_LONG,
    [FaultUri.MaxMessageSizeExceeded]: SessionErrorCodes.MESSAGE_TOO_LARGE,
    [FaultUri.ServerTooBusy]: SessionErrorCodes.SERVER_TOO_BUSY,
    [FaultUri.ServiceActivationFailed]: SessionErrorCodes.SERVICE_ACTIVATION_FAILED,
    [FaultUri.UnsupportedMode]: SessionErrorCodes.UNSUPPORTED_MODE,
    [FaultUri.UnsupportedVersion]: SessionErrorCodes.UNSUPPORTED_VERSION,
    [FaultUri.UpgradeInvalid]: SessionErrorCodes.UPGRADE_INVALID,
    [FaultUri.ViaTooLong]: SessionErrorCodes.VIA_TOO_LONG,
    [`${FAULT_NAMESPACE}EndpointPaused`]: SessionErrorCodes.SERVER_FAULT,
  };
  for (const uri of faults) {
    it(`turns the ${uri.slice(FAULT_NAMESPACE.length)} fault into ${codes[uri]} with WCF's text`, async () => {
      const server = await serveWith((socket) => {
        void readPreamble(socket).then(() => socket.end(encodeFault(uri)));
      });
      const via = `net.tcp://localhost:${server.port}/svc`;
      const error = await rejection(connectSession(via));
      expect(error.code).toBe(codes[uri]);
      expect(error.faultUri).toBe(uri);
      expect(error.message).toBe(faultMessage(uri, via, 'application/soap+msbinsession1').message);
    });
  }

  it('reads a fault that arrives in 1-byte segments', async () => {
    const server = await serveWith((socket) => {
      void readPreamble(socket).then(async () => {
        socket.setNoDelay(true);
        for (const byte of encodeFault(FaultUri.EndpointNotFound)) {
          socket.write(Buffer.from([byte]));
          await sleep(1);
        }
        socket.end();
      });
    });
    const via = `net.tcp://localhost:${server.port}/svc`;
    const error = await rejection(connectSession(via));
    expect(error.code).toBe(SessionErrorCodes.ENDPOINT_NOT_FOUND);
    expect(error.message).toBe(
      `There was no endpoint listening at ${via} that could accept the message. This is often caused by an incorrect address or SOAP action. See InnerException, if present, for more details.`,
    );
  });

  it('reports a server that ends a session with a fault instead of End', async () => {
    const server = await serveWith((socket) => {
      void readPreamble(socket).then(() => {
        socket.write(ACK);
        socket.write(encodeSizedEnvelope(Buffer.from('first')));
        socket.end(encodeFault(FaultUri.MaxMessageSizeExceeded));
      });
    });
    const session = await connectSession(`net.tcp://localhost:${server.port}/svc`);
    const replies = session[Symbol.asyncIterator]();
    expect((await replies.next()).value?.toString()).toBe('first');
    const error = await rejection(replies.next());
    expect(error.code).toBe(SessionErrorCodes.MESSAGE_TOO_LARGE);
    expect(error.faultUri).toBe(FaultUri.MaxMessageSizeExceeded);
    expect(session.state).toBe('failed');
  });

  it('says "does not support .Net Framing" (with the HTTP hint) when an HTTP server answers', async () => {
    const server = await serveWith((socket) => {
      void readPreamble(socket).then(() => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    });
    const error = await rejection(connectSession(`net.tcp://localhost:${server.port}/svc`));
    expect(error.code).toBe(SessionErrorCodes.NOT_FRAMING);
    expect(error.message).toBe(
      'You have tried to create a channel to a service that does not support .Net Framing. It is possible that you are encountering an HTTP endpoint.',
    );
  });

  it('says "does not support .Net Framing" for any other first byte', async () => {
    const server = await serveWith((socket) => {
      void readPreamble(socket).then(() => socket.end(Buffer.from([0x06, 0x01, 0x00])));
    });
    const error = await rejection(connectSession(`net.tcp://localhost:${server.port}/svc`));
    expect(error.code).toBe(SessionErrorCodes.NOT_FRAMING);
    expect(error.message).toBe('You have tried to create a channel to a service that does not support .Net Framing.');
  });

  it('names host:port when the connection is refused', async () => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as { port: number }).port;
    probe.close();
    await once(probe, 'close');
    const error = await rejection(connectSession(`net.tcp://127.0.0.1:${port}/svc`));
    expect(error.code).toBe(SessionErrorCodes.CONNECTION_REFUSED);
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });

  it('connects to the host and port options instead of the via’s', async () => {
    const server = await serveWith((socket) => {
      void readPreamble(socket).then(() => socket.write(ACK));
    });
    const session = await connectSession('net.tcp://service.example/svc', { host: '127.0.0.1', port: server.port });
    expect(session.via).toBe('net.tcp://service.example/svc');
    session.abort();
  });

  it('reports a server that closes without answering the preamble', async () => {
    const server = await serveWith((socket) => {
      void readPreamble(socket).then(() => socket.end());
    });
    const error = await rejection(connectSession(`net.tcp://localhost:${server.port}/svc`));
    expect(error.code).toBe(SessionErrorCodes.CONNECTION_CLOSED);
  });

  it('openTimeoutMs: an answer in time opens the session, silence past it fails', async () => {
    const delays = [100, 10_000];
    const server = await serveWith((socket) => {
      const delay = delays.shift() as number;
      void readPreamble(socket).then(() => setTimeout(() => socket.writable && socket.write(ACK), delay));
    });
    const via = `net.tcp://localhost:${server.port}/svc`;
    const session = await connectSession(via, { openTimeoutMs: 400 });
    session.abort();
    const started = Date.now();
    const error = await rejection(connectSession(via, { openTimeoutMs: 400 }));
    expect(error.code).toBe(SessionErrorCodes.OPEN_TIMEOUT);
    expect(error.message).toContain('00:00:00.4000000');
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  });

  it('closeTimeoutMs: close() rejects and aborts when the server never answers End', async () => {
    let serverSocket: Socket | undefined;
    const server = await serveWith((socket) => {
      serverSocket = socket;
      void readPreamble(socket).then(() => socket.write(ACK));
    });
    const session = await connectSession(`net.tcp://localhost:${server.port}/svc`, { closeTimeoutMs: 200 });
    const error = await rejection(session.close());
    expect(error.code).toBe(SessionErrorCodes.CLOSE_TIMEOUT);
    expect(session.socket.destroyed).toBe(true);
    expect(serverSocket).toBeDefined();
  });

  it('close() completes when the server closes the connection instead of sending End (Mono)', async () => {
    const server = await serveWith((socket) => {
      void readPreamble(socket).then(async () => {
        socket.write(ACK);
        await readUntil(socket, (bytes) => bytes.includes(0x07));
        socket.end();
      });
    });
    const session = await connectSession(`net.tcp://localhost:${server.port}/svc`, { closeTimeoutMs: 10_000 });
    const started = Date.now();
    await session.close();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(session.state).toBe('closed');
  });

  it('maxMessageSize: a reply at the limit is read, one byte more fails the session', async () => {
    const server = await serveWith((socket) => {
      void readPreamble(socket).then(() => {
        socket.write(ACK);
        socket.write(encodeSizedEnvelope(Buffer.alloc(500, 1)));
        socket.write(encodeSizedEnvelope(Buffer.alloc(501, 2)));
      });
    });
    const session = await connectSession(`net.tcp://localhost:${server.port}/svc`, { maxMessageSize: 500 });
    const replies = session[Symbol.asyncIterator]();
    expect((await replies.next()).value?.length).toBe(500);
    const error = await rejection(replies.next());
    expect(error.code).toBe(SessionErrorCodes.MESSAGE_TOO_LARGE);
    expect(error.faultUri).toBeUndefined();
    expect(error.message).toContain('(500)');
  });

  it('rejects options out of range before connecting', async () => {
    for (const [via, options] of [
      ['not a uri', {}],
      ['net.tcp://localhost/svc', { mode: Mode.Simplex }],
      ['net.tcp://localhost/svc', { port: 0 }],
      ['net.tcp://localhost/svc', { openTimeoutMs: -5 }],
      ['net.tcp://localhost/svc', { maxMessageSize: 1.5 }],
    ] as const) {
      const error = await rejection(connectSession(via, options));
      expect(error.code).toBe(SessionErrorCodes.INVALID_OPTION);
    }
  });
});
