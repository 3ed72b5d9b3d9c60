// The stream type and the streamed message format (streamed-body.ts): Mono's captured streamed
// request read piece by piece, the records this side writes (readable by a reader that joins each
// record's base64, as Mono's does), the malformed inputs, the contract rules, and stream
// operations over a buffered session. Streamed sessions over real TCP, with Mono both ways, are in
// packages/host and packages/interop.
import { Readable } from 'node:stream';
import { Mode } from '@portshare/framing';
import { describe, expect, it } from 'vitest';
import { createClient } from '../src/client.js';
import { defineContract } from '../src/contract.js';
import { defineDataContract } from '../src/data-contract.js';
import { ServiceDispatcher, implement } from '../src/dispatcher.js';
import { parseEnvelope } from '../src/envelope.js';
import { SoapError, SoapErrorCodes } from '../src/errors.js';
import { BinaryMessageEncoder } from '../src/message-encoder.js';
import { readNbfx, readNbfxHead } from '../src/nbfx-reader.js';
import { buildRequestBody } from '../src/operation-formatter.js';
import { buildEnvelope } from '../src/envelope.js';
import { StreamContent, StreamedMessageReader, newMarker, splitAroundMarker, streamedPieces } from '../src/streamed-body.js';
import { arrayOf } from '../src/types.js';
import { element, type XmlElement, type XmlNode } from '../src/xml-node.js';
import { captureEnvelopes } from './support/fixtures.js';
import { createChannelPair } from './support/memory-channel.js';

const NS = 'http://Microsoft.ServiceModel.Samples';

const IStreamingSample = defineContract({
  name: 'IStreamingSample',
  namespace: NS,
  operations: {
    GetStream: { params: [['data', 'string']], returns: 'stream' },
    UploadStream: { params: [['stream', 'stream']], returns: 'bool' },
    EchoStream: { params: [['stream', 'stream']], returns: 'stream' },
    GetReversedStream: { returns: 'stream' },
  },
});

/** csharp/StreamingSample.cs's content: byte i is (i * 31 + 7) % 251. */
function pattern(size: number, from = 0): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = ((from + i) * 31 + 7) % 251;
  return b;
}

function readContent(rest: Buffer, depth: number, split: number[]): Buffer {
  const content = new StreamContent(depth);
  const out: Buffer[] = [];
  let at = 0;
  for (const end of [...split, rest.length]) {
    content.feed(rest.subarray(at, end), (b) => out.push(Buffer.from(b)));
    at = end;
  }
  content.finish();
  return Buffer.concat(out);
}

function malformedContent(bytes: number[], depth = 4): SoapError {
  try {
    readContent(Buffer.from(bytes), depth, []);
  } catch (error) {
    expect(error).toBeInstanceOf(SoapError);
    return error as SoapError;
  }
  throw new Error('expected a malformed content error');
}

describe("Mono's streamed UploadStream request (captured: csharp/StreamingSample.cs, 1000 bytes)", () => {
  const [request] = captureEnvelopes('mono-upload-stream', 'c2s', Mode.SingletonUnsized);

  it('the head stops at the first Bytes record of <UploadStream><stream>, with the headers whole', () => {
    const head = readNbfxHead(request as Buffer);
    expect(head).toBeDefined();
    expect(head!.depth).toBe(4);
    expect(head!.element.localName).toBe('stream');
    expect(head!.element.namespaceUri).toBe(NS);
    const env = parseEnvelope(head!.nodes);
    expect(env.action).toBe(`${NS}/IStreamingSample/UploadStream`);
    expect(env.messageId).toMatch(/^urn:uuid:/);
    expect((request as Buffer)[head!.offset]).toBe(0x9e); // Mono writes Bytes8Text records of 255 bytes
  });

  it('the rest reads as the 1000 bytes, however the pieces are cut', () => {
    const head = readNbfxHead(request as Buffer)!;
    const rest = (request as Buffer).subarray(head.offset);
    expect(readContent(rest, head.depth, [])).toEqual(pattern(1000));
    const oneByOne = Array.from({ length: rest.length - 1 }, (_, i) => i + 1);
    expect(readContent(rest, head.depth, oneByOne)).toEqual(pattern(1000));
  });

  it('without the head cut-off the message still decodes whole (the buffered path)', () => {
    const nodes = readNbfx(request as Buffer, { quotas: { maxArrayLength: 1 << 20 } });
    expect(parseEnvelope(nodes).body[0]?.localName).toBe('UploadStream');
  });
});

