import type { HostNameComparisonMode } from '@portshare/control';
import { parseVia, type ParsedVia } from '@portshare/framing';
import type { PeerCredentials } from '@portshare/handoff';
import { AccountList } from './access.js';
import { ServiceError, ServiceErrorCodes } from './errors.js';
import { pathSegments } from './routing-table.js';

/** One entry of the `reservations` setting, as the configuration holds it. */
export interface ReservationSetting {
  uri: string;
  users?: readonly string[] | undefined;
  groups?: readonly string[] | undefined;
}

/** A reservation, parsed once: where it is and who may register there. */
export interface Reservation {
  readonly uri: string;
  readonly port: number;
  /** undefined for `+` and `*` (every host); else the host, lowercased, IPv6 brackets stripped. */
  readonly host: string | undefined;
  /** Its path in the routing table's canonical form (`pathSegments`). */
  readonly segments: readonly string[];
  readonly accounts: AccountList;
}

/**
 * URI reservations: the counterpart of http.sys URL ACLs (`netsh http add urlacl url=… user=…`).
 * An account not listed on a reservation (root and the daemon's own user always are) may not
 * register a URI that *overlaps* it, which is the case when all three hold:
 *
 * 1. the same port, as written (net.tcp's default 808 when none is);
 * 2. hosts that can meet: the reservation's host is `+` or `*` (every host), or the registration
 *    is StrongWildcard or WeakWildcard (routed whatever host the via names, [SMS] RoutingTable.Lookup),
 *    or both name the same host (compared as the routing table compares an Exact registration:
 *    case-insensitively, IPv6 brackets stripped);
 * 3. nested paths, on whole segments and in the routing table's canonical form (case-insensitive,
 *    empty segments dropped, query and fragment ignored): the registration's path is at or under
 *    the reservation's, **or above it**. A registration above it would take the reserved traffic
 *    whenever the reserved owner is not registered (a restart) and, being StrongWildcard, even
 *    while it is (StrongWildcard outranks Exact whatever the path length): so
 *    `net.tcp://+:9321/` overlaps a reservation of `net.tcp://+:9321/app/`.
 *
 * Unlike http.sys, a registration must be admitted by every reservation it overlaps, not only by
 * the deepest one: nested reservations do not carve exceptions out of each other (list the inner
 * one's accounts on the outer one too). A reservation only narrows allowAccounts: an account it
 * lists still has to be on allowAccounts to register at all.
 */
export class UriReservations {
  readonly #byPort = new Map<number, Reservation[]>();
  #size = 0;

  /** @param source the configuration file, named in errors. */
  constructor(settings: readonly ReservationSetting[], source: string) {
    settings.forEach((s, i) => {
      const r = parseReservation(s, `reservations[${i}]`, source);
      const list = this.#byPort.get(r.port) ?? [];
      list.push(r);
      this.#byPort.set(r.port, list);
      this.#size++;
    });
  }

  get size(): number {
    return this.#size;
  }

  /** The first reservation the registration overlaps that does not list `creds`' account, if any. */
  /**
   * Whether a reservation covering the URI lists this account (and none covering it refuses it):
   * the URI is theirs to share, so they may join or replace another account's registration of it
   * (onConflict 'balance' or 'replace').
   */
  grants(parsed: ParsedVia, mode: HostNameComparisonMode, creds: PeerCredentials): boolean {
    if (this.refusing(parsed, mode, creds) !== undefined) return false;
    const candidates = this.#byPort.get(parsed.port) ?? [];
    const segments = pathSegments(parsed.path);
    const host = mode === 'Exact' ? normalizeHost(parsed.host) : undefined;
    return candidates.some((r) => (r.host === undefined || host === undefined || r.host === host) && nested(segments, r.segments) && r.accounts.includes(creds));
  }

  refusing(parsed: ParsedVia, mode: HostNameComparisonMode, creds: PeerCredentials): Reservation | undefined {
    const candidates = this.#byPort.get(parsed.port);
    if (candidates === undefined) return undefined;
    const segments = pathSegments(parsed.path);
    const host = mode === 'Exact' ? normalizeHost(parsed.host) : undefined;
    for (const r of candidates) {
      if (r.host !== undefined && host !== undefined && r.host !== host) continue;
      if (!nested(segments, r.segments)) continue;
      if (!r.accounts.includes(creds)) return r;
    }
    return undefined;
  }
}

/** Is one a prefix of the other, on whole segments? */
function nested(a: readonly string[], b: readonly string[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function normalizeHost(host: string): string {
  const h = host.toLowerCase();
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

function parseReservation(s: ReservationSetting, key: string, source: string): Reservation {
  const bad = (reason: string) =>
    new ServiceError(
      ServiceErrorCodes.BadConfig,
      `Invalid configuration in ${source}: '${key}' ${reason}. Fix the value or remove the reservation.`,
    );
  let parsed: ParsedVia;
  try {
    parsed = parseVia(s.uri);
  } catch {
    throw bad(`has a uri that is not an absolute URI (got ${JSON.stringify(s.uri)}); write it as net.tcp://+:port/path/`);
  }
  if (parsed.scheme !== 'net.tcp') throw bad(`must reserve a net.tcp URI (got ${JSON.stringify(s.uri)})`);
  const host = normalizeHost(parsed.host);
  return {
    uri: s.uri,
    port: parsed.port,
    host: host === '+' || host === '*' ? undefined : host,
    segments: pathSegments(parsed.path),
    accounts: new AccountList({ users: s.users ?? [], groups: s.groups ?? [] }),
  };
}

/**
 * The refusal: WCF's SharedEndpointReadDenied sentence (as for allowAccounts, docs/protocol.md §7),
 * then which reservation refused and what to do.
 */
export function reservedMessage(uri: string, reservation: Reservation, uid: number, configFile: string): string {
  return (
    `The service endpoint failed to listen on the URI '${uri}' because access was denied.  ` +
    `The URI overlaps the reservation '${reservation.uri}', which admits only the accounts it lists, root and the service's own user.  ` +
    `Ask an administrator to add this account (uid ${uid}) to that reservation in the reservations section of the portshare configuration (${configFile}), ` +
    `or register a URI outside it.`
  );
}
