import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { FramingLimits, parseVia } from '@portshare/framing';
import { lookupGroupId, lookupUser } from './accounts.js';
import { keyName, parseConfigJson } from './config-json.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';
import { parseTimeSpan } from './timespan.js';

/**
 * The daemon's configuration: SMSvcHost.exe.config's <net.tcp> knobs with their .NET 4.x defaults
 * (docs/protocol.md §8), plus what a Linux daemon needs (allow list, privileges, logging).
 * Every limit the daemon enforces is here, by name.
 */
export interface ServiceConfig {
  /**
   * listen() backlog of each shared socket (the kernel caps it at net.core.somaxconn). SMSvcHost
   * uses 12 × processors, but it aborts nothing while full; portshare leaves clients in this queue
   * while its pending table is full, so the default (4096) is sized for a burst of clients.
   */
  listenBacklog: number;
  /**
   * SMSvcHost keeps this many accepts outstanding per socket (4 × processors). libuv accepts every
   * queued connection as soon as the socket is readable, so there is no separate knob to turn; the
   * value is validated and reported, and maxPendingConnections is the real bound.
   */
  maxPendingAccepts: number;
  /**
   * TCP_DEFER_ACCEPT on the shared sockets (tcp(7)): a connection is accepted only once it has sent
   * data, or after about this many seconds. A net.tcp client sends its preamble at once, so it is
   * not delayed; a client that connects and says nothing costs the daemon nothing meanwhile.
   * 0 turns it off.
   */
  deferAcceptSeconds: number;
  /**
   * Connections still having their preamble read (and hand-offs queued per registration). When
   * they are all taken the daemon stops accepting and new clients wait in the listen backlog.
   */
  maxPendingConnections: number;
  /**
   * When maxPendingConnections is reached and a client waits in the backlog, the oldest pending
   * connection gives up its slot if it has been pending at least this long; otherwise the client
   * waits. A well-behaved client sends its preamble with its first write, so only connections that
   * dawdle grow old, and attackers that keep the table full cannot lock good clients out. The
   * default (1 s) spares good clients in a burst whose first write comes late because their own
   * process is busy opening thousands of connections. Set it to receiveTimeoutMs or more to never
   * evict (SMSvcHost's behaviour).
   */
  pendingEvictionMinAgeMs: number;
  /** Time allowed to read the preamble through the via/encoding and dispatch it. Default 30 s. */
  receiveTimeoutMs: number;
  /**
   * A worker that has hand-offs waiting and takes none for this long is stalled: they are
   * withdrawn and their clients closed, and its new connections are aborted until it takes one
   * again. Its registration stays. Default 2 s.
   */
  workerStallTimeoutMs: number;
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
  /** Control connections one uid may hold at once. Root and the daemon's own user are not capped: a host with many root workers must still reach its own daemon. */
  maxControlConnectionsPerUser: number;
  /**
   * Of maxControlConnections, this many are kept for root and the daemon's own user, so that an
   * administrator can always run `portshare status` or `stop` however many connections others
   * hold. Must be less than maxControlConnections.
   */
  reservedControlConnections: number;
  /**
   * A control connection that holds no registration and sends no request for this long is closed
   * (a worker's connection holding registrations is never idle: it lives as long as they do).
   */
  controlIdleTimeoutMs: number;
  /**
   * After a registration ends, only the same uid may register that URI again for this long, so
   * another local account cannot snatch the address of a worker that is restarting.
   */
  /**
   * A static route's connection to its server must be established within this long; past it (or
   * refused) the client gets the ConnectionDispatchFailed fault and the server is marked down.
   */
  routeConnectTimeoutMs: number;
  /**
   * A restart or reload that takes over from the running daemon waits this long, at most, for the
   * workers to register with it before it accepts clients (docs/operations.md). Also bounds the
   * passing of the listening sockets.
   */
  takeoverTimeoutMs: number;
  registrationHoldMs: number;
  /**
   * URI reservations, like `netsh http add urlacl` for HTTP.sys: a URI under a reservation's
   * prefix may be registered only by its users and groups (and root and the daemon's own user).
   */
  reservations: UriReservation[];
  /**
   * Static routes: connections whose via matches `uri` (the lookup rules, host modes and
   * precedence of registrations) are relayed to a net.tcp server at `to` that cannot register
   * itself (an unmodified CoreWCF or Mono WCF service), which answers the preamble itself.
   */
  routes: StaticRoute[];
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
  /**
   * pino level, and a file (default: the instance's log file; '-' for stderr). Strings a client or
   * a local peer controls (via, content type, error texts) are cut to maxLineFieldBytes in log
   * lines, and lines about single connections beyond perConnectionLinesPerSecond are summarised.
   */
  log: {
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
    file: string | undefined;
    maxLineFieldBytes: number;
    perConnectionLinesPerSecond: number;
  };
  /** Prometheus text on http://host:port/metrics when port is set. */
  metrics: { port: number | undefined; host: string };
}

