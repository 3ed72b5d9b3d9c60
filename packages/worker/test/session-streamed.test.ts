/**
 * Streamed transfer (transferMode 'streamed', singleton mode) over real TCP on loopback: the one
 * message each way moves piece by piece with backpressure, so neither side holds more than a
 * bounded window of it, whatever its size; a failing source aborts the session; the limits hold.
 */

import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEnd, encodePreamble, FaultUri, Mode } from '@portshare/framing';
import { connectSession, type ServerSession, SessionErrorCodes } from '../src/session/index.js';
import { type Harness, rawConnect, rejection, startServer } from './fixtures/session-harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const MiB = 1024 * 1024;

/** `count` pieces of `size` bytes, each filled with its index, made as they are read. */
function pieces(count: number, size: number): AsyncIterable<Uint8Array> {
  return Readable.from(
    (function* () {
      for (let i = 0; i < count; i++) yield Buffer.alloc(size, i & 0xff);
    })(),
  );
}

/** Reads a channel to its end, checking the fill pattern of `pieces(…, size)`; returns the byte count. */
async function drain(channel: AsyncIterable<Buffer>, size: number, pace?: () => Promise<void>): Promise<number> {
  let total = 0;
  for await (const piece of channel) {
    for (let k = 0; k < piece.length; k += 997) {
      expect(piece[k]).toBe(Math.floor((total + k) / size) & 0xff);
    }
    total += piece.length;
    if (pace) await pace();
  }
  return total;
}