describe('the records a stream is written as', () => {
  const op = IStreamingSample.operations.get('UploadStream')!;
  const encoder = new BinaryMessageEncoder({ quotas: { maxArrayLength: 1 << 24 } });

  async function written(chunks: Buffer[]): Promise<{ message: Buffer; records: number[] }> {
    const marker = newMarker();
    const encoded = encoder.encode(buildEnvelope({ action: op.action, to: 'net.tcp://h/s', body: [buildRequestBody(op, [marker])] }));
    const { prefix, suffix } = splitAroundMarker(encoded, marker);
    const pieces: Buffer[] = [];
    for await (const piece of streamedPieces(prefix, Readable.from(chunks), suffix, 'stream')) pieces.push(piece);
    const message = Buffer.concat(pieces);
    const head = readNbfxHead(message);
    // An empty stream has no Bytes record: the message is read whole, with an empty part.
    if (head === undefined) {
      const part = (parseEnvelope(readNbfx(message)).body[0] as XmlElement).children[0] as XmlElement;
      expect(part.localName).toBe('stream');
      expect(part.children).toEqual([]);
      return { message, records: [] };
    }
    // The length of each Bytes record, in order.
    const records: number[] = [];
    const rest = message.subarray(head.offset);
    for (let i = 0; rest[i] !== 0x01; ) {
      const type = rest[i] as number;
      const width = type <= 0x9f ? 1 : type <= 0xa1 ? 2 : 4;
      const n = width === 1 ? (rest[i + 1] as number) : width === 2 ? rest.readUInt16LE(i + 1) : rest.readInt32LE(i + 1);
      records.push(n);
      i += 1 + width + n;
    }
    return { message, records };
  }

  it('every record but the last holds a multiple of 3 bytes, whatever the source chunks (XmlBaseWriter.WriteBase64)', async () => {
    const data = pattern(200_003);
    const cuts = [1, 2, 4, 65_536, 65_537, 5, 68_000];
    const chunks: Buffer[] = [];
    let at = 0;
    for (const n of cuts) {
      chunks.push(data.subarray(at, at + n));
      at += n;
    }
    chunks.push(data.subarray(at));
    const { message, records } = await written(chunks);
    expect(records.slice(0, -1).every((n) => n % 3 === 0)).toBe(true);
    expect(records.reduce((a, b) => a + b, 0)).toBe(data.length);
    // Joining each record's base64 text gives one valid base64 string (what Mono's reader does).
    const body = (parseEnvelope(readNbfx(message, { quotas: { maxArrayLength: 1 << 24 } })).body[0] as XmlElement).children[0] as XmlElement;
    const base64 = body.children.map((n: XmlNode) => (n.kind === 'text' && n.value.type === 'bytes' ? Buffer.from(n.value.value).toString('base64') : '')).join('');
    expect(Buffer.from(base64, 'base64')).toEqual(data);
  });

  it('an empty stream is an empty part; a one-byte stream one record', async () => {
    expect((await written([])).records).toEqual([]);
    expect((await written([Buffer.from([7])])).records).toEqual([1]);
  });
});