/** One URI reservation: who may register URIs under `uri`. Accounts are names or numeric ids. */
export interface UriReservation {
  /** An absolute net.tcp URI, e.g. net.tcp://+:808/app/ */
  uri: string;
  users: string[];
  groups: string[];
}

export interface StaticRoute {
  /** The base URI routed, e.g. net.tcp://+:808/legacy/ */
  uri: string;
  /**
   * The server: host:port, the host an IP literal ([::1] for IPv6) or a name resolved at start;
   * or several, taken in turn (round robin), a server that fails skipped until it answers again.
   */
  to: string | string[];
  hostNameComparisonMode: 'StrongWildcard' | 'Exact' | 'WeakWildcard';
  /**
   * The via the server is sent instead of the client's ([MC-NMF] 2.2.3.3 Via Record rewritten):
   * for a server that knows only its own address. The SOAP To header still names the public one.
   */
  rewriteVia?: string;
}

export function defaultConfig(): ServiceConfig {
  const procs = availableParallelism();
  return {
    listenBacklog: 4096,
    maxPendingAccepts: 4 * procs,
    deferAcceptSeconds: 1,
    maxPendingConnections: 100,
    pendingEvictionMinAgeMs: 1000,
    receiveTimeoutMs: 30_000,
    workerStallTimeoutMs: 2000,
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
    maxControlConnectionsPerUser: 32,
    reservedControlConnections: 16,
    controlIdleTimeoutMs: 30_000,
    registrationHoldMs: 5000,
    takeoverTimeoutMs: 5000,
    routeConnectTimeoutMs: 5000,
    reservations: [],
    routes: [],
    faultDrainBytes: 65_536,
    faultDrainTimeoutMs: 60_000,
    reservedPorts: [],
    user: undefined,
    group: undefined,
    log: { level: 'info', file: undefined, maxLineFieldBytes: 256, perConnectionLinesPerSecond: 20 },
    metrics: { port: undefined, host: '127.0.0.1' },
  };
}

function bad(key: string, reason: string, source: string): ServiceError {
  return new ServiceError(
    ServiceErrorCodes.BadConfig,
    `Invalid configuration in ${source}: '${key}' ${reason}. Fix the value or remove the key to use the default.`,
  );
}

/**
 * One key's check, and what it accepts as a JSON Schema fragment (for editors, through the
 * published portshare.schema.json: see configJsonSchema). The check is what decides; the
 * fragment describes it, as far as JSON Schema can (an account's existence it cannot).
 */
type Check = ((value: unknown, key: string, source: string) => unknown) & { schema?: JsonSchema };
type JsonSchema = Record<string, unknown>;
/** A nested object's keys, each with its check: unknown keys are refused as at the top. */
type Shape = Record<string, Check>;

const described = (check: Check, schema: JsonSchema): Check => Object.assign(check, { schema });

const show = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

const int = (min: number, max: number): Check =>
  described(
    (v, key, source) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        throw bad(key, `must be an integer from ${min} to ${max} (got ${show(v)})`, source);
      }
      return v;
    },
    { type: 'integer', minimum: min, maximum: max },
  );
