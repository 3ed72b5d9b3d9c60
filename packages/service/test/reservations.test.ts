// Which registrations overlap a reservation (reservations.ts), and how long a hold lasts
// (registration-holds.ts). The attacks themselves run in front-door-control.int.test.ts.
import { describe, expect, it } from 'vitest';
import { parseVia } from '@portshare/framing';
import { ServiceErrorCodes } from '../src/errors.js';
import { RegistrationHolds, routeNodeKey } from '../src/registration-holds.js';
import { UriReservations } from '../src/reservations.js';

const LISTED = { uid: 50001, gid: 50001, pid: 1 };
const OTHER = { uid: 50002, gid: 50002, pid: 1 };
type Mode = 'StrongWildcard' | 'Exact' | 'WeakWildcard';

function refused(reservations: UriReservations, uri: string, mode: Mode, creds = OTHER): string | undefined {
  return reservations.refusing(parseVia(uri), mode, creds)?.uri;
}

describe('URI reservations: what overlaps', () => {
  const wildcard = new UriReservations([{ uri: 'net.tcp://+:9321/app/', users: ['50001'], groups: [] }], 'test.json');

  it.each<[string, Mode, boolean]>([
    ['net.tcp://anything:9321/', 'StrongWildcard', true], // above: shadows /app
    ['net.tcp://anything:9321/', 'WeakWildcard', true],
    ['net.tcp://anything:9321/', 'Exact', true], // every host is reserved, and anything/ catches anything/app/…
    ['net.tcp://x:9321/app', 'Exact', true], // the prefix itself
    ['net.tcp://x:9321/APP/', 'StrongWildcard', true], // case-insensitive, as routing
    ['net.tcp://x:9321//app//y/', 'WeakWildcard', true], // empty segments dropped, as routing
    ['net.tcp://x:9321/app/y?z#w', 'Exact', true], // query and fragment ignored
    ['net.tcp://[::1]:9321/app/y', 'StrongWildcard', true],
    ['net.tcp://x:9321/application', 'StrongWildcard', false], // whole segments only
    ['net.tcp://x:9321/other/app', 'StrongWildcard', false],
    ['net.tcp://x:9322/', 'StrongWildcard', false], // another port
    ['net.tcp://x/app', 'StrongWildcard', false], // the default port, 808
  ])('%s (%s) overlaps net.tcp://+:9321/app/: %s', (uri, mode, overlaps) => {
    expect(refused(wildcard, uri, mode)).toBe(overlaps ? 'net.tcp://+:9321/app/' : undefined);
    expect(refused(wildcard, uri, mode, LISTED)).toBeUndefined();
  });

  it('a reservation of one host leaves Exact registrations of other hosts alone, never wildcard ones', () => {
    const host = new UriReservations([{ uri: 'net.tcp://API.example:9321/app', users: [], groups: [] }], 'test.json');
    expect(refused(host, 'net.tcp://api.EXAMPLE:9321/app/v1', 'Exact')).toBe('net.tcp://API.example:9321/app');
    expect(refused(host, 'net.tcp://api.example:9321/', 'Exact')).toBeDefined();
    expect(refused(host, 'net.tcp://www.example:9321/app', 'Exact')).toBeUndefined();
    expect(refused(host, 'net.tcp://www.example:9321/app', 'StrongWildcard')).toBeDefined();
    expect(refused(host, 'net.tcp://www.example:9321/', 'WeakWildcard')).toBeDefined();
    const v6 = new UriReservations([{ uri: 'net.tcp://[::1]:9321/', users: [], groups: [] }], 'test.json');
    expect(refused(v6, 'net.tcp://[::1]:9321/x', 'Exact')).toBeDefined();
    expect(refused(v6, 'net.tcp://127.0.0.1:9321/x', 'Exact')).toBeUndefined();
  });

  it('nested reservations: a registration must be admitted by every one it overlaps', () => {
    const nested = new UriReservations(
      [
        { uri: 'net.tcp://+:9321/', users: ['50002'], groups: [] },
        { uri: 'net.tcp://+:9321/app/', users: ['50001'], groups: [] },
      ],
      'test.json',
    );
    expect(refused(nested, 'net.tcp://x:9321/app/y', 'StrongWildcard', LISTED)).toBe('net.tcp://+:9321/');
    expect(refused(nested, 'net.tcp://x:9321/app/y', 'StrongWildcard', OTHER)).toBe('net.tcp://+:9321/app/');
    expect(refused(nested, 'net.tcp://x:9321/web', 'StrongWildcard', OTHER)).toBeUndefined();
  });

  it('refuses a reservation that is not a net.tcp URI, naming it', () => {
    for (const uri of ['not a uri', 'http://+:80/app/']) {
      expect(() => new UriReservations([{ uri, users: [], groups: [] }], 'conf.json')).toThrowError(
        expect.objectContaining({ code: ServiceErrorCodes.BadConfig, message: expect.stringContaining("'reservations[0]'") }),
      );
    }
  });
});

describe('registration holds', () => {
  const key = routeNodeKey(parseVia('net.tcp://LocalHost:9321/App/'), 'Exact');

  it('hold the exact routing node: same URI up to case and empty segments, same comparison mode', () => {
    expect(routeNodeKey(parseVia('net.tcp://localhost:9321//app'), 'Exact')).toBe(key);
    expect(routeNodeKey(parseVia('net.tcp://other:9321/app'), 'Exact')).not.toBe(key);
    expect(routeNodeKey(parseVia('net.tcp://a:9321/app'), 'StrongWildcard')).toBe(routeNodeKey(parseVia('net.tcp://b:9321/app/'), 'StrongWildcard'));
    expect(routeNodeKey(parseVia('net.tcp://a:9321/app'), 'StrongWildcard')).not.toBe(routeNodeKey(parseVia('net.tcp://a:9321/app'), 'WeakWildcard'));
  });

  it('keep out other uids until registrationHoldMs has passed, and not the holder', () => {
    let now = 1_000;
    const holds = new RegistrationHolds(500, () => now);
    holds.hold(key, 0);
    expect(holds.heldFrom(key, 0)).toBeUndefined();
    expect(holds.heldFrom(key, 7)).toEqual({ uid: 0, until: 1_500 });
    now = 1_499;
    expect(holds.heldFrom(key, 7)).toBeDefined();
    now = 1_500;
    expect(holds.heldFrom(key, 7)).toBeUndefined();
    expect(holds.size).toBe(0);
  });

  it('forget expired holds however many registrations churned', () => {
    let now = 0;
    const holds = new RegistrationHolds(100, () => now);
    for (let i = 0; i < 10_000; i++) {
      now = i;
      holds.hold(`k${i}`, 1);
    }
    expect(holds.size).toBe(100);
    holds.release('k9999');
    expect(holds.size).toBe(99);
    expect(new RegistrationHolds(0).size).toBe(0);
    const none = new RegistrationHolds(0);
    none.hold(key, 1);
    expect(none.heldFrom(key, 2)).toBeUndefined();
  });
});