describe('malformed streamed content is refused with SOAP_ERR_MALFORMED', () => {
  it('a record other than bytes inside the part', () => {
    expect(malformedContent([0x98, 0x01, 0x41]).code).toBe(SoapErrorCodes.MALFORMED); // Chars8Text
  });
  it('bytes after the end of the envelope', () => {
    expect(malformedContent([0x9e, 0x01, 0x41, 0x01, 0x01, 0x01, 0x01, 0x01]).code).toBe(SoapErrorCodes.MALFORMED);
  });
  it('an element after the part, where only its enclosing elements may end', () => {
    expect(malformedContent([0x9f, 0x01, 0x41, 0x40, 0x01, 0x61]).code).toBe(SoapErrorCodes.MALFORMED);
  });
  it('the message ending inside the part', () => {
    expect(malformedContent([0xa0, 0x10, 0x00, 0x41]).code).toBe(SoapErrorCodes.MALFORMED);
  });
  it('the WithEndElement forms and EmptyText are read', () => {
    expect(readContent(Buffer.from([0xa8, 0xa1, 0x02, 0x00, 0x41, 0x42, 0x01, 0x01, 0x01]), 4, [])).toEqual(Buffer.from('AB'));
    expect(readContent(Buffer.from([0xa3, 0x01, 0x00, 0x00, 0x00, 0x41, 0x01, 0x01, 0x01]), 4, [2])).toEqual(Buffer.from('A'));
    expect(readContent(Buffer.from([0xa9, 0x01, 0x01, 0x01]), 4, [])).toEqual(Buffer.alloc(0));
  });
});

describe('contract rules for stream (WCF StreamFormatter)', () => {
  it('a stream must be the only parameter', () => {
    expect(() => defineContract({ name: 'I', namespace: NS, operations: { Op: { params: [['a', 'string'], ['s', 'stream']] } } })).toThrow(
      expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT }),
    );
  });
  it('a stream cannot be a data member or an array item', () => {
    expect(() => defineDataContract({ name: 'D', namespace: NS, members: { s: 'stream' } } as never)).toThrow(
      expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT }),
    );
    expect(() => defineContract({ name: 'I', namespace: NS, operations: { Op: { params: [['s', arrayOf('stream')]] } } })).toThrow(
      expect.objectContaining({ code: SoapErrorCodes.INVALID_CONTRACT }),
    );
  });
});

describe('stream operations over a buffered session (read whole, as WCF buffered transfer)', () => {
  it('every operation of the Stream sample', async () => {
    const uploads: number[] = [];
    const service = implement(IStreamingSample, {
      GetStream: (data) => Readable.from([Buffer.from(`file for ${data}`)]),
      UploadStream: async (stream) => {
        let n = 0;
        for await (const chunk of stream) n += (chunk as Buffer).length;
        uploads.push(n);
        return true;
      },
      EchoStream: (stream) => stream,
      GetReversedStream: () => Readable.from([Buffer.from('abc').reverse()]),
    });
    const [client, server] = createChannelPair();
    const served = new ServiceDispatcher([service], { quotas: { maxArrayLength: 1 << 20 } }).serve(server).then(() => server.close());
    const proxy = createClient(IStreamingSample, client, { quotas: { maxArrayLength: 1 << 20 } });
    const text = async (s: Readable): Promise<string> => {
      const parts: Buffer[] = [];
      for await (const c of s) parts.push(c as Buffer);
      return Buffer.concat(parts).toString();
    };
    expect(await text(await proxy.GetStream('x'))).toBe('file for x');
    expect(await proxy.UploadStream(Readable.from([pattern(5000)]))).toBe(true);
    expect(uploads).toEqual([5000]);
    expect(await text(await proxy.EchoStream(Readable.from([Buffer.from('echo')])))).toBe('echo');
    expect(await text(await proxy.GetReversedStream())).toBe('cba');
    await client.close();
    await served;
  });

  it('a value that is not a stream is refused at the caller', async () => {
    const [client] = createChannelPair();
    const proxy = createClient(IStreamingSample, client);
    await expect(proxy.UploadStream(42 as unknown as Readable)).rejects.toMatchObject({ code: SoapErrorCodes.INVALID_VALUE });
  });
});

