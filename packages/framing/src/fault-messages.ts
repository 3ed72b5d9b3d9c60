/**
 * What a WCF client tells its user for each framing fault, so that our clients say the same.
 *
 * Mapping and texts from FramingDecoders.cs `FaultStringDecoder.GetFaultException` and the
 * System.ServiceModel string resources it uses (EndpointNotFound, FramingContentTypeMismatch,
 * Hosting_ServiceActivationFailed, Sharing_ConnectionDispatchFailed, Sharing_EndpointUnavailable,
 * FramingMaxMessageSizeExceeded, FramingModeNotSupportedFault, FramingVersionNotSupportedFault,
 * FramingContentTypeTooLongFault, FramingViaTooLongFault, ServerTooBusy, FramingUpgradeInvalid,
 * FramingFaultUnrecognized). The odd spacing and missing final periods are WCF's.
 *
 * @module
 */

import { FAULT_NAMESPACE, FaultUri } from './records.js';

/** The client-side reading of a fault. */
export interface FaultMessage {
  /**
   * The fault's name (the URI after the framing fault namespace, e.g. `EndpointNotFound`), or
   * `Unrecognized` for a URI WCF does not know.
   */
  code: string;
  /** The .NET exception type a WCF client throws, e.g. `EndpointNotFoundException`. */
  exception: string;
  /** The exception message a WCF client shows, with the via (and content type) filled in. */
  message: string;
}

type Texts = { exception: string; text: (via: string, contentType: string) => string };

const MESSAGES: Readonly<Record<string, Texts>> = {
  [FaultUri.EndpointNotFound]: {
    exception: 'EndpointNotFoundException',
    text: (via) =>
      `There was no endpoint listening at ${via} that could accept the message. This is often caused by an incorrect address or SOAP action. See InnerException, if present, for more details.`,
  },
  [FaultUri.ContentTypeInvalid]: {
    exception: 'ProtocolException',
    text: (via, contentType) =>
      `Content Type ${contentType} was not supported by service ${via}.  The client and service bindings may be mismatched.`,
  },
  [FaultUri.ServiceActivationFailed]: {
    exception: 'ServiceActivationException',
    text: (via) =>
      `The requested service, '${via}' could not be activated. See the server's diagnostic trace logs for more information.`,
  },
  [FaultUri.ConnectionDispatchFailed]: {
    exception: 'CommunicationException',
    text: (via) =>
      `The message could not be dispatched to the service at address '${via}'. Refer to the server Event Log for more details`,
  },
  [FaultUri.EndpointUnavailable]: {
    exception: 'EndpointNotFoundException',
    text: (via) =>
      `The message could not be dispatched because the service at the endpoint address '${via}' is unavailable for the protocol of the address.`,
  },
  [FaultUri.MaxMessageSizeExceeded]: {
    exception: 'CommunicationException',
    text: () =>
      'The maximum message size quota for incoming messages has been exceeded for the remote channel. See the server logs for more details.',
  },
  [FaultUri.UnsupportedMode]: {
    exception: 'ProtocolException',
    text: (via) => `The .Net Framing mode being used is not supported by '${via}'. See the server logs for more details.`,
  },
  [FaultUri.UnsupportedVersion]: {
    exception: 'ProtocolException',
    text: (via) =>
      `The .Net Framing version being used is not supported by '${via}'. See the server logs for more details.`,
  },
  [FaultUri.ContentTypeTooLong]: {
    exception: 'CommunicationException',
    text: (_via, contentType) =>
      `Content type '${contentType}' is too long to be processed by the remote host. See the server logs for more details.`,
  },
  [FaultUri.ViaTooLong]: {
    exception: 'CommunicationException',
    text: (via) => `Via '${via}' is too long to be processed by the remote host. See the server logs for more details.`,
  },
  [FaultUri.ServerTooBusy]: {
    exception: 'ServerTooBusyException',
    text: (via) => `Server '${via}' is too busy to process this request. Try again later.`,
  },
  [FaultUri.UpgradeInvalid]: {
    exception: 'ProtocolException',
    text: (via) =>
      `The requested upgrade is not supported by '${via}'. This could be due to mismatched bindings (for example security enabled on the client and not on the server).`,
  },
};

/**
 * The exception WCF's client produces for a received fault. `contentType` fills the two texts that
 * name it (ContentTypeInvalid, ContentTypeTooLong); pass the content type the client sent.
 */
export function faultMessage(faultUri: string, via: string, contentType = ''): FaultMessage {
  // Own-property lookup only: a fault URI such as "constructor" must not hit Object.prototype.
  const texts = Object.hasOwn(MESSAGES, faultUri) ? MESSAGES[faultUri] : undefined;
  if (texts === undefined) {
    return { code: 'Unrecognized', exception: 'ProtocolException', message: `Server faulted with code '${faultUri}'.` };
  }
  return { code: faultUri.slice(FAULT_NAMESPACE.length), exception: texts.exception, message: texts.text(via, contentType) };
}
