import { isIP } from 'node:net';
import { FramingLimits, parseVia } from '@portshare/framing';
import { lookupGroupId, lookupUser } from './accounts.js';
import { parseTimeSpan } from './timespan.js';

/**
 * portshare.json's definition: one JSON Schema (draft 2020-12, https://json-schema.org/draft/2020-12/json-schema-validation),
 * which validateConfig (config.ts) compiles with Ajv and which is published, with the defaults
 * added, as portshare.schema.json (configJsonSchema). Each node is made by a builder below that
 * also gives it a Kind: how a refusal at that node is worded, and what a JSON Schema cannot judge
 * about its values (an account exists, a TimeSpan's fields are in range, a URI parses), checked
 * after the schema has accepted the file. So each kind of value is described once, here.
 */

type JsonType = 'object' | 'array' | 'string' | 'integer' | 'boolean' | 'null';

/** The JSON Schema keywords this definition uses. A type, not an interface: Ajv takes it as its SchemaObject. */
export type SchemaNode = {
  $schema?: string;
  title?: string;
  description?: string;
  type?: JsonType | JsonType[];
  enum?: string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: false;
  default?: unknown;
};

/** The value the configuration keeps (a TimeSpan read as milliseconds), or why it is refused. */
export type Settled = { value: unknown } | { refused: string };

export interface Kind {
  /** The reason for a value the schema refused at this node, by `keyword` (an Ajv error's). */
  refused(value: unknown, keyword: string): string;
  /** What the schema cannot judge, on a value it accepted at this node. */
  settle?(value: unknown): Settled;
}

const kinds = new WeakMap<SchemaNode, Kind>();

/**
 * The Kind of a node of this definition. An Ajv error's parentSchema is that very node, not a copy
 * (Ajv's `verbose` option: "the reference to the part of the schema").
 */
export function kindOf(node: unknown): Kind | undefined {
  return typeof node === 'object' && node !== null ? kinds.get(node) : undefined;
}

function define(node: SchemaNode, kind: Kind): SchemaNode {
  kinds.set(node, kind);
  return node;
}

/** The same node with a default (for an item's key: a section's defaults come from defaultConfig). */
function withDefault(node: SchemaNode, value: unknown): SchemaNode {
  const kind = kindOf(node);
  const copy = { ...node, default: value };
  return kind === undefined ? copy : define(copy, kind);
}

/** A value as a message quotes it, cut to a readable length. */
export function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const judged = (value: unknown, reason: string | undefined): Settled => (reason === undefined ? { value } : { refused: reason });

/** Keys the daemon skips: they are not settings. */
export const NOT_SETTINGS: readonly string[] = ['$schema', '//'];

// ---- numbers, flags, choices ----

function integer(minimum: number, maximum: number, description?: string): SchemaNode {
  return define(
    { type: 'integer', minimum, maximum, ...(description === undefined ? {} : { description }) },
    { refused: (v) => `must be an integer from ${minimum} to ${maximum} (got ${show(v)})` },
  );
}

/** An integer that may be left unset (null), as metrics.port is when there is no endpoint. */
function optionalInteger(minimum: number, maximum: number): SchemaNode {
  return define({ type: ['integer', 'null'], minimum, maximum }, { refused: (v) => `must be an integer from ${minimum} to ${maximum} (got ${show(v)})` });
}

function flag(): SchemaNode {
  return define({ type: 'boolean' }, { refused: (v) => `must be true or false (got ${show(v)})` });
}

function choice(...values: string[]): SchemaNode {
  return define({ enum: values }, { refused: (v) => `must be one of ${values.join(', ')} (got ${show(v)})` });
}

// ---- durations ----

/**
 * The strings parseTimeSpan can accept (timespan.ts: days alone, d:hh:mm:ss[.f] and [d.]hh:mm[:ss[.f]],
 * white space around), without the sign it refuses. Every field's range is parseTimeSpan's to
 * check, after the schema: so an editor flags "30 s", and the daemon also "00:00:99".
 */
export const TIMESPAN_PATTERN = '^\\s*(\\d+|\\d+:\\d+:\\d+:\\d+(\\.\\d{1,7})?|(\\d+\\.)?\\d+:\\d+(:\\d+(\\.\\d{1,7})?)?)\\s*$';

