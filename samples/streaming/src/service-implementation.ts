import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { implement } from '@portshare/soap';
import { IStreamingSample } from './contract.js';
import { digestOf, sampleBytes, sampleFile, type StreamDigest } from './sample-file.js';

/** The size of the file GetStream and GetReversedStream return (the Mono program's too). */
export const FILE_SIZE = 300_000;

/** What the service tells about each upload it received. */
export type UploadListener = (upload: StreamDigest) => void;

/**
 * The sample's service. As WCF's sample does, EchoStream first saves the request to a file and
 * then returns that file: a client that writes its whole request before reading the reply (WCF's
 * does) would otherwise wait on a service that waits on it once the sockets' buffers are full.
 */
export function streamingService(onUpload: UploadListener = () => {}) {
  return implement(IStreamingSample, {
    GetStream: () => sampleFile(FILE_SIZE),
    UploadStream: async (stream) => {
      onUpload(await digestOf(stream));
      return true;
    },
    EchoStream: async (stream) => {
      const dir = await mkdtemp(join(tmpdir(), 'portshare-echo-'));
      const file = join(dir, 'request');
      await pipeline(stream, createWriteStream(file));
      const copy = createReadStream(file);
      copy.once('close', () => void rm(dir, { recursive: true, force: true }));
      return copy;
    },
    GetReversedStream: () => Readable.from([sampleBytes(FILE_SIZE).reverse()]),
  });
}
