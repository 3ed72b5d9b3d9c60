import { defineContract } from '@portshare/soap';

/** The duplex test's callback: one tick per step. */
export const IStreamCallback = defineContract({
  name: 'IStreamCallback',
  namespace: 'http://portshare.bench/duplex',
  operations: { Tick: { params: [['i', 'int']], oneWay: true } },
});

/** The duplex test: `Stream(n)` sends n one-way callbacks over the session, then replies n. */
export const IStream = defineContract({
  name: 'IStream',
  namespace: 'http://portshare.bench/duplex',
  sessionMode: 'Required',
  callbackContract: IStreamCallback,
  operations: { Stream: { params: [['n', 'int']], returns: 'int' } },
});

/** The streamed upload test: `Upload(Stream)` reads the stream to its end and returns its length. */
export const IUpload = defineContract({
  name: 'IUpload',
  namespace: 'http://portshare.bench/streamed',
  operations: { Upload: { params: [['stream', 'stream']], returns: 'long' } },
});

/** The Net.TCP Port Sharing sample's contract; the WCF test calls Add. */
export const ICalculator = defineContract({
  name: 'ICalculator',
  namespace: 'http://Microsoft.ServiceModel.Samples',
  operations: {
    Add: { params: [['n1', 'double'], ['n2', 'double']], returns: 'double' },
  },
});

/**
 * The many-workers-per-URI test: `Work(n)` hashes a 4 KiB buffer n times (SHA-256) and returns n,
 * an operation whose cost is the service's CPU, as a busy service's operations are.
 */
export const IWork = defineContract({
  name: 'IWork',
  namespace: 'http://portshare.bench/work',
  operations: { Work: { params: [['n', 'int']], returns: 'int' } },
});
