// Issue #13, "The front door holds": local accounts against the control socket and each other's
// URIs. Every attack runs as a real second account (created here with useradd) against a real
// daemon, with real workers and the real CLI binary.
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlClient, ControlErrorCodes, type InstancePaths } from '@portshare/control';
import { encodePreamble } from '@portshare/framing';
import { ensureAccount, rootForSuite, spawnNode, type Account, type NodeProcess } from '@portshare/test-utils';
import { exchange, freePort, makeHome, sleep, startDaemon, startEchoWorker, status, type DaemonProcess, type WorkerProcess } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const HOG = join(here, 'fixtures', 'control-hog.mjs');
const RACER = join(here, 'fixtures', 'register-racer.mjs');
const TAKEOVER = join(here, 'fixtures', 'takeover-asker.mjs');
const CLI = join(here, '..', '..', 'cli', 'bin', 'run.js');

const isRoot = rootForSuite(
  'The front-door control tests need root: they create accounts with useradd and run workers as them; run the tests as root, as CI does.',
);

const allowed = isRoot ? ensureAccount('psfd-allowed') : { name: 'psfd-allowed', uid: -1, gid: -1 };
const listed = isRoot ? ensureAccount('psfd-listed') : { name: 'psfd-listed', uid: -1, gid: -1 };
const stranger = isRoot ? ensureAccount('psfd-stranger') : { name: 'psfd-stranger', uid: -1, gid: -1 };

let daemon: DaemonProcess | undefined;
const procs: { kill(signal?: NodeJS.Signals): Promise<void> }[] = [];
const workers: WorkerProcess[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) await p.kill('SIGKILL').catch(() => {});
  for (const w of workers.splice(0)) await w.kill9().catch(() => {});
  await daemon?.kill9().catch(() => {});
  daemon = undefined;
  for (const c of cleanups.splice(0)) c();
});

async function daemonWith(config: Record<string, unknown>): Promise<{ home: string; paths: InstancePaths }> {
  const { home, paths, cleanup } = makeHome(config);
  cleanups.push(cleanup);
  daemon = await startDaemon(home);
  return { home, paths };
}

const as = (a: Account) => ({ uid: a.uid, gid: a.gid });

/** Runs control-hog.mjs as `account`: `count` connections, each admitted with a hello or refused. */
async function hog(paths: InstancePaths, account: Account, count: number) {
  const p = spawnNode([HOG, paths.controlSocket, String(count)], {}, as(account));
  procs.push(p);
  const m = await p.waitFor(/HELD (\d+) REFUSED (\d+) (\S+) ?(.*)\n/, 20_000);
  return { proc: p, held: Number(m[1]), refused: Number(m[2]), code: m[3], message: m[4] };
}

/** The real CLI binary, as `account` (root when omitted). */
function cli(args: string[], home: string, account?: Account): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', OCLIF_COLUMNS: '1000' };
  delete env['NODE_OPTIONS'];
  const p = spawnNode([CLI, ...args, '--home', home], env, account ? as(account) : {});
  return p.exited.then((code) => ({ code, stdout: p.out(), stderr: p.err() }));
}

function connectRaw(paths: InstancePaths) {
  const socket = connect(paths.controlSocket);
  let text = '';
  socket.on('data', (d) => (text += d.toString()));
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
  return { socket, text: () => text, closed, isOpen: () => !socket.destroyed };
}

/** Registers from the test process (root), proxy transport (nothing is sent to it here); the connection keeps it. */
async function registerAsRoot(paths: InstancePaths, uri: string) {
  const client = await ControlClient.connect(paths.controlSocket);
  const { registrationId } = await client.request({
    op: 'register',
    uri,
    hostNameComparisonMode: 'StrongWildcard',
    transport: 'proxy',
    path: join(paths.runDir, 'workers', `unused-${++socketCounter}.sock`),
  });
  return { client, registrationId };
}
let socketCounter = 0;

/** Sends a preamble with `via` to the port; resolves with the tag of the worker that answered ("R:", …). */
async function servedBy(port: number, via: string): Promise<string> {
  const sent = encodePreamble({ via, encoding: 8 });
  // Echo workers write their tag, then echo: once that many bytes came, the whole tag is in.
  const r = await exchange(port, sent, { expectBytes: sent.length + 2, timeoutMs: 5000 });
  r.socket.destroy();
  return /^[A-Z0-9]+:/.exec(r.data.toString('latin1'))?.[0] ?? `(none: ${r.data.length} bytes)`;
}

