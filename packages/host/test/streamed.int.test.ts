// Streamed transfer through the service host over real TCP: WCF's Stream sample contract with
// streams far larger than any buffer, moving at a bounded window both ways (the session's queue
// and the socket's write buffer); an operation that reads only part of its stream, or none; faults;
// a stream that fails while it is written; a malformed streamed request; and the size limit at and
// past its edge. Mono's streamed client and service against these: packages/interop.
import { Readable } from 'node:stream';
import { BinaryMessageEncoder, createClient, defineContract, defineDataContract, FaultException, implement, SoapErrorCodes } from '@portshare/soap';
import { buildEnvelope, buildRequestBody } from '@portshare/soap/message';
import { freePort } from '@portshare/test-utils';
import { connectSession, type ServerSession, SessionErrorCodes } from '@portshare/worker';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceHost } from '../src/index.js';

const IStreamingSample = defineContract({
  name: 'IStreamingSample',
  namespace: 'http://Microsoft.ServiceModel.Samples',
  operations: {
    GetStream: { params: [['data', 'string']], returns: 'stream' },
    UploadStream: { params: [['stream', 'stream']], returns: 'bool' },
    EchoStream: { params: [['stream', 'stream']], returns: 'stream' },
    GetReversedStream: { returns: 'stream' },
  },
});

const MiB = 1024 * 1024;
const LIMIT = 2 ** 31 - 1;

/** `size` bytes where byte i is i mod 251, made as they are read. */
function counting(size: number, failAt?: number): Readable {
  let at = 0;
  return new Readable({
    read() {
      if (failAt !== undefined && at >= failAt) {
        this.destroy(new Error('the source broke'));
        return;
      }
      if (at >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(64 * 1024, size - at);
      const chunk = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) chunk[i] = (at + i) % 251;
      at += n;
      this.push(chunk);
    },
  });
}

/** Reads a stream, checking it is `counting(…)`'s content; returns its length. */
async function check(stream: AsyncIterable<Uint8Array>, pace?: () => Promise<void>): Promise<number> {
  let at = 0;
  for await (const chunk of stream) {
    for (let i = 0; i < chunk.length; i += 4093) expect(chunk[i]).toBe((at + i) % 251);
    at += chunk.length;
    if (pace) await pace();
  }
  return at;
}

const hosts: ServiceHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close({ timeoutMs: 2000 });
});

interface Served {
  host: ServiceHost;
  address: string;
  sessions: ServerSession[];
  errors: unknown[];
}

async function serve(impl: Parameters<typeof implement<typeof IStreamingSample>>[1], maxReceivedMessageSize = LIMIT): Promise<Served> {
  const address = `net.tcp://localhost:${await freePort()}/streaming`;
  const host = await ServiceHost.open({ address, services: [implement(IStreamingSample, impl)], maxReceivedMessageSize });
  hosts.push(host);
  const sessions: ServerSession[] = [];
  const errors: unknown[] = [];
  host.on('session', (session) => sessions.push(session));
  host.on('operationError', (error) => errors.push(error));
  return { host, address, sessions, errors };
}

async function call<T>(address: string, body: (client: ReturnType<typeof createClient<typeof IStreamingSample>>) => Promise<T>, maxMessageSize = LIMIT): Promise<T> {
  const session = await connectSession(address, { transferMode: 'streamed', maxMessageSize });
  try {
    return await body(createClient(IStreamingSample, session));
  } finally {
    await session.close().catch(() => session.abort());
  }
}

const unused = {
  GetStream: () => Readable.from([]),
  UploadStream: () => true,
  EchoStream: (s: Readable) => s,
  GetReversedStream: () => Readable.from([]),
};