const bool: Check = described(
  (v, key, source) => {
    if (typeof v !== 'boolean') throw bad(key, `must be true or false (got ${show(v)})`, source);
    return v;
  },
  { type: 'boolean' },
);
const oneOf = (...values: string[]): Check =>
  described(
    (v, key, source) => {
      if (typeof v !== 'string' || !values.includes(v)) throw bad(key, `must be one of ${values.join(', ')} (got ${show(v)})`, source);
      return v;
    },
    { enum: values },
  );
const optString: Check = described(
  (v, key, source) => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v === '') throw bad(key, `must be a non-empty string (got ${show(v)})`, source);
    if (v.includes('\0')) throw bad(key, 'must not contain a NUL character', source);
    return v;
  },
  { type: ['string', 'null'], minLength: 1, pattern: '^[^\\u0000]*$' },
);
const portList: Check = described(
  (v, key, source) => {
    if (!Array.isArray(v)) throw bad(key, 'must be a list of ports', source);
    v.forEach((p, i) => int(1, 65535)(p, `${key}[${i}]`, source));
    return v;
  },
  { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 } },
);

/**
 * A list of user or group names or numeric ids, each of which must exist now. The access checks
 * (access.ts) resolve names once, at start, through NSS (accounts.ts), and would silently skip a
 * name they cannot find: a typo would leave an account out with no word. So a name is looked up
 * here the same way, and one the system does not know is refused with its key. A numeric id is
 * taken as it is, as the kernel reports it.
 */
const accountList = (kind: 'users' | 'groups'): Check => described((v, key, source) => {
  if (!Array.isArray(v)) throw bad(key, `must be a list of ${kind === 'users' ? 'user' : 'group'} names or numeric ids`, source);
  v.forEach((name: unknown, i) => {
    const at = `${key}[${i}]`;
    if (typeof name !== 'string' || name === '') throw bad(at, `must be a non-empty ${kind === 'users' ? 'user' : 'group'} name or numeric id (got ${show(name)})`, source);
    if (/^\d+$/.test(name)) {
      if (Number(name) > 0xffff_fffe) throw bad(at, `is not a valid ${kind === 'users' ? 'uid' : 'gid'} (0 to 4294967294)`, source);
      return;
    }
    const known = kind === 'users' ? lookupUser(name) !== undefined : lookupGroupId(name) !== undefined;
    if (!known) {
      throw bad(
        at,
        `names ${kind === 'users' ? 'a user' : 'a group'} '${name}' that the system does not know (getent ${kind === 'users' ? 'passwd' : 'group'} finds none): ` +
          `create it, fix the spelling, or give a numeric ${kind === 'users' ? 'uid' : 'gid'}`,
        source,
      );
    }
  });
  return v;
}, { type: 'array', items: { type: 'string', minLength: 1 }, description: `${kind === 'users' ? 'User' : 'Group'} names or numeric ids; each must exist.` });

/** The account the daemon switches to: it must exist, as privileges.ts needs its uid and gid. */
const accountName = (kind: 'user' | 'group'): Check =>
  described(
    (v, key, source) => {
      const name = optString(v, key, source) as string | undefined;
      if (name === undefined) return undefined;
      const known = kind === 'user' ? (lookupUser(name)?.gid ?? -1) >= 0 : lookupGroupId(name) !== undefined;
      if (!known) throw bad(key, `names a ${kind} '${name}' that the system does not know (getent ${kind === 'user' ? 'passwd' : 'group'} finds no such account)`, source);
      return name;
    },
    { type: ['string', 'null'], minLength: 1, description: `The ${kind} to switch to after binding (it must exist).` },
  );

/**
 * A duration: a number of milliseconds, or a .NET TimeSpan string read as TimeSpan.Parse reads
 * it (see timespan.ts for exactly what is accepted and refused).
 */
