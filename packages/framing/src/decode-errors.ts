/**
 * Builders for the FramingErrors both decoders throw. The first sentence of each message is WCF's
 * own text (System.ServiceModel.txt, WCF's string resources in the reference source);
 * the second tells the operator what to do.
 *
 * @module
 * @internal
 */

import { FramingError, FramingErrorCodes } from './errors.js';
import { FaultUri, recordTypeName } from './records.js';

/** "Expected record type '{0}', found '{1}'." (SR FramingRecordTypeMismatch). */
export function recordTypeMismatch(expected: number, found: number, position: number): FramingError {
  return new FramingError(
    FramingErrorCodes.RECORD_TYPE_MISMATCH,
    `Expected record type '${recordTypeName(expected)}', found '${recordTypeName(found)}'. The peer broke the .NET Message Framing record order; check that both sides use the same binding (mode, security, transfer mode).`,
    { position },
  );
}

/** "Framing major version {0} is not supported." (SR FramingVersionNotSupported). */
export function unsupportedVersion(major: number, position: number): FramingError {
  return new FramingError(
    FramingErrorCodes.UNSUPPORTED_VERSION,
    `Framing major version ${major} is not supported. Only version 1 exists; the peer is not a .NET Message Framing client.`,
    { position, faultUri: FaultUri.UnsupportedVersion },
  );
}

/** "Framing mode {0} is not supported." (SR FramingModeNotSupported). */
export function unsupportedMode(mode: number, position: number): FramingError {
  return new FramingError(
    FramingErrorCodes.UNSUPPORTED_MODE,
    `Framing mode ${mode} is not supported. Valid modes are 1 (singleton-unsized), 2 (duplex), 3 (simplex) and 4 (singleton-sized).`,
    { position, faultUri: FaultUri.UnsupportedMode },
  );
}

/** "The framing via size ({0}) exceeds the quota." (SR FramingViaTooLong). */
export function viaTooLong(size: number, limit: number, position: number): FramingError {
  return new FramingError(
    FramingErrorCodes.VIA_TOO_LONG,
    `The framing via size (${size}) exceeds the quota. The limit is ${limit} bytes (option maxViaBytes); shorten the endpoint address or raise the limit.`,
    { position, faultUri: FaultUri.ViaTooLong },
  );
}

/** "The framing content type size ({0}) exceeds the quota." (SR FramingContentTypeTooLong). */
export function contentTypeTooLong(size: number, limit: number, position: number): FramingError {
  return new FramingError(
    FramingErrorCodes.CONTENT_TYPE_TOO_LONG,
    `The framing content type size (${size}) exceeds the quota. The limit is ${limit} bytes (option maxContentTypeBytes); use a shorter content type or raise the limit.`,
    { position, faultUri: FaultUri.ContentTypeTooLong },
  );
}

/**
 * WCF decodes the upgrade protocol name with its content type decoder, so it reports an over-long
 * name with the content type text and the ContentTypeTooLong fault (FramingDecoders.cs
 * ServerSessionDecoder `ReadingUpgradeString`); we keep the fault but name the field.
 */
export function upgradeTooLong(size: number, limit: number, position: number): FramingError {
  return new FramingError(
    FramingErrorCodes.UPGRADE_TOO_LONG,
    `The framing upgrade protocol size (${size}) exceeds the quota. The limit is ${limit} bytes (option maxUpgradeBytes); known protocols are application/ssl-tls and application/negotiate.`,
    { position, faultUri: FaultUri.ContentTypeTooLong },
  );
}

/** "The framing fault size ({0}) exceeds the quota." (SR FramingFaultTooLong). */
export function faultTooLong(size: number, limit: number, position: number): FramingError {
  return new FramingError(
    FramingErrorCodes.FAULT_TOO_LONG,
    `The framing fault size (${size}) exceeds the quota. The limit is ${limit} bytes (option maxFaultBytes); the server is not sending a .NET Message Framing fault URI.`,
    { position },
  );
}

/** [MC-NMF] 2.2.5: a fault's size "MUST NOT be set to 0". */
export function zeroSizeFault(position: number): FramingError {
  return new FramingError(
    FramingErrorCodes.ZERO_SIZE,
    'The framing fault record has size 0, which [MC-NMF] 2.2.5 forbids. The server must send a fault URI.',
    { position },
  );
}

/**
 * WCF's MaxReceivedMessageSize text ("The maximum message size quota for incoming messages ({0})
 * has been exceeded. ..."); the server answers with the MaxMessageSizeExceededFault fault
 * (SessionConnectionReader.cs).
 */
export function messageTooLarge(
  size: number,
  limit: number,
  position: number,
  faultUri: string | undefined,
): FramingError {
  return new FramingError(
    FramingErrorCodes.MESSAGE_TOO_LARGE,
    `The maximum message size quota for incoming messages (${limit}) has been exceeded. The message has at least ${size} bytes; to increase the quota, raise the maxMessageSize option (MaxReceivedMessageSize on the WCF binding).`,
    { position, faultUri },
  );
}

/** "More data was expected, but EOF was reached." (SR FramingPrematureEOF). */
export function prematureEof(position: number, where: string): FramingError {
  return new FramingError(
    FramingErrorCodes.PREMATURE_EOF,
    `More data was expected, but EOF was reached. The connection closed ${where}; the peer disconnected or timed out mid-record.`,
    { position },
  );
}

/** "An attempt was made to decode a value after the framing stream was ended." (SR FramingAtEnd). */
export function atEnd(position: number): FramingError {
  return new FramingError(
    FramingErrorCodes.AT_END,
    'An attempt was made to decode a value after the framing stream was ended. Start a new PreambleDecoder for the bytes after the End record, or call reset().',
    { position },
  );
}

/**
 * SR PreambleAckIncorrect / PreambleAckIncorrectMaybeHttp: what a WCF client says when the
 * server's first byte is not PreambleAck, UpgradeResponse or Fault (FramingDecoders.cs
 * `ValidatePreambleAck`).
 */
export function notFraming(found: number, position: number): FramingError {
  const http = found === 0x68 || found === 0x48; // 'h' or 'H': likely "HTTP/1.1 ..."
  return new FramingError(
    FramingErrorCodes.NOT_FRAMING,
    http
      ? 'You have tried to create a channel to a service that does not support .Net Framing. It is possible that you are encountering an HTTP endpoint.'
      : 'You have tried to create a channel to a service that does not support .Net Framing.',
    {
      position,
      cause: new FramingError(
        FramingErrorCodes.RECORD_TYPE_MISMATCH,
        `Expected record type '${recordTypeName(0x0b)}', found '${recordTypeName(found)}'.`,
        { position },
      ),
    },
  );
}