/**
 * A duration: a number of milliseconds, or a .NET TimeSpan string read as TimeSpan.Parse reads
 * it (timespan.ts says exactly what is accepted and refused), within [minimum, maximum] ms.
 */
function duration(minimum: number, maximum: number): SchemaNode {
  const range = `from ${minimum} to ${maximum} ms`;
  const outOfRange = (v: unknown, ms: unknown): string => `must be ${range} (got ${show(v)}, ${String(ms)} ms)`;
  const refused = (v: unknown, keyword: string): string => {
    if (keyword === 'pattern' && typeof v === 'string') {
      const parsed = parseTimeSpan(v);
      return `${show(v)} ${parsed.ok ? 'is not a TimeSpan' : parsed.reason}`;
    }
    if (keyword === 'minimum' || keyword === 'maximum') return outOfRange(v, v);
    if (typeof v === 'number') return `must be whole milliseconds or a TimeSpan "hh:mm:ss", ${range} (got ${show(v)})`;
    return `must be milliseconds or a TimeSpan "hh:mm:ss", ${range} (got ${show(v)})`;
  };
  const settle = (v: unknown): Settled => {
    if (typeof v !== 'string') return { value: v };
    const parsed = parseTimeSpan(v);
    if (!parsed.ok) return { refused: `${show(v)} ${parsed.reason}` };
    return parsed.ms < minimum || parsed.ms > maximum ? { refused: outOfRange(v, parsed.ms) } : { value: parsed.ms };
  };
  return define(
    {
      type: ['integer', 'string'],
      minimum,
      maximum,
      pattern: TIMESPAN_PATTERN,
      description: `Milliseconds (${minimum} to ${maximum}) or a TimeSpan string such as "00:00:30".`,
    },
    { refused, settle },
  );
}

// ---- strings: files, accounts, hosts ----

/** No path or account name holds a NUL: open(2) and getent would see a shorter string. */
const NO_NUL = '^[^\\u0000]*$';

/** A string that may be left unset (null); `check` judges what the schema cannot. */
function optionalText(description: string | undefined, check?: (text: string) => string | undefined): SchemaNode {
  return define(
    { type: ['string', 'null'], minLength: 1, pattern: NO_NUL, ...(description === undefined ? {} : { description }) },
    {
      refused: (v, keyword) => (keyword === 'pattern' ? 'must not contain a NUL character' : `must be a non-empty string (got ${show(v)})`),
      ...(check === undefined ? {} : { settle: (v: unknown) => judged(v, typeof v === 'string' ? check(v) : undefined) }),
    },
  );
}

/** The account the daemon switches to: it must exist, as privileges.ts needs its uid and gid. */
function switchTo(kind: 'user' | 'group'): SchemaNode {
  return optionalText(`The ${kind} to switch to after binding (it must exist).`, (name) => {
    const known = kind === 'user' ? (lookupUser(name)?.gid ?? -1) >= 0 : lookupGroupId(name) !== undefined;
    return known ? undefined : `names a ${kind} '${name}' that the system does not know (getent ${kind === 'user' ? 'passwd' : 'group'} finds no such account)`;
  });
}

/** RFC 1123 §2.1 host names. */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/**
 * A host name or address to bind: a host name or an IPv4/IPv6 literal (without brackets, as
 * listen() takes it). Whether it is an address of this machine is checkConfigOnHost's to tell
 * (config-host.ts), at start and by `config validate`.
 */
function bindHost(): SchemaNode {
  return optionalText('An IP address or a host name of this machine.', (host) =>
    isIP(host) !== 0 || HOST_NAME.test(host) ? undefined : `must be an IP address or a host name (got ${show(host)})`,
  );
}

/**
 * Why an allow-list or reservation account is refused, or undefined. The access checks
 * (access.ts) resolve names once, at start, through NSS (accounts.ts), and would silently skip a
 * name they cannot find: a typo would leave an account out with no word. So a name is looked up
 * here the same way. A numeric id is taken as it is, as the kernel reports it.
 */
