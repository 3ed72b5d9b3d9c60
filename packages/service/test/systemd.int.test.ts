// The daemon under a service manager, with systemd's own tools: `systemd-socket-activate` (Debian's
// systemd package) opens the shared port and starts the real daemon with it (LISTEN_FDS,
// sd_listen_fds(3)); a python3 process plays the manager's notification socket (sd_notify(3)),
// since Node has no Unix datagram sockets. PID-1 systemd is not needed for any of it.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlClient, type InstancePaths } from '@portshare/control';
import { encodePreamble, Mode } from '@portshare/framing';
import { isSupported } from '@portshare/handoff';
import { ensureAccount, rootForSuite } from '@portshare/test-utils';
import { freePort, makeHome, SERVICE_MAIN, sleep, startEchoWorker, status, type WorkerProcess } from './helpers.js';

// The readiness reader is the handoff package's test fixture: one small python3 program for both.
const NOTIFY_LISTENER = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'handoff', 'test', 'fixtures', 'notify-listener.py');
const hasActivate = spawnSync('systemd-socket-activate', ['--version']).status === 0;
if (process.env['CI'] && !hasActivate) throw new Error('systemd-socket-activate is missing: .ci/run installs the systemd package');
if (process.env['CI'] && !isSupported()) throw new Error('the hand-off addon must load in CI');
if (!hasActivate) console.warn('skipped: systemd-socket-activate not found (apt-get install systemd)');

interface Notifications {
  path: string;
  /** The next datagram, as its KEY=value lines. */
  next(): Promise<Record<string, string>>;
  all: string[];
}

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function notifySocket(dir: string): Promise<Notifications> {
  const path = join(dir, 'notify.sock');
  const child = spawn('python3', [NOTIFY_LISTENER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => void child.kill());
  const lines: string[] = [];
  const all: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line !== 'listening') all.push(JSON.parse(line) as string);
    const w = waiters.shift();
    if (w) w(line);
    else lines.push(line);
  });
  const nextLine = (): Promise<string> => new Promise((resolve) => (lines.length ? resolve(lines.shift()!) : waiters.push(resolve)));
  expect(await nextLine()).toBe('listening');
  return {
    path,
    all,
    next: async () => Object.fromEntries((JSON.parse(await nextLine()) as string).split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])),
  };
}

/**
 * `systemd-socket-activate -l 127.0.0.1:<port> --fdname=portshare -E … node main.js --home <home>`:
 * it listens, and on the first connection execs the daemon with the listening socket as fd 3.
 */
async function activate(
  home: string,
  port: number,
  env: Record<string, string>,
  controlSocket?: string,
): Promise<{ proc: ChildProcess; err: () => string }> {
  // With a control socket too, as portshare-control.socket passes it: FileDescriptorName=control.
  const listen = controlSocket === undefined ? ['-l', `127.0.0.1:${port}`, '--fdname=portshare'] : ['-l', `127.0.0.1:${port}`, '-l', controlSocket, '--fdname=portshare:control'];
  const args = [...listen, ...Object.entries(env).flatMap(([k, v]) => ['-E', `${k}=${v}`]), process.execPath, SERVICE_MAIN, '--home', home];
  const proc = spawn('systemd-socket-activate', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  cleanups.push(() => void proc.kill('SIGKILL'));
  const deadline = Date.now() + 10_000;
  while (!err.includes('Listening on')) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`systemd-socket-activate did not listen: ${err}`);
    await sleep(10);
  }
  return { proc, err: () => err };
}

function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
}

function readUntil(socket: Socket, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const timer = setTimeout(() => reject(new Error(`only ${total} bytes: ${Buffer.concat(chunks).toString('latin1')}`)), 10_000);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      total += c.length;
      if (total >= bytes) {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks));
      }
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForLog(paths: InstancePaths, text: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const log = existsSync(paths.logFile) ? readFileSync(paths.logFile, 'utf8') : '';
    if (log.includes(text)) return log;
    if (Date.now() > deadline) throw new Error(`'${text}' not in the log:\n${log}`);
    await sleep(20);
  }
}

