import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { ServiceError, ServiceErrorCodes } from './errors.js';

/**
 * The daemon's configuration: SMSvcHost.exe.config's <net.tcp> knobs with their .NET 4.x defaults
 * (wcf-port-sharing notes §3.1), plus what a Linux daemon needs (allow list, privileges, logging).
 * Every limit the daemon enforces is here, by name.
 */
export interface ServiceConfig {
  /** listen() backlog of each shared socket. SMSvcHost: 12 × processors. */
  listenBacklog: number;
  /**
   * SMSvcHost keeps this many accepts outstanding per socket (4 × processors). libuv accepts every
   * queued connection as soon as the socket is readable, so there is no separate knob to turn; the
   * value is validated and reported, and maxPendingConnections is the real bound.
   */
  maxPendingAccepts: number;
  /** Connections still having their preamble read, and hand-offs queued per registration. Over it: abort. */
  maxPendingConnections: number;
  /**
   * When maxPendingConnections is reached, a new connection evicts the oldest pending one if that
   * one has been pending at least this long; otherwise the new one is aborted. A well-behaved
   * client sends its preamble with its first write, usually before the accept completes, so only
   * connections that dawdle grow old, and attackers that keep the table full cannot lock good
   * clients out. The small default (50 ms) spares connections accepted in the same burst whose
   * bytes have not been read yet. Set it to receiveTimeoutMs or more to never evict (SMSvcHost's
   * behaviour).
   */
  pendingEvictionMinAgeMs: number;
  /** Time allowed to read the preamble through the via/encoding and dispatch it. Default 30 s. */
  receiveTimeoutMs: number;
  /** Also listen on [::] for host-name registrations (takes teredoEnabled's place). */
  ipv6: boolean;
  /** Who may register URIs: the allowAccounts equivalent. Names or numeric ids. */
  allowAccounts: { users: string[]; groups: string[] };
  /** 'auto': pass the socket (SCM_RIGHTS) when the addon loads, else proxy; 'proxy': always proxy. */
  handoff: 'auto' | 'proxy';
  /** Largest via accepted, UTF-8 bytes ([MC-NMF] MaxViaSize). */
  maxViaBytes: number;
  /** Largest extensible-encoding content type ([MC-NMF] MaxContentTypeSize). */
  maxContentTypeBytes: number;
  /** Largest control message (WCF RegistrationMaxReceivedMessageSize). */
  maxControlMessageBytes: number;
  /** Most registrations held at once (WCF RegistrationQuotaExceeded past it). */
  maxRegistrations: number;
  /** Registrations one control connection may hold. */
  maxRegistrationsPerConnection: number;
  /** Control connections open at once. */
  maxControlConnections: number;
  /** Of those, connections from accounts not on the allow list (they can only be refused). */
  maxUnlistedControlConnections: number;
  /** Requests one control connection may have read and not yet answered before reading pauses. */
  maxControlRequestsInFlight: number;
  /** After a fault: drain at most this many bytes (WCF MaxDrainSize 64 KiB)… */
  faultDrainBytes: number;
  /** …for at most this long (WCF SharedSendTimeout, 1 min). */
  faultDrainTimeoutMs: number;
  /**
   * Ports bound at start on the any-addresses (0.0.0.0, and [::] with ipv6), before privileges
   * drop: ports below 1024 cannot be bound afterwards. Registrations on a reserved port use these
   * sockets, IP-literal ones included (the route still checks the local address).
   */
  reservedPorts: number[];
  /** Drop to this user (and group) after binding, when started as root. */
  user: string | undefined;
  group: string | undefined;
  /** pino level, and a file (default: the instance's log file; '-' for stderr). */
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'; file: string | undefined };
  /** Prometheus text on http://host:port/metrics when port is set. */
  metrics: { port: number | undefined; host: string };
}

export function defaultConfig(): ServiceConfig {
  const procs = availableParallelism();
  return {
    listenBacklog: 12 * procs,
    maxPendingAccepts: 4 * procs,
    maxPendingConnections: 100,
    pendingEvictionMinAgeMs: 50,
    receiveTimeoutMs: 30_000,
    ipv6: true,
    allowAccounts: { users: [], groups: [] },
    handoff: 'auto',
    maxViaBytes: 2048,
    maxContentTypeBytes: 256,
    maxControlMessageBytes: 10_000,
    maxRegistrations: 10_000,
    maxRegistrationsPerConnection: 10_000,
    maxControlConnections: 256,
    maxUnlistedControlConnections: 16,
    maxControlRequestsInFlight: 64,
    faultDrainBytes: 65_536,
    faultDrainTimeoutMs: 60_000,
    reservedPorts: [],
    user: undefined,
    group: undefined,
    log: { level: 'info', file: undefined },
    metrics: { port: undefined, host: '127.0.0.1' },
  };
}