const duration = (min: number, max: number): Check => described((v, key, source) => {
  const range = `from ${min} to ${max} ms`;
  let ms: number;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw bad(key, `must be whole milliseconds or a TimeSpan "hh:mm:ss", ${range} (got ${show(v)})`, source);
    ms = v;
  } else if (typeof v === 'string') {
    const parsed = parseTimeSpan(v);
    if (!parsed.ok) throw bad(key, `${show(v)} ${parsed.reason}`, source);
    ms = parsed.ms;
  } else {
    throw bad(key, `must be milliseconds or a TimeSpan "hh:mm:ss", ${range} (got ${show(v)})`, source);
  }
  if (ms < min || ms > max) throw bad(key, `must be ${range} (got ${show(v)}, ${ms} ms)`, source);
  return ms;
}, {
  anyOf: [
    { type: 'integer', minimum: min, maximum: max },
    // A .NET TimeSpan ([-][d.]hh:mm[:ss[.fffffff]], or days alone); its range is checked by the daemon.
    { type: 'string', pattern: '^-?(\\d+|(\\d+\\.)?\\d{1,2}:\\d{1,2}(:\\d{1,2}(\\.\\d{1,7})?)?)$' },
  ],
  description: `Milliseconds (${min} to ${max}) or a TimeSpan string such as "00:00:30".`,
});

/**
 * A host name or address to bind. Its syntax is checked here; whether it resolves to an address
 * of this machine is checked by checkConfigOnHost (config-host.ts), at start and by `config validate`.
 */
const bindHost: Check = described((v, key, source) => {
  const host = optString(v, key, source) as string | undefined;
  if (host === undefined) return undefined;
  // RFC 1123 §2.1 host names; or an IPv4/IPv6 literal (without brackets, as listen() takes it).
  const name = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
  if (isIP(host) === 0 && !name.test(host)) throw bad(key, `must be an IP address or a host name (got ${show(host)})`, source);
  return host;
}, { type: ['string', 'null'], minLength: 1, description: 'An IP address or a host name of this machine.' });

/** A reservation's URI: an absolute net.tcp URI that a via could carry (a via is at most 2048 bytes, docs/protocol.md §2 step 4). */
const netTcpUri: Check = described((v, key, source) => {
  if (typeof v !== 'string' || v === '') throw bad(key, `must be a net.tcp URI such as "net.tcp://+:808/app/" (got ${show(v)})`, source);
  if (Buffer.byteLength(v, 'utf8') > FramingLimits.maxViaBytes) throw bad(key, `is longer than ${FramingLimits.maxViaBytes} bytes`, source);
  let scheme: string;
  try {
    scheme = parseVia(v).scheme;
  } catch {
    throw bad(key, `is not an absolute URI (got ${show(v)}; e.g. "net.tcp://+:808/app/")`, source);
  }
  if (scheme !== 'net.tcp') throw bad(key, `must use the net.tcp scheme (got ${show(v)})`, source);
  return v;
}, { type: 'string', pattern: '^net\\.tcp://', minLength: 11, description: 'A net.tcp URI prefix, such as "net.tcp://+:808/app/".' });

const reservationShape: Shape = { uri: netTcpUri, users: accountList('users'), groups: accountList('groups') };

const reservationList: Check = described((v, key, source) => {
  if (!Array.isArray(v)) throw bad(key, 'must be a list of { "uri": ..., "users": [...], "groups": [...] }', source);
  return v.map((item: unknown, i) => {
    const at = `${key}[${i}]`;
    const r = checkObject(item, reservationShape, at, source, { uri: undefined, users: [], groups: [] });
    if (r.uri === undefined) throw bad(`${at}.uri`, 'is required', source);
    return r as unknown as UriReservation;
  });
}, { type: 'array', items: { ...shapeSchema(reservationShape), required: ['uri'] } });