describe.skipIf(!hasActivate || !isSupported())('under systemd-socket-activate', () => {
  it('serves the inherited listener, says READY=1; SIGHUP hands it to a new daemon (RELOADING=1, MAINPID=, READY=1); STOPPING=1', async () => {
    // The echo worker speaks the control protocol without the SDK: it does not move on the
    // 'moving' notice, so the new daemon waits only this long for it.
    const h = makeHome({ takeoverTimeoutMs: 300 });
    cleanups.push(h.cleanup);
    const notify = await notifySocket(h.home);
    const port = await freePort();
    const { proc } = await activate(h.home, port, { NOTIFY_SOCKET: notify.path });
    // The connection that makes systemd-socket-activate start the daemon: it waits in the
    // inherited socket's backlog while the daemon starts, and is served once a worker registers.
    const early = await connectTo(port);
    cleanups.push(() => void early.destroy());

    const ready = await notify.next();
    expect(ready['READY']).toBe('1');
    expect(ready['STATUS']).toContain(h.paths.controlSocket);
    expect(Number(ready['MAINPID'])).toBe(proc.pid);
    // The daemon is the process systemd-socket-activate became (exec), as under systemd.
    const st = await status(h.paths);
    expect(st.pid).toBe(proc.pid);
    expect(st.listeners).toEqual([{ address: '127.0.0.1', port, connections: expect.any(Number) }]);
    expect(await waitForLog(h.paths, 'serving the sockets passed by the service manager')).toContain('"name":"portshare"');

    // A registration on that port uses the inherited socket: binding 0.0.0.0 on it would fail
    // (EADDRINUSE) and ports below 1024 could not be bound at all after a privilege drop.
    const worker: WorkerProcess = await startEchoWorker(h.home, `net.tcp://localhost:${port}/app`, 'W');
    cleanups.push(() => worker.kill9());
    const preamble = encodePreamble({ mode: Mode.Duplex, via: `net.tcp://localhost:${port}/app`, encoding: 8 });
    const answer = readUntil(early, 2 + preamble.length);
    early.write(preamble);
    expect((await answer).subarray(0, 2).toString()).toBe('W:');

    const later = await connectTo(port);
    cleanups.push(() => void later.destroy());
    const again = readUntil(later, 2 + preamble.length);
    later.write(preamble);
    expect((await again).equals(Buffer.concat([Buffer.from('W:'), preamble]))).toBe(true);
    expect((await status(h.paths)).listeners).toHaveLength(1);

    // SIGHUP is a reload (docs/operations.md): a new daemon takes the inherited socket over and
    // becomes the unit's main process; the old one exits without STOPPING=1.
    const oldExited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGHUP');
    const reloading = await notify.next();
    expect(reloading['RELOADING']).toBe('1');
    expect(Number(reloading['MONOTONIC_USEC'])).toBeGreaterThan(0);
    const successor = Number((await notify.next())['MAINPID']);
    expect(successor).not.toBe(proc.pid);
    cleanups.push(() => void (alive(successor) && process.kill(successor, 'SIGKILL')));
    expect(await notify.next()).toMatchObject({ READY: '1', MAINPID: String(successor) });
    expect(await oldExited).toBe(0);
    const after = await status(h.paths);
    expect(after.pid).toBe(successor);
    expect(after.listeners).toEqual([{ address: '127.0.0.1', port, connections: expect.any(Number) }]);
    expect(readFileSync(h.paths.pidFile, 'utf8').trim()).toBe(String(successor));
    // The new daemon reads the port: the echo worker (no SDK) did not move, so the via has no
    // registration there and the client gets the EndpointNotFound fault (record 0x08).
    const late = await connectTo(port);
    cleanups.push(() => void late.destroy());
    late.write(preamble);
    expect((await readUntil(late, 1))[0]).toBe(0x08);

    process.kill(successor, 'SIGTERM');
    expect(await notify.next()).toMatchObject({ STOPPING: '1' });
  });

  it("is started by a worker connecting to the control socket the manager holds: on demand, and not as the worker's child", async () => {
    const h = makeHome();
    cleanups.push(h.cleanup);
    mkdirSync(h.paths.runDir, { recursive: true, mode: 0o755 });
    // The echo worker binds its hand-off socket before it connects (the SDK connects first): the
    // folder the daemon would make.
    mkdirSync(join(h.paths.runDir, 'workers'));
    chmodSync(join(h.paths.runDir, 'workers'), 0o1777);
    const notify = await notifySocket(h.home);
    const port = await freePort();
    const { proc } = await activate(h.home, port, { NOTIFY_SOCKET: notify.path }, h.paths.controlSocket);
    // Nothing runs yet but the manager's sockets; the worker's connection is what starts the daemon.
    const worker: WorkerProcess = await startEchoWorker(h.home, `net.tcp://localhost:${port}/app`, 'W');
    cleanups.push(() => worker.kill9());
    const ready = await notify.next();
    expect(ready['READY']).toBe('1');
    expect(Number(ready['MAINPID'])).toBe(proc.pid);
    const st = await status(h.paths);
    expect(st.pid).toBe(proc.pid);
    expect(st.listeners).toEqual([{ address: '127.0.0.1', port, connections: expect.any(Number) }]);
    expect(st.registrations.map((r) => r.pid)).toEqual([worker.pid]);
    // The socket file is the manager's: the daemon served it where it was.
    expect(existsSync(h.paths.controlSocket)).toBe(true);
    const client = await connectTo(port);
    cleanups.push(() => void client.destroy());
    const preamble = encodePreamble({ mode: Mode.Duplex, via: `net.tcp://localhost:${port}/app`, encoding: 8 });
    client.write(preamble);
    expect((await readUntil(client, 2 + preamble.length)).subarray(0, 2).toString()).toBe('W:');
    proc.kill('SIGTERM');
    expect(await notify.next()).toMatchObject({ STOPPING: '1' });
  });

  it('sends WATCHDOG=1 every WATCHDOG_USEC/2', async () => {
    const h = makeHome();
    cleanups.push(h.cleanup);
    const notify = await notifySocket(h.home);
    const port = await freePort();
    const { proc } = await activate(h.home, port, { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: '200000' });
    const trigger = await connectTo(port);
    cleanups.push(() => void trigger.destroy());
    expect((await notify.next())['READY']).toBe('1');
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) expect(await notify.next()).toEqual({ WATCHDOG: '1' });
    // Three keep-alives at 100 ms intervals.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(Date.now() - t0).toBeLessThan(2000);
    proc.kill('SIGTERM');
  });

  it('refuses to start on a passed socket that is not a TCP listener, and says why', async () => {
    const h = makeHome();
    cleanups.push(h.cleanup);
    const path = join(h.home, 'dgram.sock');
    const args = ['-d', '-l', path, process.execPath, SERVICE_MAIN, '--home', h.home];
    const proc = spawn('systemd-socket-activate', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    cleanups.push(() => void proc.kill('SIGKILL'));
    let err = '';
    proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    while (!err.includes('Listening on')) await sleep(10);
    // A datagram on it makes systemd-socket-activate start the daemon.
    spawnSync('python3', ['-c', `import socket; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"x", ${JSON.stringify(path)})`]);
    const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
    expect(code).not.toBe(0);
    expect(err).toContain('Cannot serve the socket passed as descriptor 3');
  });
});

