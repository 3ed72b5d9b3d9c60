export { IStreamingSample, MAX_RECEIVED_MESSAGE_SIZE, streamingAddress } from './contract.js';
export { digestOf, sampleBytes, sampleFile, type StreamDigest } from './sample-file.js';
export { FILE_SIZE, streamingService, type UploadListener } from './service-implementation.js';
