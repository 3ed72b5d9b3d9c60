// Issue 5, item 4: the bytes our client and service put on a real socket are the .NET shapes of
// the calculator exchange (docs/protocol.md §1; MessageIDs fixed for reproducibility).
// packages/soap/test/golden-writer.test.ts already checks the message writer against these bytes
// (buildEnvelope + BinarySessionEncoder); this test adds the whole stack above the socket:
// createClient and ServiceDispatcher, over connectSession and SessionServer, framed as SizedEnvelope
// records — and that each side reads the other's .NET-shaped bytes.
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { encodeEnd, encodePreamble, encodePreambleAck } from '@portshare/framing';
import { ICalculator } from '@portshare/sample-calculator';
import { createClient, implement, ServiceDispatcher } from '@portshare/soap';
import { connectSession, SessionServer } from '@portshare/worker';
import { afterEach, describe, expect, it } from 'vitest';

/** The via of that exchange: it is the To header, so it is part of the bytes. */
const VIA = 'net.tcp://localhost:9000/calculator/4381';
const IDS = ['urn:uuid:6cfa4773-a265-4275-87ea-4ae505d01e3e', 'urn:uuid:4ebd29ad-96d6-c29a-409d-1155647782fe'];

/** Messages 5.1–5.4 of docs/protocol.md §1, each a whole SizedEnvelope record (06, MB31 size, payload). */
const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const NET = {
  addRequest: hex(
    '06de018f0135687474703a2f2f4d6963726f736f66742e536572766963654d6f64656c2e53616d706c65732f4943616c' +
      '63756c61746f722f416464286e65742e7463703a2f2f6c6f63616c686f73743a393030302f63616c63756c61746f722f' +
      '343338310341646425687474703a2f2f4d6963726f736f66742e536572766963654d6f64656c2e53616d706c6573026e' +
      '31026e3256020b0173040b0161065608440a1e0082ab01441aad7347fa6c65a2754287ea4ae505d01e3e442c442aab14' +
      '01440c1e0082ab0301560e42050a0742098964420b937b14ae47e1fa2f40010101',
  ),
  addReply: hex(
    '06bd017a3d687474703a2f2f4d6963726f736f66742e536572766963654d6f64656c2e53616d706c65732f4943616c63' +
      '756c61746f722f416464526573706f6e73650b416464526573706f6e736525687474703a2f2f4d6963726f736f66742e' +
      '536572766963654d6f64656c2e53616d706c657309416464526573756c7456020b0173040b0161065608440a1e0082ab' +
      '014412ad7347fa6c65a2754287ea4ae505d01e3e440c1e0082ab1401560e42030a054207938fc2f5285cff5c40010101',
  ),
  divideRequest: hex(
    '0687014038687474703a2f2f4d6963726f736f66742e536572766963654d6f64656c2e53616d706c65732f4943616c63' +
      '756c61746f722f4469766964650644697669646556020b0173040b0161065608440a1e0082ab0d441aadad29bd4ed696' +
      '9ac2409d1155647782fe442c442aab1401440c1e0082ab0301560e420f0a0742098916420b8907010101',
  ),
  divideReply: hex(
    '06a0015d40687474703a2f2f4d6963726f736f66742e536572766963654d6f64656c2e53616d706c65732f4943616c63' +
      '756c61746f722f446976696465526573706f6e73650e446976696465526573706f6e73650c446976696465526573756c' +
      '7456020b0173040b0161065608440a1e0082ab094412adad29bd4ed6969ac2409d1155647782fe440c1e0082ab140156' +
      '0e420b0a05420d934992244992240940010101',
  ),
};

/** Reads exact byte counts from a socket. */
function reader(socket: Socket): (n: number) => Promise<Buffer> {
  let buffered = Buffer.alloc(0);
  let want: { n: number; resolve: (b: Buffer) => void } | undefined;
  const check = (): void => {
    if (want && buffered.length >= want.n) {
      const out = buffered.subarray(0, want.n);
      buffered = buffered.subarray(want.n);
      const w = want;
      want = undefined;
      w.resolve(out);
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    check();
  });
  return (n) =>
    new Promise((resolve) => {
      want = { n, resolve };
      check();
    });
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(onSocket: (s: Socket) => void): Promise<number> {
  const server = createServer(onSocket);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

describe('.NET shapes on the wire (docs/protocol.md §1, §10)', () => {
  it('createClient over connectSession writes the .NET requests and reads the .NET replies', async () => {
    const seen: Buffer[] = [];
    const port = await listen((socket) => {
      const read = reader(socket);
      void (async () => {
        seen.push(await read(encodePreamble({ via: VIA }).length));
        socket.write(encodePreambleAck());
        seen.push(await read(NET.addRequest.length));
        socket.write(NET.addReply);
        seen.push(await read(NET.divideRequest.length));
        socket.write(NET.divideReply);
        seen.push(await read(1));
        socket.end(encodeEnd());
      })();
    });
    const session = await connectSession(VIA, { host: '127.0.0.1', port });
    const ids = [...IDS];
    const calc = createClient(ICalculator, session, { messageId: () => ids.shift()! });
    expect(await calc.Add(100, 15.99)).toBe(115.99);
    expect(await calc.Divide(22, 7)).toBe(22 / 7);
    await session.close();
    expect(seen.map((b) => b.toString('hex'))).toEqual([
      encodePreamble({ via: VIA }).toString('hex'),
      NET.addRequest.toString('hex'),
      NET.divideRequest.toString('hex'),
      encodeEnd().toString('hex'),
    ]);
  });

  it('ServiceDispatcher over SessionServer answers the .NET requests with the .NET replies', async () => {
    const sessions = new SessionServer({ acceptVia: () => true });
    const dispatcher = new ServiceDispatcher([
      implement(ICalculator, { Add: (a, b) => a + b, Subtract: (a, b) => a - b, Multiply: (a, b) => a * b, Divide: (a, b) => a / b }),
    ]);
    const served: Promise<void>[] = [];
    sessions.on('session', (s) => served.push(dispatcher.serve(s).then(() => s.close())));
    const port = await listen((socket) => sessions.handle(socket));
    const socket = connect({ host: '127.0.0.1', port });
    const read = reader(socket);
    socket.write(encodePreamble({ via: VIA }));
    expect((await read(1)).toString('hex')).toBe(encodePreambleAck().toString('hex'));
    socket.write(NET.addRequest);
    expect((await read(NET.addReply.length)).toString('hex')).toBe(NET.addReply.toString('hex'));
    socket.write(NET.divideRequest);
    expect((await read(NET.divideReply.length)).toString('hex')).toBe(NET.divideReply.toString('hex'));
    socket.write(encodeEnd());
    expect((await read(1)).toString('hex')).toBe(encodeEnd().toString('hex'));
    await Promise.all(served);
    socket.destroy();
    await sessions.close();
  });
});