function unknownAccount(kind: 'user' | 'group', name: string): string | undefined {
  const id = kind === 'user' ? 'uid' : 'gid';
  if (/^\d+$/.test(name)) return Number(name) > 0xffff_fffe ? `is not a valid ${id} (0 to 4294967294)` : undefined;
  const known = kind === 'user' ? lookupUser(name) !== undefined : lookupGroupId(name) !== undefined;
  if (known) return undefined;
  return `names a ${kind} '${name}' that the system does not know (getent ${kind === 'user' ? 'passwd' : 'group'} finds none): create it, fix the spelling, or give a numeric ${id}`;
}

/** A list of user or group names or numeric ids, each of which must exist now. */
function accountList(kind: 'user' | 'group'): SchemaNode {
  const item = define(
    { type: 'string', minLength: 1 },
    {
      refused: (v) => `must be a non-empty ${kind} name or numeric id (got ${show(v)})`,
      settle: (v) => judged(v, typeof v === 'string' ? unknownAccount(kind, v) : undefined),
    },
  );
  return define(
    { type: 'array', items: item, description: `${kind === 'user' ? 'User' : 'Group'} names or numeric ids; each must exist.` },
    { refused: () => `must be a list of ${kind} names or numeric ids` },
  );
}

// ---- URIs and servers ----

/** What parseVia accepts with the net.tcp scheme starts so (the URL parser lower-cases the scheme). */
const NET_TCP_SCHEME = '^[Nn][Ee][Tt]\\.[Tt][Cc][Pp]:';

/** Why a string is not a net.tcp URI a via could carry (at most 2048 bytes, docs/protocol.md §2 step 4), or undefined. */
function netTcpUriProblem(v: string): string | undefined {
  if (Buffer.byteLength(v, 'utf8') > FramingLimits.maxViaBytes) return `is longer than ${FramingLimits.maxViaBytes} bytes`;
  let scheme: string;
  try {
    scheme = parseVia(v).scheme;
  } catch {
    return `is not an absolute URI (got ${show(v)}; e.g. "net.tcp://+:808/app/")`;
  }
  return scheme === 'net.tcp' ? undefined : `must use the net.tcp scheme (got ${show(v)})`;
}

/** A reservation's or a route's URI: an absolute net.tcp URI, parsed as a via is (parseVia). */
function netTcpUri(description: string): SchemaNode {
  const mustBe = (v: unknown): string => `must be a net.tcp URI such as "net.tcp://+:808/app/" (got ${show(v)})`;
  return define(
    // maxLength counts characters: a URI of more has more bytes too.
    { type: 'string', minLength: 1, maxLength: FramingLimits.maxViaBytes, pattern: NET_TCP_SCHEME, description },
    {
      refused: (v, keyword) => (typeof v === 'string' && keyword !== 'minLength' ? (netTcpUriProblem(v) ?? mustBe(v)) : mustBe(v)),
      settle: (v) => judged(v, typeof v === 'string' ? netTcpUriProblem(v) : undefined),
    },
  );
}

/** A static route's server: host:port, an IPv4 literal, a bracketed IPv6 literal or a host name. */
const HOST_PORT = '^(\\[[0-9A-Fa-f:.]+\\]|[^:\\[\\]\\s]+):(\\d{1,5})$';
const HOST_PORT_RE = new RegExp(HOST_PORT, 'u');

const mustBeHostPort = (v: unknown): string => `must be host:port, such as "127.0.0.1:9000" or "[::1]:9000" (got ${show(v)})`;

/** What the pattern cannot say: the port is 1-65535, and a bracketed host is an IPv6 address. */
function settleHostPort(v: unknown): Settled {
  const m = typeof v === 'string' ? HOST_PORT_RE.exec(v) : null;
  const port = Number(m?.[2]);
  const host = m?.[1] ?? '';
  const ok = m !== null && port >= 1 && port <= 65535 && (!host.startsWith('[') || isIP(host.slice(1, -1)) === 6);
  return judged(v, ok ? undefined : mustBeHostPort(v));
}

function hostPort(): SchemaNode {
  return define({ type: 'string', pattern: HOST_PORT, description: 'host:port of the net.tcp server.' }, { refused: mustBeHostPort, settle: settleHostPort });
}

/** One server, or several taken in turn: a string's keywords (pattern) and a list's (minItems, items) each apply to their own type. */
function hostPorts(): SchemaNode {
  return define(
    { type: ['string', 'array'], pattern: HOST_PORT, minItems: 1, items: hostPort(), description: 'host:port of the net.tcp server, or a list of them taken in turn.' },
    {
      refused: (v, keyword) => (keyword === 'pattern' ? mustBeHostPort(v) : 'must be host:port, or a non-empty list of them'),
      settle: (v) => (typeof v === 'string' ? settleHostPort(v) : { value: v }),
    },
  );
}