/** A static route's server: host:port, an IPv4 literal, a bracketed IPv6 literal or a host name. */
const hostPort: Check = described(
  (v, key, source) => {
    const m = typeof v === 'string' ? /^(\[[0-9A-Fa-f:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(v) : null;
    const port = m ? Number(m[2]) : NaN;
    const host = m ? (m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!) : '';
    if (!m || !(port >= 1 && port <= 65535) || (m[1]!.startsWith('[') && isIP(host) !== 6)) {
      throw bad(key, `must be host:port, such as "127.0.0.1:9000" or "[::1]:9000" (got ${show(v)})`, source);
    }
    return v;
  },
  { type: 'string', pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[^:\\[\\]\\s]+):\\d{1,5}$', description: 'host:port of the net.tcp server.' },
);

const hostPorts: Check = described(
  (v, key, source) => {
    if (typeof v === 'string') return hostPort(v, key, source);
    if (!Array.isArray(v) || v.length === 0) throw bad(key, 'must be host:port, or a non-empty list of them', source);
    v.forEach((item, i) => hostPort(item, `${key}[${i}]`, source));
    return v;
  },
  { anyOf: [hostPort.schema, { type: 'array', minItems: 1, items: hostPort.schema }] },
);

const routeShape: Shape = { uri: netTcpUri, to: hostPorts, hostNameComparisonMode: oneOf('StrongWildcard', 'Exact', 'WeakWildcard'), rewriteVia: netTcpUri };

const routeList: Check = described(
  (v, key, source) => {
    if (!Array.isArray(v)) throw bad(key, 'must be a list of { "uri": ..., "to": "host:port" }', source);
    const seen = new Set<string>();
    return v.map((item: unknown, i) => {
      const at = `${key}[${i}]`;
      const r = checkObject(item, routeShape, at, source, { uri: undefined, to: undefined, hostNameComparisonMode: 'StrongWildcard' });
      if (r.uri === undefined) throw bad(`${at}.uri`, 'is required', source);
      if (r.to === undefined) throw bad(`${at}.to`, 'is required', source);
      const id = `${r.hostNameComparisonMode as string} ${(r.uri as string).toLowerCase()}`;
      if (seen.has(id)) throw bad(`${at}.uri`, `routes ${show(r.uri)} a second time`, source);
      seen.add(id);
      return r as unknown as StaticRoute;
    });
  },
  { type: 'array', items: { ...shapeSchema(routeShape, { hostNameComparisonMode: 'StrongWildcard' }), required: ['uri', 'to'] } },
);

/** Checks an object against a shape over the given defaults; unknown keys are refused. */
function checkObject(value: unknown, shape: Shape, key: string, source: string, defaults: Record<string, unknown>): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(key, 'must be an object', source);
  const out = { ...defaults };
  for (const [sub, subValue] of Object.entries(value as Record<string, unknown>)) {
    const check = Object.hasOwn(shape, sub) ? shape[sub] : undefined;
    if (!check) throw bad(keyName([key, sub]), `is not a known setting (known: ${Object.keys(shape).join(', ')})`, source);
    const v = check(subValue, keyName([key, sub]), source);
    if (v !== undefined) out[sub] = v;
  }
  return out;
}

const schema: Record<string, Check | Shape> = {
  listenBacklog: int(1, 65535),
  maxPendingAccepts: described(int(1, 65535), { ...int(1, 65535).schema, description: 'Default: 4 × the number of cores.' }),
  deferAcceptSeconds: int(0, 600),
  maxPendingConnections: int(1, 1_000_000),
  pendingEvictionMinAgeMs: duration(0, 24 * 3600_000),
  receiveTimeoutMs: duration(1, 24 * 3600_000),
  workerStallTimeoutMs: duration(1, 24 * 3600_000),
  ipv6: bool,
  allowAccounts: { users: accountList('users'), groups: accountList('groups') },
  handoff: oneOf('auto', 'proxy'),
  maxViaBytes: int(16, 2048),
  maxContentTypeBytes: int(16, 256),
  maxControlMessageBytes: int(256, 1 << 20),
  maxRegistrations: int(1, 1_000_000),
  maxRegistrationsPerConnection: int(1, 1_000_000),
  maxControlConnections: int(1, 65535),
  maxUnlistedControlConnections: int(0, 65535),
  maxControlRequestsInFlight: int(1, 65535),
  maxControlConnectionsPerUser: int(1, 65535),
  reservedControlConnections: int(0, 65535),
  controlIdleTimeoutMs: duration(1, 24 * 3600_000),
  registrationHoldMs: duration(0, 3600_000),
  takeoverTimeoutMs: duration(100, 600_000),
  routeConnectTimeoutMs: duration(1, 600_000),
  reservations: reservationList,
  routes: routeList,
  faultDrainBytes: int(0, 1 << 24),
  faultDrainTimeoutMs: duration(0, 3600_000),
  reservedPorts: portList,
  user: accountName('user'),
  group: accountName('group'),
  log: {
    level: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
    file: optString,
    maxLineFieldBytes: int(16, 65536),
    perConnectionLinesPerSecond: int(0, 1_000_000),
  },
  metrics: {
    port: described((v, k, s) => (v === undefined || v === null ? undefined : int(0, 65535)(v, k, s)), { type: ['integer', 'null'], minimum: 0, maximum: 65535 }),
    host: bindHost,
  },
};

function shapeSchema(shape: Shape, defaults?: Record<string, unknown>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [key, check] of Object.entries(shape)) {
    properties[key] = { ...(check.schema ?? {}), ...(defaults?.[key] !== undefined ? { default: defaults[key] } : {}) };
  }
  return { type: 'object', additionalProperties: false, properties };
}

/**
 * portshare.json as a JSON Schema (draft 2020-12), generated from the checks validateConfig runs,
 * with the defaults: editors complete and check a file that names it in `$schema`. The package
 * ships it as `@portshare/service/portshare.schema.json` (kept equal to this by a test).
 */
export function configJsonSchema(): JsonSchema {
  const defaults = defaultConfig() as unknown as Record<string, unknown>;
  // Its default is 4 × this machine's cores: the schema, the same on every machine, says so in words.
  delete defaults['maxPendingAccepts'];
  const properties: Record<string, JsonSchema> = {
    $schema: { type: 'string', description: 'This schema, for editors.' },
    '//': { description: 'A comment: ignored.' },
  };
  for (const [key, check] of Object.entries(schema)) {
    properties[key] =
      typeof check === 'function'
        ? { ...(check.schema ?? {}), ...(defaults[key] !== undefined ? { default: defaults[key] } : {}) }
        : shapeSchema(check, defaults[key] as Record<string, unknown>);
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'portshare.json',
    description: 'The portshare sharing service configuration (packages/service/README.md, "Configuration").',
    type: 'object',
    additionalProperties: false,
    properties,
  };
}

/**
 * Validates a parsed configuration object over the defaults. Unknown keys are refused too: a typo
 * must not silently leave a limit at its default. Accounts named in it must exist (see
 * accountList). What depends on the running system beyond that (the log file can be written, the
 * metrics address can be bound) is checked by checkConfigOnHost.
 */
export function validateConfig(input: unknown, source = 'configuration'): ServiceConfig {
  const out = defaultConfig() as unknown as Record<string, unknown>;
  // A file holding `null` (or nothing but it) is no configuration at all, not "the defaults".
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw bad('(root)', `must be a JSON object (got ${show(input)})`, source);
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (key === '$schema' || key === '//') continue;
    const check = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (!check) throw bad(key, `is not a known setting (known: ${Object.keys(schema).join(', ')})`, source);
    if (typeof check === 'function') {
      const v = check(value, key, source);
      if (v !== undefined) out[key] = v;
      continue;
    }
    out[key] = checkObject(value, check, key, source, out[key] as Record<string, unknown>);
  }
  const config = out as unknown as ServiceConfig;
  if (config.reservedControlConnections >= config.maxControlConnections) {
    throw bad(
      'reservedControlConnections',
      `(${config.reservedControlConnections}) must be less than maxControlConnections (${config.maxControlConnections}), or no one else could connect`,
      source,
    );
  }
  return config;
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
  return validateConfig(parseConfigJson(text, file), file);
}
