import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import type * as AjvModule from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { JSONPath } from 'jsonc-parser';
import { keyName, parseConfigJson } from './config-json.js';
import { configSchema, kindOf, NOT_SETTINGS, show, type SchemaNode } from './config-schema.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';

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
  /**
   * After a restart or reload, the previous daemon keeps relaying the connections it proxies (proxy
   * mode and static routes) until they end, at most this long; then it closes those left and exits.
   * 0 closes them at once.
   */
  retireTimeoutMs: number;
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
    retireTimeoutMs: 3_600_000,
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

/** The Ajv options the definition is compiled with, here and by scripts/generate-config-validator.mjs. */
export const AJV_OPTIONS = {
  strict: true,
  // A duration is an integer or a TimeSpan string; a route's `to` is host:port or a list of them.
  allowUnionTypes: true,
  // Only the object's own keys count, as JSON.parse makes them ("__proto__" included).
  ownProperties: true,
  // Each error carries the value (data) it failed: refusalOf words it with the node's Kind.
  verbose: true,
  // The definition is fixed: test/config-schema.test.ts checks it against the 2020-12 meta-schema,
  // which need not cost every start (it more than doubles the compile time).
  validateSchema: false,
} as const;

let compiled: ValidateFunction | undefined;

/**
 * The definition, compiled. A built package has it precompiled by Ajv's standalone code
 * generation (dist/config-validator.cjs, written by `pnpm build`): the daemon then never loads
 * Ajv's compiler, which would stay in its heap for a check made once at start. Without that file
 * (the sources run directly, as the tests do) Ajv compiles it here, once, when first needed; Ajv is
 * CommonJS, so a require keeps validateConfig synchronous.
 */
function schemaValidator(): ValidateFunction {
  if (compiled !== undefined) return compiled;
  const require = createRequire(import.meta.url);
  try {
    compiled = require('./config-validator.cjs') as ValidateFunction;
    return compiled;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
  }
  const { Ajv2020 } = require('ajv/dist/2020.js') as typeof AjvModule;
  compiled = new Ajv2020(AJV_OPTIONS).compile(configSchema);
  return compiled;
}

/**
 * Lets the compiled validator and Ajv's modules go once a long-running process (the daemon) has
 * read its configuration, where the sources run uncompiled (see schemaValidator). Validating again
 * loads them again.
 */
export function releaseConfigValidator(): void {
  if (compiled === undefined) return;
  compiled = undefined;
  const require = createRequire(import.meta.url);
  const ajvRoot = dirname(require.resolve('ajv/package.json'));
  for (const id of Object.keys(require.cache)) if (id.startsWith(ajvRoot + sep)) delete require.cache[id];
}

/** The schema node an error's schemaPath (`#/properties/log/properties/level/enum`) names, without its keyword. */
function nodeAt(schemaPath: string): unknown {
  let node: unknown = configSchema;
  for (const part of schemaPath.split('/').slice(1, -1)) {
    node = isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined;
  }
  return node;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An error's instancePath (a JSON Pointer, RFC 6901) as a key path; no setting's name is all digits, so those are list indices. */
function pathOf(pointer: string): JSONPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** keyName, but a top-level key named "" stays '' rather than reading as the whole file. */
const keyAt = (path: JSONPath): string => (path.length === 1 && path[0] === '' ? '' : keyName(path));

/** The keys a node names (its properties), settings only. */
function settingsOf(node: unknown): string[] {
  const properties = isRecord(node) && isRecord(node['properties']) ? node['properties'] : {};
  return Object.keys(properties).filter((k) => !NOT_SETTINGS.includes(k));
}

function notKnown(path: JSONPath, key: string, node: unknown, source: string): ServiceError {
  return bad(keyAt([...path, key]), `is not a known setting (known: ${settingsOf(node).join(', ')})`, source);
}

/** Ajv's first error as a configuration message: the key, and the reason its node's Kind words. */
function refusalOf(error: ErrorObject | undefined, source: string): ServiceError {
  const path = pathOf(error?.instancePath ?? '');
  // The node itself, not Ajv's copy of it (a precompiled validator's parentSchema is one): its Kind is keyed by identity.
  const node: unknown = error === undefined ? undefined : nodeAt(error.schemaPath);
  switch (error?.keyword) {
    case 'additionalProperties':
      return notKnown(path, String(error.params['additionalProperty']), node, source);
    case 'required': {
      // Ajv checks `required` before `additionalProperties`, but a missing key is often a misspelt
      // one, and the unknown key says more ("url" for "uri"): that one is named.
      const misspelt = Object.keys(isRecord(error.data) ? error.data : {}).find((k) => !settingsOf(node).includes(k));
      if (misspelt !== undefined) return notKnown(path, misspelt, node, source);
      return bad(keyAt([...path, String(error.params['missingProperty'])]), 'is required', source);
    }
    default: {
      const kind = kindOf(node);
      const reason = kind !== undefined && error !== undefined ? kind.refused(error.data, error.keyword) : `${error?.message ?? 'is not valid'} (got ${show(error?.data)})`;
      return bad(keyAt(path), reason, source);
    }
  }
}

/**
 * After the schema: each value through its node's Kind (what JSON Schema cannot judge, and a
 * TimeSpan read as milliseconds), lists item by item, objects key by key. Null and absent keys
 * are left out (a null means "unset": the default applies), and a key's `default` fills in.
 */
function settle(value: unknown, node: SchemaNode, path: JSONPath, source: string): unknown {
  const settled = kindOf(node)?.settle?.(value) ?? { value };
  if ('refused' in settled) throw bad(keyAt(path), settled.refused, source);
  const items = node.items;
  if (Array.isArray(settled.value) && items !== undefined) return settled.value.map((item: unknown, i) => settle(item, items, [...path, i], source));
  if (isRecord(settled.value) && node.properties !== undefined) return settleObject(settled.value, node.properties, path, source);
  return settled.value;
}

function settleObject(value: Record<string, unknown>, properties: Record<string, SchemaNode>, path: JSONPath, source: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(properties)) {
    const given = Object.hasOwn(value, key) ? value[key] : undefined;
    if (given !== undefined && given !== null) out[key] = settle(given, node, [...path, key], source);
    else if (node.default !== undefined) out[key] = structuredClone(node.default);
  }
  return out;
}