function bad(key: string, reason: string, source: string): ServiceError {
  return new ServiceError(
    ServiceErrorCodes.BadConfig,
    `Invalid configuration in ${source}: '${key}' ${reason}. Fix the value or remove the key to use the default.`,
  );
}

type Check = (value: unknown, key: string, source: string) => unknown;

const int = (min: number, max: number): Check => (v, key, source) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw bad(key, `must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`, source);
  }
  return v;
};
const bool: Check = (v, key, source) => {
  if (typeof v !== 'boolean') throw bad(key, `must be true or false (got ${JSON.stringify(v)})`, source);
  return v;
};
const oneOf = (...values: string[]): Check => (v, key, source) => {
  if (typeof v !== 'string' || !values.includes(v)) throw bad(key, `must be one of ${values.join(', ')} (got ${JSON.stringify(v)})`, source);
  return v;
};
const optString: Check = (v, key, source) => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v === '') throw bad(key, `must be a non-empty string (got ${JSON.stringify(v)})`, source);
  return v;
};
const stringList: Check = (v, key, source) => {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s !== '')) throw bad(key, 'must be a list of names or numeric ids', source);
  return v;
};
const portList: Check = (v, key, source) => {
  if (!Array.isArray(v)) throw bad(key, 'must be a list of ports', source);
  v.forEach((p, i) => int(1, 65535)(p, `${key}[${i}]`, source));
  return v;
};

/** A TimeSpan like WCF's "00:00:30", or milliseconds. */
const duration = (min: number, max: number): Check => (v, key, source) => {
  let ms: number | undefined;
  if (typeof v === 'number') ms = v;
  else if (typeof v === 'string') {
    const m = /^(\d+):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(v);
    if (m) ms = (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000 + Number((m[4] ?? '0').padEnd(3, '0'));
  }
  if (ms === undefined || !Number.isInteger(ms) || ms < min || ms > max) {
    throw bad(key, `must be milliseconds or hh:mm:ss from ${min} to ${max} ms (got ${JSON.stringify(v)})`, source);
  }
  return ms;
};

const schema: Record<string, Check | Record<string, Check>> = {
  listenBacklog: int(1, 65535),
  maxPendingAccepts: int(1, 65535),
  maxPendingConnections: int(1, 1_000_000),
  pendingEvictionMinAgeMs: duration(0, 24 * 3600_000),
  receiveTimeoutMs: duration(1, 24 * 3600_000),
  ipv6: bool,
  allowAccounts: { users: stringList, groups: stringList },
  handoff: oneOf('auto', 'proxy'),
  maxViaBytes: int(16, 2048),
  maxContentTypeBytes: int(16, 256),
  maxControlMessageBytes: int(256, 1 << 20),
  maxRegistrations: int(1, 1_000_000),
  maxRegistrationsPerConnection: int(1, 1_000_000),
  maxControlConnections: int(1, 65535),
  maxUnlistedControlConnections: int(0, 65535),
  maxControlRequestsInFlight: int(1, 65535),
  faultDrainBytes: int(0, 1 << 24),
  faultDrainTimeoutMs: duration(0, 3600_000),
  reservedPorts: portList,
  user: optString,
  group: optString,
  log: { level: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), file: optString },
  metrics: { port: (v, k, s) => (v === undefined || v === null ? undefined : int(0, 65535)(v, k, s)), host: optString },
};

/**
 * Validates a parsed configuration object over the defaults. Unknown keys are refused too: a typo
 * must not silently leave a limit at its default.
 */
export function validateConfig(input: unknown, source = 'configuration'): ServiceConfig {
  const out = defaultConfig() as unknown as Record<string, unknown>;
  if (input === undefined || input === null) return out as unknown as ServiceConfig;
  if (typeof input !== 'object' || Array.isArray(input)) throw bad('(root)', 'must be a JSON object', source);
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (key === '$schema' || key === '//') continue;
    const check = schema[key];
    if (!check) throw bad(key, `is not a known setting (known: ${Object.keys(schema).join(', ')})`, source);
    if (typeof check === 'function') {
      const v = check(value, key, source);
      if (v !== undefined) out[key] = v;
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(key, 'must be an object', source);
    const target = { ...(out[key] as Record<string, unknown>) };
    for (const [sub, subValue] of Object.entries(value as Record<string, unknown>)) {
      const subCheck = check[sub];
      if (!subCheck) throw bad(`${key}.${sub}`, `is not a known setting (known: ${Object.keys(check).join(', ')})`, source);
      const v = subCheck(subValue, `${key}.${sub}`, source);
      if (v !== undefined) target[sub] = v;
    }
    out[key] = target;
  }
  return out as unknown as ServiceConfig;
}

/** Reads and validates a config file; a missing file means the defaults. */
export function loadConfig(file: string): ServiceConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return defaultConfig();
    throw new ServiceError(ServiceErrorCodes.BadConfig, `Cannot read the configuration file ${file}: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ServiceError(ServiceErrorCodes.BadConfig, `The configuration file ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  return validateConfig(parsed, file);
}