describe('streamed singleton session', () => {
  it('moves a 64 MiB request and a 64 MiB reply piece by piece, holding a bounded window on each side', async () => {
    const size = 64 * 1024;
    const count = 1024; // 64 MiB each way
    harness = await startServer({ transferMode: 'streamed', maxMessageSize: 2 ** 31 - 1 });
    const served = new Promise<{ received: number; peak: number; streamed: boolean }>((resolve, reject) => {
      harness!.server.on('session', (session: ServerSession) => {
        void (async () => {
          const received = await drain(session, size);
          await session.sendStreamed(pieces(count, size));
          await session.close();
          resolve({ received, peak: session.peakBufferedBytes, streamed: session.streamed });
        })().catch(reject);
      });
    });
    const client = await connectSession(harness.via(), { transferMode: 'streamed', maxMessageSize: 2 ** 31 - 1 });
    expect(client.mode).toBe(Mode.SingletonUnsized);
    expect(client.streamed).toBe(true);
    await client.sendStreamed(pieces(count, size));
    // The client reads slowly: the server's sendStreamed must wait for it, not buffer the reply.
    const received = await drain(client, size, () => new Promise((resolve) => setImmediate(resolve)));
    await client.close();
    const server = await served;
    expect(server.streamed).toBe(true);
    expect(server.received).toBe(count * size);
    expect(received).toBe(count * size);
    // A window: the pending queue (64 KiB) plus what one socket read can add, never the message.
    expect(server.peak).toBeLessThan(4 * MiB);
    expect(client.peakBufferedBytes).toBeLessThan(4 * MiB);
  });

  it('an empty streamed message is read as no pieces', async () => {
    harness = await startServer({ transferMode: 'streamed' });
    const got = new Promise<number>((resolve) => {
      harness!.server.on('session', (session: ServerSession) => {
        void (async () => {
          let n = 0;
          for await (const piece of session) n += piece.length;
          await session.sendStreamed(pieces(0, 1));
          await session.close();
          resolve(n);
        })();
      });
    });
    const client = await connectSession(harness.via(), { transferMode: 'streamed' });
    await client.sendStreamed(pieces(0, 1));
    let n = 0;
    for await (const piece of client) n += piece.length;
    await client.close();
    expect(await got).toBe(0);
    expect(n).toBe(0);
  });

  it('past maxMessageSize in total the client gets the MaxMessageSizeExceeded fault (at the edge it passes)', async () => {
    harness = await startServer({ transferMode: 'streamed', maxMessageSize: 10 * 1000 });
    const totals: number[] = [];
    harness.server.on('session', (session: ServerSession) => {
      void (async () => {
        totals.push(await drain(session, 1000));
        await session.sendStreamed(pieces(1, 3));
        await session.close();
      })().catch(() => {});
    });
    const atEdge = await connectSession(harness.via(), { transferMode: 'streamed' });
    await atEdge.sendStreamed(pieces(10, 1000));
    for await (const _ of atEdge) {
      // the 3-byte reply
    }
    await atEdge.close();
    expect(totals).toEqual([10 * 1000]);

    const past = await connectSession(harness.via(), { transferMode: 'streamed' });
    await past.sendStreamed(pieces(11, 1000)).catch(() => {});
    const error = await rejection((async () => {
      for await (const _ of past) {
        // nothing arrives: the server faults
      }
    })());
    expect(error.code).toBe(SessionErrorCodes.MESSAGE_TOO_LARGE);
    expect(error.faultUri).toBe(FaultUri.MaxMessageSizeExceeded);
  });

  it('a source that fails mid-message aborts the session, and the server sees the message cut short', async () => {
    harness = await startServer({ transferMode: 'streamed' });
    const serverError = new Promise<unknown>((resolve) => {
      harness!.server.on('session', (session: ServerSession) => {
        void (async () => {
          for await (const _ of session) {
            // read until it fails
          }
        })().then(() => resolve(undefined), resolve);
      });
    });
    const client = await connectSession(harness.via(), { transferMode: 'streamed' });
    const failing = Readable.from(
      (async function* () {
        yield Buffer.alloc(1000, 1);
        throw new Error('disk read failed');
      })(),
    );
    const error = await rejection(client.sendStreamed(failing));
    expect(error.code).toBe(SessionErrorCodes.ABORTED);
    expect(error.message).toContain('disk read failed');
    expect(client.state).toBe('failed');
    const seen = (await serverError) as { code?: string };
    expect(seen?.code).toBe(SessionErrorCodes.CONNECTION_CLOSED);
  });

  it('options: sendStreamed needs singleton mode, streamed needs mode 1, transferMode is checked', async () => {
    harness = await startServer();
    const duplex = await connectSession(harness.via());
    const error = await rejection(duplex.sendStreamed(pieces(1, 1)));
    expect(error.code).toBe(SessionErrorCodes.INVALID_OPTION);
    duplex.abort();
    expect((await rejection(connectSession(harness.via(), { transferMode: 'streamed', mode: Mode.Duplex }))).code).toBe(
      SessionErrorCodes.INVALID_OPTION,
    );
    expect((await rejection(connectSession(harness.via(), { transferMode: 'chunked' as 'streamed' }))).code).toBe(
      SessionErrorCodes.INVALID_OPTION,
    );
    await expect(startServer({ transferMode: 'chunked' as 'streamed' })).rejects.toMatchObject({ code: SessionErrorCodes.INVALID_OPTION });
  });

  it('a buffered server still reads a singleton message whole', async () => {
    harness = await startServer();
    const got = new Promise<number[]>((resolve) => {
      harness!.server.on('session', (session: ServerSession) => {
        void (async () => {
          const sizes: number[] = [];
          for await (const message of session) sizes.push(message.length);
          resolve(sizes);
        })();
      });
    });
    const client = await rawConnect(harness.port);
    const body = Buffer.alloc(3000, 7);
    // Three data chunks in one unsized envelope, then End.
    await client.write(
      Buffer.concat([encodePreamble({ via: harness.via(), mode: Mode.SingletonUnsized }), Buffer.from([0x05]), Buffer.from([0xe8, 0x07]), body.subarray(0, 1000), Buffer.from([0xe8, 0x07]), body.subarray(1000, 2000), Buffer.from([0xe8, 0x07]), body.subarray(2000), Buffer.from([0x00]), encodeEnd()]),
    );
    expect(await got).toEqual([3000]);
  });
});