describe.runIf(isRoot)('control connections: no account can lock the administrators out (#13 item 9)', () => {
  it('an allowed account opening maxControlConnections - 1 connections: root still reads status, registers a worker and stops the daemon', async () => {
    const { home, paths } = await daemonWith({
      allowAccounts: { users: [allowed.name], groups: [] },
      maxControlConnections: 40,
      maxControlConnectionsPerUser: 40, // so only the share kept for administrators stops it
      reservedControlConnections: 4,
    });
    const h = await hog(paths, allowed, 39);
    // It gets everything but the administrators' share, and is told why for the rest.
    expect(h).toMatchObject({ held: 36, refused: 3, code: ControlErrorCodes.TooManyConnections });
    expect(h.message).toContain('reservedControlConnections (4) of maxControlConnections (40) kept for root');
    // Root reads the status, its worker registers and is served.
    const s = await status(paths);
    expect(s.state).toBe('running');
    const port = await freePort();
    workers.push(await startEchoWorker(home, `net.tcp://localhost:${port}/app`, 'R'));
    expect(await servedBy(port, `net.tcp://localhost:${port}/app`)).toBe('R:');
    // The allowed account's CLI is refused with the truth: the service runs.
    const refused = await cli(['status'], home, allowed);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('The portshare service is running but refused this connection:');
    expect(refused.stderr).toContain(ControlErrorCodes.TooManyConnections);
    expect(refused.stderr).not.toContain('not running');
    // Root's real CLI stops it.
    const stopped = await cli(['stop'], home);
    expect(stopped.stderr).toBe('');
    expect(stopped.stdout).toContain(`portshare service stopped (was pid ${daemon!.pid})`);
    expect(stopped.code).toBe(0);
    expect(await daemon!.exited).toBe(0);
  });

  it('maxControlConnectionsPerUser holds at its edge for each account, and does not bind root', async () => {
    const { home, paths } = await daemonWith({
      allowAccounts: { users: [allowed.name, listed.name], groups: [] },
      maxControlConnections: 64,
      maxControlConnectionsPerUser: 5,
      reservedControlConnections: 4,
    });
    const a = await hog(paths, allowed, 5);
    expect(a).toMatchObject({ held: 5, refused: 0 });
    // One past the edge: refused with the code, the limit's name and what to do.
    const past = await hog(paths, allowed, 1);
    expect(past).toMatchObject({ held: 0, refused: 1, code: ControlErrorCodes.TooManyConnections });
    expect(past.message).toContain(`uid ${allowed.uid} already has maxControlConnectionsPerUser (5) control connections open`);
    expect(past.message).toContain('Close some');
    const cliPast = await cli(['status'], home, allowed);
    expect(cliPast.code).toBe(5);
    expect(cliPast.stderr).toContain('The portshare service is running but refused this connection: uid');
    // Per uid: another account has its own five.
    expect(await hog(paths, listed, 6)).toMatchObject({ held: 5, refused: 1, code: ControlErrorCodes.TooManyConnections });
    // Root is not held to it.
    const mine: ControlClient[] = [];
    for (let i = 0; i < 10; i++) {
      const c = await ControlClient.connect(paths.controlSocket);
      await c.hello();
      mine.push(c);
    }
    for (const c of mine) c.destroy();
    // When one of the account's connections closes, it may open one again.
    await a.proc.kill();
    await sleep(200);
    expect(await hog(paths, allowed, 5)).toMatchObject({ held: 5, refused: 0 });
  });

  it('accounts not on the allow list stay within maxUnlistedControlConnections, and are told so', async () => {
    const { paths } = await daemonWith({ maxUnlistedControlConnections: 3, maxControlConnectionsPerUser: 10 });
    expect(await hog(paths, stranger, 4)).toMatchObject({ held: 3, refused: 1, code: ControlErrorCodes.AccessDenied });
    expect((await status(paths)).state).toBe('running');
  });

  it('controlIdleTimeoutMs closes a connection that asks nothing and holds nothing, with a reason; requests and registrations keep it', async () => {
    const { paths } = await daemonWith({ controlIdleTimeoutMs: 400, allowAccounts: { users: [allowed.name], groups: [] } });
    // Silent from the start: closed after 400 ms, having been told why.
    const silent = connectRaw(paths);
    const opened = Date.now();
    // Asks at 250 ms (inside the limit), then nothing: lives until about 650 ms.
    const late = connectRaw(paths);
    // Asks every 150 ms: never idle.
    const chatty = await ControlClient.connect(paths.controlSocket);
    const chatter = setInterval(() => void chatty.hello().catch(() => {}), 150);
    // Holds a registration and never asks again: never idle.
    const holder = await registerAsRoot(paths, `net.tcp://localhost:${await freePort()}/held`);
    // Registers, then unregisters: idle from its last request.
    const quitter = await registerAsRoot(paths, `net.tcp://localhost:${await freePort()}/quit`);
    await sleep(250);
    late.socket.write('{"id":1,"op":"hello","version":1}\n');
    const silentClosed = await silent.closed;
    expect(silentClosed - opened).toBeGreaterThanOrEqual(390);
    expect(silentClosed - opened).toBeLessThan(1500);
    expect(JSON.parse(silent.text())).toMatchObject({ id: 0, ok: false, error: { code: ControlErrorCodes.IdleTimeout } });
    expect(JSON.parse(silent.text()).error.message).toContain('controlIdleTimeoutMs (400 ms)');
    expect(late.isOpen()).toBe(true); // 400 ms after opening, but only 150 after its request
    const lateClosed = await late.closed;
    expect(lateClosed - opened).toBeGreaterThanOrEqual(640);
    await quitter.client.request({ op: 'unregister', registrationId: quitter.registrationId });
    const unregisteredAt = Date.now();
    const quitterClosed = new Promise<number>((r) => quitter.client.once('close', () => r(Date.now())));
    await expect(quitter.client.request({ op: 'status' })).resolves.toBeDefined(); // a request: restarts the clock
    const quitAt = await quitterClosed;
    expect(quitAt - unregisteredAt).toBeGreaterThanOrEqual(390);
    expect(quitter.client.closeReason?.code).toBe(ControlErrorCodes.IdleTimeout);
    await sleep(300);
    expect(chatty.closed).toBe(false);
    expect(holder.client.closed).toBe(false);
    expect((await status(paths)).registrations.map((r) => r.uri)).toEqual([expect.stringContaining('/held')]);
    clearInterval(chatter);
    // An allowed account's idle connections go the same way, with the reason.
    const h = await hog(paths, allowed, 2);
    expect(h.held).toBe(2);
    await h.proc.waitFor(/CLOSED CONTROL_ERR_IDLE_TIMEOUT\n/, 5000);
    await h.proc.waitFor(/CLOSED CONTROL_ERR_IDLE_TIMEOUT\n/, 5000);
    chatty.destroy();
    holder.client.destroy();
  });
});

