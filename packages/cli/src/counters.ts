import type { Counters } from '@portshare/control';

/**
 * Each counter's name among SMSvcHost's performance counters (category "SMSvcHost 4.0.0.0";
 * docs/protocol.md §9), so an operator used to perfmon finds the same figures.
 */
export const SMSVCHOST_COUNTER_NAMES: Record<keyof Counters, string> = {
  connectionsAccepted: 'Connections Accepted over net.tcp',
  connectionsDispatched: 'Connections Dispatched over net.tcp',
  dispatchFailures: 'Dispatch Failures over net.tcp',
  protocolFailures: 'Protocol Failures over net.tcp',
  registrationsActive: 'Registrations Active for net.tcp',
  urisRegistered: 'Uris Registered for net.tcp',
  urisUnregistered: 'Uris Unregistered for net.tcp',
  // The daemon's own health; SMSvcHost has no such counters.
  logWriteFailures: 'Log write failures (portshare)',
  logLinesSuppressed: 'Log lines suppressed (portshare)',
};

export interface CounterRow {
  name: keyof Counters;
  smsvchostName: string;
  value: number;
}

export function counterRows(counters: Counters): CounterRow[] {
  return (Object.keys(SMSVCHOST_COUNTER_NAMES) as (keyof Counters)[]).map((name) => ({
    name,
    smsvchostName: SMSVCHOST_COUNTER_NAMES[name],
    value: counters[name],
  }));
}
