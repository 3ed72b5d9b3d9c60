import { defineContract } from '@portshare/soap';

/**
 * The contract of WCF's Stream sample:
 *
 * ```cs
 * [ServiceContract(Namespace = "http://Microsoft.ServiceModel.Samples")]
 * public interface IStreamingSample {
 *   [OperationContract] Stream GetStream(string data);
 *   [OperationContract] bool UploadStream(Stream stream);
 *   [OperationContract] Stream EchoStream(Stream stream);
 *   [OperationContract] Stream GetReversedStream();
 * }
 * ```
 *
 * Served with TransferMode.Streamed: each call is one connection in singleton mode, and the
 * streams move as they are read and written.
 */
export const IStreamingSample = defineContract({
  name: 'IStreamingSample',
  namespace: 'http://Microsoft.ServiceModel.Samples',
  operations: {
    GetStream: { params: [['data', 'string']], returns: 'stream' },
    UploadStream: { params: [['stream', 'stream']], returns: 'bool' },
    EchoStream: { params: [['stream', 'stream']], returns: 'stream' },
    GetReversedStream: { returns: 'stream' },
  },
});

/** The sample's address on `host`:`port` (the calculator sample's shared port by default). */
export function streamingAddress(host: string, port: number): string {
  return `net.tcp://${host}:${port}/servicemodelsamples/streaming`;
}

/**
 * The largest message the sample takes: 64 MiB, the `maxReceivedMessageSize` of the WCF sample's
 * configuration.
 */
export const MAX_RECEIVED_MESSAGE_SIZE = 67_108_864;