/** The settings given over the defaults; a section (log, metrics, allowAccounts) key by key. */
function overDefaults(given: Record<string, unknown>): ServiceConfig {
  const config = defaultConfig() as unknown as Record<string, unknown>;
  for (const [key, fallback] of Object.entries(config)) {
    if (!Object.hasOwn(given, key)) continue;
    const value = given[key];
    config[key] = isRecord(fallback) && isRecord(value) ? { ...fallback, ...value } : value;
  }
  return config as unknown as ServiceConfig;
}

/** A URI routed twice in one mode: the routing table would keep one of them (service.ts refuses it at start). */
function checkRoutedOnce(routes: readonly StaticRoute[], source: string): void {
  const seen = new Set<string>();
  routes.forEach((r, i) => {
    const id = `${r.hostNameComparisonMode} ${r.uri.toLowerCase()}`;
    if (seen.has(id)) throw bad(`routes[${i}].uri`, `routes ${show(r.uri)} a second time`, source);
    seen.add(id);
  });
}

function checkReservedConnections(config: ServiceConfig, source: string): void {
  if (config.reservedControlConnections >= config.maxControlConnections) {
    throw bad(
      'reservedControlConnections',
      `(${config.reservedControlConnections}) must be less than maxControlConnections (${config.maxControlConnections}), or no one else could connect`,
      source,
    );
  }
}

/** Adds the defaults of defaultConfig() to a copy of a node, a section key by key. */
function addDefault(node: SchemaNode, value: unknown): void {
  if (value === undefined) return;
  const properties = node.properties;
  if (isRecord(value) && properties !== undefined) {
    for (const [key, sub] of Object.entries(value)) if (properties[key] !== undefined) addDefault(properties[key], sub);
    return;
  }
  node.default = value;
}

/**
 * portshare.json as a JSON Schema (draft 2020-12): the definition validateConfig runs
 * (config-schema.ts), with the defaults, so editors complete and check a file that names it in
 * `$schema`. The package ships it as `@portshare/service/portshare.schema.json` (kept equal to
 * this by test/config-schema.test.ts).
 */
export function configJsonSchema(): SchemaNode {
  const schema = structuredClone(configSchema);
  const defaults = defaultConfig() as unknown as Record<string, unknown>;
  // Its default is 4 × this machine's cores: the schema, the same on every machine, says so in words.
  delete defaults['maxPendingAccepts'];
  for (const [key, node] of Object.entries(schema.properties ?? {})) addDefault(node, defaults[key]);
  return schema;
}

/**
 * Validates a parsed configuration object over the defaults: first against the schema
 * (config-schema.ts, compiled by Ajv), then what it cannot judge, value by value (accounts exist,
 * TimeSpans, URIs, servers, the metrics host's syntax) and across keys (a route given twice,
 * reservedControlConnections under maxControlConnections). Unknown keys are refused: a typo must
 * not silently leave a limit at its default. What depends on the running system beyond accounts
 * (the log file can be written, the metrics address can be bound) is checkConfigOnHost's.
 */
export function validateConfig(input: unknown, source = 'configuration'): ServiceConfig {
  const validate = schemaValidator();
  // A file holding `null` (or nothing but it) is no configuration at all, not "the defaults".
  if (!validate(input) || !isRecord(input)) throw refusalOf(validate.errors?.[0], source);
  const config = overDefaults(settleObject(input, configSchema.properties ?? {}, [], source));
  checkRoutedOnce(config.routes, source);
  checkReservedConnections(config, source);
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
