import { createInterface } from 'node:readline';

let input: { lines: string[]; ended: boolean; waiting: ((line: string | null) => void)[] } | undefined;

/**
 * Console.ReadLine: resolves with the next line of standard input, or null at end of input (as
 * .NET returns null), so "Press <ENTER>" also ends when stdin is closed. One reader serves the
 * whole process, so lines typed ahead are kept for the next call.
 */
export function readLine(): Promise<string | null> {
  if (!input) {
    const state = { lines: [] as string[], ended: false, waiting: [] as ((line: string | null) => void)[] };
    input = state;
    const rl = createInterface({ input: process.stdin, terminal: false });
    rl.on('line', (line) => {
      const w = state.waiting.shift();
      if (w) w(line);
      else state.lines.push(line);
    });
    rl.once('close', () => {
      state.ended = true;
      for (const w of state.waiting.splice(0)) w(null);
    });
  }
  const state = input;
  if (state.lines.length > 0) return Promise.resolve(state.lines.shift()!);
  if (state.ended) return Promise.resolve(null);
  return new Promise((resolve) => state.waiting.push(resolve));
}

/** .NET's name for each failure a user of the sample can meet, for the "Unhandled Exception" line. */
export function dotnetExceptionName(code: string | undefined): string {
  switch (code) {
    case 'WORKER_ERR_ADDRESS_ALREADY_IN_USE':
    case 'WORKER_ERR_ALREADY_REGISTERED':
    case 'WORKER_ERR_SERVICE_FAILED_TO_LISTEN':
      return 'System.ServiceModel.AddressAlreadyInUseException';
    case 'SESSION_ERR_ENDPOINT_NOT_FOUND':
      return 'System.ServiceModel.EndpointNotFoundException';
    case 'SESSION_ERR_UPGRADE_INVALID':
      return 'System.ServiceModel.ProtocolException';
    case 'SESSION_ERR_SECURITY_NEGOTIATION_FAILED':
      return 'System.ServiceModel.Security.SecurityNegotiationException';
    case 'SESSION_ERR_IDENTITY_CHECK_FAILED':
      return 'System.ServiceModel.Security.MessageSecurityException';
    case 'SOAP_ERR_FAULT':
      return 'System.ServiceModel.FaultException';
    default:
      return 'System.ServiceModel.CommunicationException';
  }
}