describe('streamed transfer through a ServiceHost', () => {
  it('a 256 MiB upload reaches the operation as it arrives: the session never holds more than a window', async () => {
    const size = 256 * MiB;
    let received = 0;
    const s = await serve({ ...unused, UploadStream: async (stream) => ((received = await check(stream)), true) });
    expect(await call(s.address, (c) => c.UploadStream(counting(size)))).toBe(true);
    expect(received).toBe(size);
    expect(s.sessions).toHaveLength(1);
    expect(s.sessions[0]!.peakBufferedBytes).toBeLessThan(4 * MiB);
  });

  it('a 256 MiB result read slowly: the service writes only as the client reads (its socket buffer stays bounded)', async () => {
    const size = 256 * MiB;
    const s = await serve({ ...unused, GetStream: () => counting(size) });
    let peakWriteBuffer = 0;
    const sampler = setInterval(() => {
      for (const session of s.sessions) peakWriteBuffer = Math.max(peakWriteBuffer, session.socket.writableLength);
    }, 1);
    try {
      const got = await call(s.address, async (c) => check(await c.GetStream('x'), () => new Promise((r) => setImmediate(r))));
      expect(got).toBe(size);
    } finally {
      clearInterval(sampler);
    }
    expect(peakWriteBuffer).toBeLessThan(4 * MiB);
  });

  it('EchoStream returning its own request stream echoes while it reads', async () => {
    const s = await serve({ ...unused, EchoStream: (stream) => stream });
    // Small enough for the sockets' buffers: the client writes its whole request before reading.
    expect(await call(s.address, async (c) => check(await c.EchoStream(counting(300_000))))).toBe(300_000);
  });

  it('a call that times out while its stream is still being sent rejects with SOAP_ERR_TIMEOUT (and nothing else fails)', async () => {
    const s = await serve({
      ...unused,
      UploadStream: async (stream) => {
        for await (const _ of stream) await new Promise((r) => setTimeout(r, 5));
        return true;
      },
    });
    const session = await connectSession(s.address, { transferMode: 'streamed', maxMessageSize: LIMIT });
    const error = await createClient(IStreamingSample, session, { operationTimeout: 300 })
      .UploadStream(counting(64 * MiB))
      .then(
        () => undefined,
        (e: { code?: string }) => e,
      );
    expect(error).toMatchObject({ code: SoapErrorCodes.TIMEOUT });
    session.abort();
  });

  it('an ordinary operation with bytes deep in a data contract reads the whole message on a streamed session', async () => {
    const Blob = defineDataContract({ name: 'Blob', namespace: 'http://Microsoft.ServiceModel.Samples', members: { Data: 'bytes', Name: 'string' } });
    const IBlobs = defineContract({ name: 'IBlobs', namespace: 'http://Microsoft.ServiceModel.Samples', operations: { Put: { params: [['b', Blob]], returns: Blob } } });
    const address = `net.tcp://localhost:${await freePort()}/blobs`;
    const host = await ServiceHost.open({ address, services: [implement(IBlobs, { Put: (b) => b })], maxReceivedMessageSize: MiB, readerQuotas: { maxArrayLength: MiB } });
    hosts.push(host);
    const session = await connectSession(address, { transferMode: 'streamed', maxMessageSize: MiB });
    // Past 4 KiB, so the head is looked for while the message is still arriving.
    const blob = { Data: Uint8Array.from({ length: 20_000 }, (_, i) => i & 0xff), Name: 'hello' };
    expect(await createClient(IBlobs, session, { quotas: { maxArrayLength: MiB } }).Put(blob)).toEqual(blob);
    await session.close();
  });

  it('an operation that reads part of its stream, or none, is answered; the rest is read and dropped', async () => {
    const s = await serve({
      ...unused,
      UploadStream: async (stream) => {
        for await (const _ of stream) break; // one piece, then stop reading
        return false;
      },
      EchoStream: () => Readable.from([Buffer.from('not the request')]),
    });
    expect(await call(s.address, (c) => c.UploadStream(counting(32 * MiB)))).toBe(false);
    const text = await call(s.address, async (c) => {
      const parts: Buffer[] = [];
      for await (const p of await c.EchoStream(counting(32 * MiB))) parts.push(p as Buffer);
      return Buffer.concat(parts).toString();
    });
    expect(text).toBe('not the request');
  });

  it('a FaultException from a stream operation reaches the client as a fault', async () => {
    const s = await serve({
      ...unused,
      UploadStream: () => {
        throw new FaultException('The upload is refused.');
      },
    });
    await expect(call(s.address, (c) => c.UploadStream(counting(4 * MiB)))).rejects.toMatchObject({ reason: 'The upload is refused.' });
  });

  it("a result stream that fails midway ends the session: the client's stream fails, the host reports it", async () => {
    const s = await serve({ ...unused, GetStream: () => counting(8 * MiB, 2 * MiB) });
    const error = await call(s.address, async (c) => check(await c.GetStream('x')).then(() => undefined, (e: unknown) => e));
    expect(error).toBeDefined();
    await expect.poll(() => s.errors.length).toBeGreaterThan(0);
    expect(String((s.errors[0] as Error).message)).toContain('the source broke');
  });

  it('a malformed streamed request (a text record inside the stream) ends the session with SOAP_ERR_MALFORMED', async () => {
    const s = await serve({ ...unused, UploadStream: async (stream) => (await check(stream), true) });
    const op = IStreamingSample.operations.get('UploadStream')!;
    const marker = Buffer.alloc(16, 0xab);
    const encoded = new BinaryMessageEncoder().encode(
      buildEnvelope({ action: op.action, messageId: 'urn:uuid:1', to: s.address, body: [buildRequestBody(op, [marker])] }),
    );
    const at = encoded.indexOf(marker) - 2;
    const session = await connectSession(s.address, { transferMode: 'streamed' });
    // A Bytes record, then Chars8Text "A" where only bytes may be.
    const bad = [encoded.subarray(0, at), Buffer.from([0x9e, 0x03, 0, 1, 2, 0x98, 0x01, 0x41]), encoded.subarray(at + 18)];
    await session.sendStreamed(Readable.from(bad));
    // No reply comes: the service aborts the connection (to this client, which already sent End,
    // that reads as the end of the session, as a Mono server's close does).
    let replyBytes = 0;
    await (async () => {
      for await (const piece of session) replyBytes += piece.length;
    })().catch(() => {});
    expect(replyBytes).toBe(0);
    await expect.poll(() => s.errors.length).toBeGreaterThan(0);
    expect(s.errors).toContainEqual(expect.objectContaining({ code: SoapErrorCodes.MALFORMED }));
  });

  it('headers larger than maxBufferSize end the session once 64 KiB of them arrived, not at maxReceivedMessageSize', async () => {
    const s = await serve(unused);
    const op = IStreamingSample.operations.get('UploadStream')!;
    const marker = Buffer.alloc(16, 0xab);
    // 64 MiB of one header, under a 2 GiB maxReceivedMessageSize: the service must not hold it.
    const pad = { kind: 'element' as const, prefix: '', localName: 'Pad', namespaceUri: 'urn:pad', attributes: [], namespaces: [{ prefix: '', uri: 'urn:pad' }], children: [] };
    const encoded = new BinaryMessageEncoder().encode(
      buildEnvelope({ action: op.action, messageId: 'urn:uuid:1', to: s.address, headers: [pad], body: [buildRequestBody(op, [marker])] }),
    );
    // The Pad element's end: its text goes there, as Chars32Text records of 1 MiB.
    const padEnd = encoded.indexOf(Buffer.from('urn:pad')) + 'urn:pad'.length;
    const chunk = Buffer.concat([Buffer.from([0x9a]), Buffer.alloc(4), Buffer.alloc(MiB, 0x68)]);
    chunk.writeUInt32LE(MiB, 1);
    let sent = 0;
    const source = Readable.from(
      (function* () {
        yield encoded.subarray(0, padEnd);
        for (let i = 0; i < 64; i++) {
          sent += chunk.length;
          yield chunk;
        }
        yield encoded.subarray(padEnd);
      })(),
    );
    const session = await connectSession(s.address, { transferMode: 'streamed' });
    await session.sendStreamed(source).catch(() => {});
    await (async () => {
      for await (const _ of session) void _;
    })().catch(() => {});
    await expect.poll(() => s.errors.length).toBeGreaterThan(0);
    expect(s.errors).toContainEqual(expect.objectContaining({ code: SoapErrorCodes.BUFFER_QUOTA_EXCEEDED }));
    // The sender was cut off long before its 64 MiB were written (the socket buffers hold a few MiB).
    expect(sent).toBeLessThan(32 * MiB);
  });

  it('maxReceivedMessageSize bounds a streamed message in total (the exact edge: worker session-streamed.test.ts)', async () => {
    let last = 0;
    const s = await serve({ ...unused, UploadStream: async (stream) => ((last = await check(stream)), true) }, MiB);
    expect(await call(s.address, (c) => c.UploadStream(counting(MiB - 4096)))).toBe(true);
    expect(last).toBe(MiB - 4096);
    const error = await call(s.address, (c) => c.UploadStream(counting(MiB))).then(
      () => undefined,
      (e: { code?: string }) => e,
    );
    // WCF's client text for the MaxMessageSizeExceeded fault, from the session under the call.
    expect(error).toMatchObject({ code: SoapErrorCodes.CHANNEL_CLOSED, cause: { code: SessionErrorCodes.MESSAGE_TOO_LARGE } });
    expect((error as Error).message).toContain('maximum message size quota');
  });
});
