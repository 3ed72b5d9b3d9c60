/**
 * Which message encoder a session uses, from the content type of its preamble's encoding record.
 *
 * @module
 */

import { SoapError, SoapErrorCodes } from './errors.js';
import { BinaryMessageEncoder, BinarySessionEncoder, type MessageEncoder } from './message-encoder.js';
import type { ReaderQuotas } from './quotas.js';
import { TEXT_SOAP12_CONTENT_TYPE, TextMessageEncoder } from './text-encoder.js';

/** The binary session encoding's content type, NetTcpBinding's ([MC-NMF] KnownEncoding 8). */
export const BINARY_SESSION_CONTENT_TYPE = 'application/soap+msbinsession1';

/** The sessionless binary encoding's content type ([MC-NMF] KnownEncoding 7, singleton mode). */
export const BINARY_CONTENT_TYPE = 'application/soap+msbin1';

/** Content types the message layer reads and writes on a session. */
export const SUPPORTED_CONTENT_TYPES: readonly string[] = [BINARY_SESSION_CONTENT_TYPE, BINARY_CONTENT_TYPE, TEXT_SOAP12_CONTENT_TYPE];

/** The encoder for `contentType` (binary session when the channel does not say). */
export function encoderFor(
  contentType: string | undefined,
  options: { quotas?: Partial<ReaderQuotas> | undefined; writerSessionSize?: number | undefined },
): MessageEncoder {
  const type = (contentType ?? BINARY_SESSION_CONTENT_TYPE).toLowerCase().replace(/\s+/g, '');
  if (type === BINARY_SESSION_CONTENT_TYPE) {
    return new BinarySessionEncoder({
      ...(options.quotas ? { quotas: options.quotas } : {}),
      ...(options.writerSessionSize !== undefined ? { writerSessionSize: options.writerSessionSize } : {}),
    });
  }
  if (type === BINARY_CONTENT_TYPE) return new BinaryMessageEncoder(options.quotas ? { quotas: options.quotas } : {});
  if (type === TEXT_SOAP12_CONTENT_TYPE.replace(/\s+/g, '')) return new TextMessageEncoder(options.quotas ? { quotas: options.quotas } : {});
  throw new SoapError(
    SoapErrorCodes.INVALID_VALUE,
    `The session's encoding ${JSON.stringify(contentType)} is not one the message layer serves (${SUPPORTED_CONTENT_TYPES.join(', ')}). Let the transport accept only those (the ServiceHost does).`,
  );
}