describe('the headers of a streamed message are bounded by maxBufferSize', () => {
  const encoder = new BinaryMessageEncoder({ quotas: { maxArrayLength: 1 << 24, maxStringContentLength: 1 << 24 } });
  const quotas = { ...encoder.quotas, maxBufferSize: 4096 };

  /** A message with one header `Pad` holding `headerBytes` characters, and a body of `bodyBytes` characters. */
  function message(headerBytes: number, bodyBytes: number): Buffer {
    const pad = element('Pad', { namespaces: [{ prefix: '', uri: NS }], children: [{ kind: 'text', value: { type: 'string', value: 'h'.repeat(headerBytes) } }] });
    const body = element('Echo', { namespaces: [{ prefix: '', uri: NS }], children: [{ kind: 'text', value: { type: 'string', value: 'b'.repeat(bodyBytes) } }] });
    return encoder.encode(buildEnvelope({ action: `${NS}/Echo`, to: 'net.tcp://h/s', headers: [pad], body: [body] }));
  }

  /** The message in 1 KiB pieces, counting how many were taken. */
  function pieces(bytes: Buffer): { iterator: AsyncIterator<Buffer>; taken(): number } {
    let taken = 0;
    const all = Array.from({ length: Math.ceil(bytes.length / 1024) }, (_, i) => bytes.subarray(i * 1024, (i + 1) * 1024));
    return {
      iterator: {
        next: () => Promise.resolve(taken < all.length ? { done: false, value: all[taken++] as Buffer } : { done: true, value: undefined }),
      },
      taken: () => taken,
    };
  }

  function reader(bytes: Buffer): { reader: StreamedMessageReader; taken(): number } {
    const p = pieces(bytes);
    return { reader: new StreamedMessageReader(p.iterator, { quotas, decode: (payload) => encoder.decode(payload), binary: true }), taken: p.taken };
  }

  it('headers larger than maxBufferSize: refused once maxBufferSize has arrived, the rest never read', async () => {
    const big = message(64 * 1024, 10);
    const r = reader(big);
    const err = await r.reader.readHead().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SoapError);
    expect((err as SoapError).code).toBe(SoapErrorCodes.BUFFER_QUOTA_EXCEEDED);
    expect((err as SoapError).message).toMatch(/^The size necessary to buffer the XML content exceeded the buffer quota\. .*maxBufferSize, 4096 bytes/);
    expect(r.taken()).toBeLessThanOrEqual(5);
    expect(r.taken() * 1024).toBeLessThan(big.length / 10);
  });

  it('headers that fit, with a body larger than maxBufferSize and no stream: read whole (maxReceivedMessageSize bounds it)', async () => {
    const r = reader(message(1000, 20 * 1024));
    const head = await r.reader.readHead();
    expect(head!.streamedPart).toBeUndefined();
    expect(((head!.env.body[0] as XmlElement).children[0] as { value: { value: string } }).value.value).toHaveLength(20 * 1024);
  });

  it('at the edge: the most header bytes whose Body starts within maxBufferSize are taken; one byte more is refused', async () => {
    const takes = async (n: number): Promise<boolean> => {
      const head = await reader(message(n, 8000)).reader.readHead().catch((e: unknown) => {
        expect((e as SoapError).code).toBe(SoapErrorCodes.BUFFER_QUOTA_EXCEEDED);
        return undefined;
      });
      return head !== undefined;
    };
    // Each padding character is one more byte of headers (one Chars16Text record throughout).
    let lo = 1000;
    let hi = 4096;
    expect(await takes(lo)).toBe(true);
    expect(await takes(hi)).toBe(false);
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (await takes(mid)) lo = mid;
      else hi = mid;
    }
    expect(await takes(lo)).toBe(true);
    expect(await takes(lo + 1)).toBe(false);
    // What is taken is the whole message, read past maxBufferSize.
    const head = await reader(message(lo, 8000)).reader.readHead();
    expect(head!.env.action).toBe(`${NS}/Echo`);
    expect(message(lo, 8000).length).toBeGreaterThan(quotas.maxBufferSize + 8000);
  });
});