// ---- objects and lists ----

/** Named settings: a key it does not name is refused too (additionalProperties), so a typo cannot leave a limit at its default. */
function section(properties: Record<string, SchemaNode>, required?: string[]): SchemaNode {
  return define({ type: 'object', additionalProperties: false, properties, ...(required === undefined ? {} : { required }) }, { refused: () => 'must be an object' });
}

function list(items: SchemaNode, what: string): SchemaNode {
  return define({ type: 'array', items }, { refused: () => `must be a list of ${what}` });
}

const reservation = section(
  {
    uri: netTcpUri('A net.tcp URI prefix, such as "net.tcp://+:808/app/".'),
    users: withDefault(accountList('user'), []),
    groups: withDefault(accountList('group'), []),
  },
  ['uri'],
);

const route = section(
  {
    uri: netTcpUri('The base URI routed, such as "net.tcp://+:808/legacy/".'),
    to: hostPorts(),
    hostNameComparisonMode: withDefault(choice('StrongWildcard', 'Exact', 'WeakWildcard'), 'StrongWildcard'),
    rewriteVia: netTcpUri('The via sent to the server instead of the client\'s.'),
  },
  ['uri', 'to'],
);

const DAY_MS = 24 * 3600_000;

/**
 * portshare.json. The order of the keys is the order `is not a known setting` lists them in.
 * Ranges and meanings: ServiceConfig (config.ts) and packages/service/README.md, "Configuration".
 */
export const configSchema: SchemaNode = define(
  {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'portshare.json',
    description: 'The portshare sharing service configuration (packages/service/README.md, "Configuration").',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { description: 'This schema, for editors: the service ignores it.' },
      '//': { description: 'A comment: ignored.' },
      listenBacklog: integer(1, 65535),
      maxPendingAccepts: integer(1, 65535, 'Default: 4 × the number of cores.'),
      deferAcceptSeconds: integer(0, 600),
      maxPendingConnections: integer(1, 1_000_000),
      pendingEvictionMinAgeMs: duration(0, DAY_MS),
      receiveTimeoutMs: duration(1, DAY_MS),
      workerStallTimeoutMs: duration(1, DAY_MS),
      ipv6: flag(),
      allowAccounts: section({ users: accountList('user'), groups: accountList('group') }),
      handoff: choice('auto', 'proxy'),
      maxViaBytes: integer(16, 2048),
      maxContentTypeBytes: integer(16, 256),
      maxControlMessageBytes: integer(256, 1 << 20),
      maxRegistrations: integer(1, 1_000_000),
      maxRegistrationsPerConnection: integer(1, 1_000_000),
      maxControlConnections: integer(1, 65535),
      maxUnlistedControlConnections: integer(0, 65535),
      maxControlRequestsInFlight: integer(1, 65535),
      maxControlConnectionsPerUser: integer(1, 65535),
      reservedControlConnections: integer(0, 65535),
      controlIdleTimeoutMs: duration(1, DAY_MS),
      registrationHoldMs: duration(0, 3600_000),
      takeoverTimeoutMs: duration(100, 600_000),
      retireTimeoutMs: duration(0, 7 * DAY_MS),
      routeConnectTimeoutMs: duration(1, 600_000),
      reservations: list(reservation, '{ "uri": ..., "users": [...], "groups": [...] }'),
      routes: list(route, '{ "uri": ..., "to": "host:port" }'),
      faultDrainBytes: integer(0, 1 << 24),
      faultDrainTimeoutMs: duration(0, 3600_000),
      reservedPorts: list(integer(1, 65535), 'ports'),
      user: switchTo('user'),
      group: switchTo('group'),
      log: section({
        level: choice('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
        file: optionalText(undefined),
        maxLineFieldBytes: integer(16, 65536),
        perConnectionLinesPerSecond: integer(0, 1_000_000),
      }),
      metrics: section({ port: optionalInteger(0, 65535), host: bindHost() }),
    },
  },
  { refused: (v) => `must be a JSON object (got ${show(v)})` },
);
