import type { Counters } from '@portshare/control';

/**
 * SMSvcHost's performance counters for net.tcp (docs/protocol.md §9), under our names.
 * `prometheusHelp` gives each its WCF counter name so an operator can map one to the other.
 */
export function createCounters(): Counters {
  return {
    connectionsAccepted: 0,
    connectionsDispatched: 0,
    dispatchFailures: 0,
    protocolFailures: 0,
    registrationsActive: 0,
    urisRegistered: 0,
    urisUnregistered: 0,
    logWriteFailures: 0,
    logLinesSuppressed: 0,
  };
}

const HELP: Record<keyof Counters, [type: 'counter' | 'gauge', help: string]> = {
  connectionsAccepted: ['counter', 'Connections Accepted over net.tcp: every accepted socket.'],
  connectionsDispatched: ['counter', 'Connections Dispatched over net.tcp: successful hand-offs to a worker.'],
  dispatchFailures: ['counter', 'Dispatch Failures over net.tcp: no route, endpoint unavailable, queue full or hand-off failed.'],
  protocolFailures: ['counter', 'Protocol Failures over net.tcp: bad framing, timeout or EOF while reading the preamble.'],
  registrationsActive: ['gauge', 'Registrations Active for net.tcp.'],
  urisRegistered: ['counter', 'Uris Registered for net.tcp.'],
  urisUnregistered: ['counter', 'Uris Unregistered for net.tcp.'],
  // Not SMSvcHost's: the daemon's own health. A log that cannot be written loses lines, not the daemon.
  logWriteFailures: ['counter', 'Log lines that could not be written (disk full, I/O error) and were dropped.'],
  logLinesSuppressed: ['counter', 'Per-connection log lines left out past log.perConnectionLinesPerSecond (summarised each second).'],
};

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Prometheus text exposition format 0.0.4. */
export function prometheusText(counters: Counters, extra: Record<string, number> = {}): string {
  const lines: string[] = [];
  for (const key of Object.keys(HELP) as (keyof Counters)[]) {
    const [type, help] = HELP[key];
    const metric = `portshare_${snake(key)}${type === 'counter' ? '_total' : ''}`;
    lines.push(`# HELP ${metric} ${help}`, `# TYPE ${metric} ${type}`, `${metric} ${counters[key]}`);
  }
  for (const [name, value] of Object.entries(extra)) {
    const metric = `portshare_${snake(name)}`;
    lines.push(`# TYPE ${metric} gauge`, `${metric} ${value}`);
  }
  return lines.join('\n') + '\n';
}