describe.runIf(isRoot)('URI reservations and the hold after a registration ends (#13 item 10)', () => {
  it("an unlisted account cannot register over, under or around root's reserved prefix; a listed one can", async () => {
    const port = await freePort();
    const other = await freePort();
    const reservation = `net.tcp://+:${port}/app/`;
    const { home, paths } = await daemonWith({
      allowAccounts: { users: [allowed.name, listed.name], groups: [] },
      reservations: [{ uri: reservation, users: [listed.name], groups: [] }],
    });
    workers.push(await startEchoWorker(home, `net.tcp://localhost:${port}/app`, 'R', { mode: 'Exact' }));
    const refusedUris: [string, string][] = [
      [`net.tcp://anything:${port}/`, 'StrongWildcard'], // above: would take /app's traffic (StrongWildcard outranks Exact)
      [`net.tcp://x:${port}/app/y`, 'StrongWildcard'], // under
      [`net.tcp://x:${port}/APP`, 'WeakWildcard'], // the prefix itself, in another case
      [`net.tcp://x:${port}//app//`, 'Exact'], // empty segments do not matter to routing, nor here
      [`net.tcp://localhost:${port}/app/z?q=1`, 'Exact'],
      [`net.tcp://127.0.0.1:${port}/`, 'StrongWildcard'],
    ];
    for (const [uri, mode] of refusedUris) {
      const attempt = startEchoWorker(home, uri, 'A', { mode, uid: allowed.uid, gid: allowed.gid });
      await expect(attempt, `${mode} ${uri}`).rejects.toMatchObject({ code: ControlErrorCodes.Reserved });
      await attempt.catch((err: Error) => {
        expect(err.message).toBe(
          `The service endpoint failed to listen on the URI '${uri}' because access was denied.  ` +
            `The URI overlaps the reservation '${reservation}', which admits only the accounts it lists, root and the service's own user.  ` +
            `Ask an administrator to add this account (uid ${allowed.uid}) to that reservation in the reservations section of the portshare configuration (${paths.configFile}), ` +
            `or register a URI outside it.`,
        );
      });
    }
    // Root's worker kept every connection.
    expect(await servedBy(port, `net.tcp://localhost:${port}/app/deeper`)).toBe('R:');
    expect((await status(paths)).registrations).toHaveLength(1);
    // Outside the reservation, on whole segments or another port: the account is served.
    workers.push(await startEchoWorker(home, `net.tcp://x:${port}/application`, 'O', { uid: allowed.uid, gid: allowed.gid }));
    workers.push(await startEchoWorker(home, `net.tcp://x:${other}/`, 'P', { uid: allowed.uid, gid: allowed.gid }));
    expect(await servedBy(port, `net.tcp://x:${port}/application/1`)).toBe('O:');
    // The listed account may register under it (and would then receive /app/y's traffic).
    workers.push(await startEchoWorker(home, `net.tcp://x:${port}/app/y`, 'L', { uid: listed.uid, gid: listed.gid }));
    expect(await servedBy(port, `net.tcp://x:${port}/app/y/1`)).toBe('L:');
  });

  it("holds a URI for its account for registrationHoldMs: a racer retrying every 20 ms loses to root's restarted worker, and takes it only after the hold", async () => {
    const holdMs = 2000;
    const port = await freePort();
    const uri = `net.tcp://localhost:${port}/app`;
    const { home, paths } = await daemonWith({ allowAccounts: { users: [allowed.name], groups: [] }, registrationHoldMs: holdMs });
    const first = await startEchoWorker(home, uri, 'R', { mode: 'Exact' });
    workers.push(first);
    const racer: NodeProcess = spawnNode([RACER, uri, 'Exact', '20'], { PORTSHARE_HOME: home }, as(allowed));
    procs.push(racer);
    await racer.waitFor(/TRY \d+ CONTROL_ERR_CONFLICTING_REGISTRATION\n/); // racing while root holds it
    await first.kill9();
    const killedAt = Date.now();
    await sleep(300); // root's worker restarting
    const restarted = await startEchoWorker(home, uri, 'R2', { mode: 'Exact' });
    workers.push(restarted);
    const backAt = Date.parse((await status(paths)).registrations[0]!.registeredAt);
    await sleep(200);
    const tries = [...racer.out().matchAll(/TRY (\d+) (\S+)\n/g)].map((m) => ({ at: Number(m[1]), result: m[2]! }));
    // From the moment the daemon has seen the kill (well within 100 ms) to root's new registration.
    const gap = tries.filter((t) => t.at > killedAt + 100 && t.at < backAt);
    expect(gap.length).toBeGreaterThanOrEqual(5);
    expect(new Set(gap.map((t) => t.result))).toEqual(new Set([ControlErrorCodes.Held]));
    expect(tries.some((t) => t.result === 'OK')).toBe(false);
    expect(racer.out()).toMatch(/MSG The TransportManager failed to listen on the supplied URI using the portshare service: the URI is held for the account \(uid 0\) whose registration of it ended less than registrationHoldMs \(2000 ms\) ago, .* Retry in \d+ ms, or register another URI\.\n/);
    expect(await servedBy(port, uri)).toBe('R2:');
    // Root's worker goes for good: once the hold has run out, another account may take the URI.
    await racer.kill();
    await restarted.kill9();
    const goneAt = Date.now();
    const early = spawnNode([RACER, uri, 'Exact', '20'], { PORTSHARE_HOME: home }, as(allowed));
    procs.push(early);
    const won = await early.waitFor(/TRY (\d+) OK\n/, holdMs + 5000);
    expect(Number(won[1]) - goneAt).toBeGreaterThanOrEqual(holdMs - 50);
    expect(early.out()).toContain(ControlErrorCodes.Held);
    expect(await servedBy(port, uri)).toBe('RACER:');
  });

  it("only root and the daemon's own user may take the listening sockets over, and only to a socket of their own process", async () => {
    const port = await freePort();
    const uri = `net.tcp://localhost:${port}/app`;
    const { home, paths } = await daemonWith({ allowAccounts: { users: [allowed.name], groups: [] } });
    // A worker of the allowed account: its hand-off socket is the place an attacker would name.
    const theirs = await startEchoWorker(home, uri, 'R', { uid: allowed.uid, gid: allowed.gid });
    workers.push(theirs);
    const handoffSocket = join(paths.runDir, 'workers', `echo-${theirs.pid}.sock`);
    // An allowed account asks for the sockets (they would be passed to its own receiver): refused,
    // and so are the steps that only the process taking over may take.
    const asker = spawnNode([TAKEOVER, paths.controlSocket, handoffSocket], {}, as(allowed));
    procs.push(asker);
    await asker.waitFor(/DONE\n/);
    expect(asker.out()).toBe(
      `takeover ${ControlErrorCodes.NotAdministrator}\nhandover ${ControlErrorCodes.InvalidArgument}\nrelease ${ControlErrorCodes.InvalidArgument}\nDONE\n`,
    );
    // Root names a socket another process listens on: the daemon checks its peer and refuses, so
    // the sockets cannot be steered to a worker.
    const root = spawnNode([TAKEOVER, paths.controlSocket, handoffSocket]);
    procs.push(root);
    await root.waitFor(/DONE\n/);
    expect(root.out()).toMatch(new RegExp(`^takeover ${ControlErrorCodes.InvalidArgument}\n`));
    // Nothing was handed over: the daemon still takes control connections and serves clients.
    expect((await status(paths)).registrations.map((r) => r.uri)).toEqual([uri]);
    expect(await servedBy(port, uri)).toBe('R:');
  });

  it("another account can neither join ('balance') nor replace ('replace') a registration it does not own, unless a reservation lists it for the URI", async () => {
    const port = await freePort();
    const uri = `net.tcp://localhost:${port}/shared/app`;
    /** Registers `uri` with onConflict as `account`; prints OK or the error code, then holds the connection. */
    const attempt = async (paths: InstancePaths, onConflict: string): Promise<NodeProcess> => {
      const script = `
        import { ControlClient } from '@portshare/control';
        const c = await ControlClient.connect(process.argv[1]);
        try {
          await c.request({ op: 'register', uri: process.argv[2], hostNameComparisonMode: 'StrongWildcard', transport: 'proxy', path: '/nonexistent.sock', onConflict: process.argv[3] });
          process.stdout.write('OK\\n');
        } catch (e) { process.stdout.write(e.code + ' ' + e.message + '\\n'); }
        c.on('notice', (n) => process.stdout.write('NOTICE ' + n.notice + '\\n'));
        setInterval(() => {}, 1000);`;
      const p = spawnNode(['--input-type=module', '-e', script, paths.controlSocket, uri, onConflict], {}, as(allowed));
      procs.push(p);
      await p.waitFor(/^(OK|CONTROL_ERR_\S+).*\n/m);
      return p;
    };

    // Root's registration asked to share: still not with another account.
    const plain = await daemonWith({ allowAccounts: { users: [allowed.name], groups: [] } });
    const rootClient = await ControlClient.connect(plain.paths.controlSocket);
    cleanups.push(() => rootClient.destroy());
    await rootClient.request({ op: 'register', uri, hostNameComparisonMode: 'StrongWildcard', transport: 'proxy', path: join(plain.paths.runDir, 'workers', 'root.sock'), onConflict: 'balance' });
    for (const onConflict of ['balance', 'replace']) {
      const p = await attempt(plain.paths, onConflict);
      expect(p.out()).toMatch(new RegExp(`^${ControlErrorCodes.ConflictingRegistration} .*registered by another account, and no URI reservation lists yours`));
    }
    expect((await status(plain.paths)).registrations.map((r) => r.uid)).toEqual([0]);
    await daemon?.kill9();
    daemon = undefined;

    // With a reservation that lists the account for the URI, it may replace: root's registration
    // is superseded and the account's takes the connections.
    const reserved = await daemonWith({
      allowAccounts: { users: [allowed.name], groups: [] },
      reservations: [{ uri: `net.tcp://+:${port}/shared/`, users: [allowed.name] }],
    });
    const first = await attempt(reserved.paths, 'replace');
    expect(first.out()).toBe('OK\n');
    const second = await attempt(reserved.paths, 'replace');
    expect(second.out()).toBe('OK\n');
    await first.waitFor(/NOTICE superseded\n/);
    const st = await status(reserved.paths);
    expect(st.registrations).toHaveLength(1);
    expect(st.registrations[0]!.uid).toBe(allowed.uid);
  });
});
