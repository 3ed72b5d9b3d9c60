import { describe, expect, it } from 'vitest';
import { faultMessage } from './fault-messages.js';
import { FaultUri } from './records.js';

const via = 'net.tcp://localhost:9000/calculator/4381';

describe('faultMessage (what a WCF client says for each fault)', () => {
  it.each([
    [
      'EndpointNotFound',
      'EndpointNotFoundException',
      `There was no endpoint listening at ${via} that could accept the message. This is often caused by an incorrect address or SOAP action. See InnerException, if present, for more details.`,
    ],
    [
      'EndpointUnavailable',
      'EndpointNotFoundException',
      `The message could not be dispatched because the service at the endpoint address '${via}' is unavailable for the protocol of the address.`,
    ],
    [
      'ConnectionDispatchFailed',
      'CommunicationException',
      `The message could not be dispatched to the service at address '${via}'. Refer to the server Event Log for more details`,
    ],
    [
      'ContentTypeInvalid',
      'ProtocolException',
      `Content Type application/soap+msbinsession1 was not supported by service ${via}.  The client and service bindings may be mismatched.`,
    ],
    [
      'ContentTypeTooLong',
      'CommunicationException',
      "Content type 'application/soap+msbinsession1' is too long to be processed by the remote host. See the server logs for more details.",
    ],
    [
      'MaxMessageSizeExceeded',
      'CommunicationException',
      'The maximum message size quota for incoming messages has been exceeded for the remote channel. See the server logs for more details.',
    ],
    ['ServerTooBusy', 'ServerTooBusyException', `Server '${via}' is too busy to process this request. Try again later.`],
    [
      'ServiceActivationFailed',
      'ServiceActivationException',
      `The requested service, '${via}' could not be activated. See the server's diagnostic trace logs for more information.`,
    ],
    [
      'UnsupportedMode',
      'ProtocolException',
      `The .Net Framing mode being used is not supported by '${via}'. See the server logs for more details.`,
    ],
    [
      'UnsupportedVersion',
      'ProtocolException',
      `The .Net Framing version being used is not supported by '${via}'. See the server logs for more details.`,
    ],
    [
      'UpgradeInvalid',
      'ProtocolException',
      `The requested upgrade is not supported by '${via}'. This could be due to mismatched bindings (for example security enabled on the client and not on the server).`,
    ],
    [
      'ViaTooLong',
      'CommunicationException',
      `Via '${via}' is too long to be processed by the remote host. See the server logs for more details.`,
    ],
  ] as const)('%s', (name, exception, message) => {
    const result = faultMessage(FaultUri[name], via, 'application/soap+msbinsession1');
    expect(result.exception).toBe(exception);
    expect(result.message).toBe(message);
    expect(FaultUri[name]).toBe(`http://schemas.microsoft.com/ws/2006/05/framing/faults/${result.code}`);
  });

  it('covers every FaultUri', () => {
    for (const uri of Object.values(FaultUri)) {
      expect(faultMessage(uri, via).code).not.toBe('Unrecognized');
    }
  });

  it('an unknown fault is "Server faulted with code"', () => {
    expect(faultMessage('urn:custom', via)).toEqual({
      code: 'Unrecognized',
      exception: 'ProtocolException',
      message: "Server faulted with code 'urn:custom'.",
    });
    expect(faultMessage('constructor', via).code).toBe('Unrecognized');
  });
});
