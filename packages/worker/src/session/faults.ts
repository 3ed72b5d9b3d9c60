/**
 * Framing faults as session errors: which code each fault URI maps to, and the text a WCF client
 * shows for it.
 *
 * @module
 */

import { FaultUri, faultMessage } from '@portshare/framing';
import { SessionError, type SessionErrorCode, SessionErrorCodes } from './errors.js';

// One code per fault URI of [MC-NMF] 2.2.5 / FramingFormat.cs `FramingEncodingString`.
const CODE_OF_FAULT: ReadonlyMap<string, SessionErrorCode> = new Map<string, SessionErrorCode>([
  [FaultUri.EndpointNotFound, SessionErrorCodes.ENDPOINT_NOT_FOUND],
  [FaultUri.EndpointUnavailable, SessionErrorCodes.ENDPOINT_UNAVAILABLE],
  [FaultUri.ConnectionDispatchFailed, SessionErrorCodes.CONNECTION_DISPATCH_FAILED],
  [FaultUri.ContentTypeInvalid, SessionErrorCodes.CONTENT_TYPE_INVALID],
  [FaultUri.ContentTypeTooLong, SessionErrorCodes.CONTENT_TYPE_TOO_LONG],
  [FaultUri.MaxMessageSizeExceeded, SessionErrorCodes.MESSAGE_TOO_LARGE],
  [FaultUri.ServerTooBusy, SessionErrorCodes.SERVER_TOO_BUSY],
  [FaultUri.ServiceActivationFailed, SessionErrorCodes.SERVICE_ACTIVATION_FAILED],
  [FaultUri.UnsupportedMode, SessionErrorCodes.UNSUPPORTED_MODE],
  [FaultUri.UnsupportedVersion, SessionErrorCodes.UNSUPPORTED_VERSION],
  [FaultUri.UpgradeInvalid, SessionErrorCodes.UPGRADE_INVALID],
  [FaultUri.ViaTooLong, SessionErrorCodes.VIA_TOO_LONG],
]);

/** The session error code of a fault URI (`SESSION_ERR_SERVER_FAULT` for URIs WCF does not define). */
export function faultCode(faultUri: string): SessionErrorCode {
  return CODE_OF_FAULT.get(faultUri) ?? SessionErrorCodes.SERVER_FAULT;
}

/**
 * The error a client raises for a Fault record received from the server: the code of the fault
 * and the message a WCF client shows for it (FramingDecoders.cs `FaultStringDecoder.GetFaultException`).
 * `contentType` is the one the client sent; two of the texts name it.
 */
export function faultReceivedError(faultUri: string, via: string, contentType: string): SessionError {
  return new SessionError(faultCode(faultUri), faultMessage(faultUri, via, contentType).message, { faultUri });
}