describe.skipIf(!isSupported())('log reopening (SIGUSR1)', () => {
  it('reopens the log by its path after rotation, and never through a link planted there', async () => {
    const h = makeHome();
    cleanups.push(h.cleanup);
    const proc = spawn(process.execPath, [SERVICE_MAIN, '--home', h.home], { stdio: 'ignore' });
    cleanups.push(() => void proc.kill('SIGKILL'));
    await waitForLog(h.paths, 'portshare service started');
    const client = await ControlClient.connect(h.paths.controlSocket);
    client.destroy();

    // logrotate without copytruncate: rename, then tell the daemon.
    renameSync(h.paths.logFile, `${h.paths.logFile}.1`);
    proc.kill('SIGUSR1');
    await waitForLog(h.paths, 'log file reopened');
    expect(readFileSync(`${h.paths.logFile}.1`, 'utf8')).not.toContain('log file reopened');

    // Someone plants a link where the log was: the daemon must not write through it.
    const target = join(h.home, 'precious');
    writeFileSync(target, 'precious\n');
    renameSync(h.paths.logFile, `${h.paths.logFile}.2`);
    symlinkSync(target, h.paths.logFile);
    proc.kill('SIGUSR1');
    const kept = await waitForLogIn(`${h.paths.logFile}.2`, 'cannot reopen the log file');
    expect(kept).toContain('the log stays on the file it had');
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
    expect(alive(proc.pid!)).toBe(true);
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

const hasLogrotate = spawnSync('logrotate', ['--version']).status === 0;
if (process.env['CI'] && !hasLogrotate) throw new Error('logrotate is missing: .ci/run installs it');
const LOGROTATE_RULE = join(dirname(fileURLToPath(import.meta.url)), '..', 'logrotate', 'portshare');

describe.skipIf(!isSupported() || !hasLogrotate)('the shipped logrotate rule, run by logrotate', () => {
  it('rotates the log and the daemon writes the new file from the next line on', async () => {
    const h = makeHome();
    cleanups.push(h.cleanup);
    const proc = spawn(process.execPath, [SERVICE_MAIN, '--home', h.home], { stdio: 'ignore' });
    cleanups.push(() => void proc.kill('SIGKILL'));
    await waitForLog(h.paths, 'portshare service started');
    await waitFor(() => existsSync(h.paths.pidFile));
    // The shipped rule, pointed at this instance's files instead of the system instance's.
    const rule = readFileSync(LOGROTATE_RULE, 'utf8')
      .replaceAll('/var/log/portshare/portshare.log', h.paths.logFile)
      .replaceAll('/run/portshare/portshare.pid', h.paths.pidFile);
    expect(rule).toContain(h.paths.logFile);
    const conf = join(h.home, 'logrotate.conf');
    writeFileSync(conf, rule);
    const r = spawnSync('logrotate', ['--force', '--state', join(h.home, 'logrotate.state'), conf], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    await waitForLog(h.paths, 'log file reopened');
    expect(readFileSync(`${h.paths.logFile}.1`, 'utf8')).toContain('portshare service started');
    expect(readFileSync(`${h.paths.logFile}.1`, 'utf8')).not.toContain('log file reopened');
    // What the daemon logs next goes to the new file.
    const client = await ControlClient.connect(h.paths.controlSocket);
    await client.request({ op: 'pause' });
    client.destroy();
    await waitForLog(h.paths, 'paused');
    expect(readFileSync(`${h.paths.logFile}.1`, 'utf8')).not.toContain('paused');
  });
});

describe.skipIf(!isSupported())('the log under systemd', () => {
  it('goes to stdout when JOURNAL_STREAM names it and log.file is unset; to the file when the variable names another stream', async () => {
    const h = makeHome();
    cleanups.push(h.cleanup);
    const out = join(h.home, 'stdout');
    const fd = openSync(out, 'w');
    const st = fstatSync(fd, { bigint: true });
    const proc = spawn(process.execPath, [SERVICE_MAIN, '--home', h.home], { stdio: ['ignore', fd, 'ignore'], env: { ...process.env, JOURNAL_STREAM: `${st.dev}:${st.ino}` } });
    closeSync(fd);
    cleanups.push(() => void proc.kill('SIGKILL'));
    await waitFor(() => readFileSync(out, 'utf8').includes('portshare service started'));
    const line = JSON.parse(readFileSync(out, 'utf8').split('\n').find((l) => l.includes('portshare service started'))!) as Record<string, unknown>;
    expect(line['pid']).toBe(proc.pid);
    expect(existsSync(h.paths.logFile)).toBe(false);
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);

    // Inherited by a process whose stdout is elsewhere: the variable does not match, the file is used.
    const other = spawn(process.execPath, [SERVICE_MAIN, '--home', h.home], { stdio: 'ignore', env: { ...process.env, JOURNAL_STREAM: `${st.dev}:${st.ino}` } });
    cleanups.push(() => void other.kill('SIGKILL'));
    await waitForLog(h.paths, 'portshare service started');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

const asRoot = rootForSuite('the privilege-drop tests run the daemon as root with `user` set (run the tests as root)');

describe.skipIf(!isSupported() || !asRoot)('log reopening and reload after the privilege drop', () => {
  it('keeps writing the old file, and says why, when the dropped account cannot open a new one', async () => {
    const account = ensureAccount('pssd-logger');
    const h = makeHome({ user: account.name });
    cleanups.push(h.cleanup);
    const proc = spawn(process.execPath, [SERVICE_MAIN, '--home', h.home], { stdio: 'ignore' });
    cleanups.push(() => void proc.kill('SIGKILL'));
    await waitForLog(h.paths, 'dropped privileges');
    // The log folder is root's: the service account cannot create the new file (EACCES), and a
    // root-owned one put there by logrotate is not its own to write.
    renameSync(h.paths.logFile, `${h.paths.logFile}.1`);
    proc.kill('SIGUSR1');
    const old = await waitForLogIn(`${h.paths.logFile}.1`, 'cannot reopen the log file');
    expect(old).toContain(`as '${account.name}'`);
    expect(old).toContain('copytruncate');
    expect(existsSync(h.paths.logFile)).toBe(false);
    expect(alive(proc.pid!)).toBe(true);
  });

  it('is reloaded by SIGHUP after the drop: its root helper starts the new daemon, which takes the port over without refusing a connection', async () => {
    const account = ensureAccount('pssd-reload');
    const port = await freePort();
    const h = makeHome({ user: account.name, reservedPorts: [port] });
    cleanups.push(h.cleanup);
    const proc = spawn(process.execPath, [SERVICE_MAIN, '--home', h.home], { stdio: 'ignore' });
    cleanups.push(() => void proc.kill('SIGKILL'));
    await waitForLog(h.paths, 'dropped privileges');
    expect(processUid(proc.pid!)).toBe(account.uid);

    // The helper: a root shell, the daemon's child, that does not hold the listening sockets (the
    // port must close when the daemon is gone) and is reached only through the daemon.
    const helper = childrenOf(proc.pid!);
    expect(helper).toHaveLength(1);
    expect(processUid(helper[0]!)).toBe(0);
    const listening = listeningSockets(port);
    expect(listening.length).toBeGreaterThan(0);
    expect(descriptorTargets(proc.pid!)).toEqual(expect.arrayContaining(listening));
    expect(descriptorTargets(helper[0]!).filter((t) => listening.includes(t))).toEqual([]);

    // Clients connect without pause through the reload: none may be refused.
    const loop = connectLoop(port);
    await sleep(200);
    const oldExited = new Promise<number | string | null>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal)));
    proc.kill('SIGHUP');
    // The old daemon exits once released, which can be before the reload command has reported.
    const line = await waitForLog(h.paths, 'took over from the previous service');
    const successor = (JSON.parse(line.split('\n').find((l) => l.includes('took over from the previous service'))!) as { pid: number }).pid;
    cleanups.push(() => void (alive(successor) && process.kill(successor, 'SIGKILL')));
    expect(successor).not.toBe(proc.pid);
    expect(await oldExited).toBe(0);
    await sleep(200);
    const { connected, refused } = await loop.stop();
    expect(refused).toBe(0);
    expect(connected).toBeGreaterThan(20);

    const after = await status(h.paths);
    expect(after.pid).toBe(successor);
    expect(after.listeners.map((l) => l.port)).toContain(port);
    expect(processUid(successor)).toBe(account.uid);
    // The old helper ended with its daemon; the new daemon has its own, root again.
    await waitFor(() => !alive(helper[0]!));
    const next = childrenOf(successor);
    expect(next).toHaveLength(1);
    expect(processUid(next[0]!)).toBe(0);

    // A reload that cannot start (the configuration is broken) leaves this daemon serving and
    // says why, with the command's own words.
    writeFileSync(h.paths.configFile, '{ "user": ');
    process.kill(successor, 'SIGHUP');
    const failed = await waitForLog(h.paths, 'SIGHUP: the new service could not start; this one serves on');
    expect(failed).toContain('SERVICE_ERR_RELOAD_FAILED');
    expect(failed).toContain('portshare.json');
    expect((await status(h.paths)).pid).toBe(successor);
    const late = await connectTo(port);
    late.destroy();
  });
});

/** The uid a process runs as (the real one, from /proc/PID/status). */
function processUid(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

/** The pids whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        // Field 4 of /proc/PID/stat, after the command in parentheses (proc(5)).
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** What each of a process's descriptors is (`pipe:[…]`, `socket:[inode]`, a path). */
function descriptorTargets(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`));
}

/** The TCP sockets listening on `port`, as descriptors name them (`socket:[inode]`, proc(5) /proc/net/tcp). */
function listeningSockets(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6']
    .flatMap((f) => readFileSync(f, 'utf8').split('\n').slice(1))
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A')
    .map((cols) => `socket:[${cols[9]}]`);
}

/** Connects to the port again and again (each connection closed at once) until stopped. */
function connectLoop(port: number): { stop(): Promise<{ connected: number; refused: number }> } {
  let running = true;
  let connected = 0;
  let refused = 0;
  const done = (async () => {
    while (running) {
      try {
        (await connectTo(port)).destroy();
        connected++;
      } catch {
        refused++;
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return { connected, refused };
    },
  };
}

async function waitForLogIn(file: string, text: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const log = readFileSync(file, 'utf8');
    if (log.includes(text)) return log;
    if (Date.now() > deadline) throw new Error(`'${text}' not in ${file}:\n${log}`);
    await sleep(20);
  }
}
