// The administrator's whole journey against a real daemon, through the real binary: refused while
// disabled, enable, start in the background, a worker registers, status/routes show it, pause
// (clients get EndpointUnavailable), resume, restart, stop, disable.
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFault, encodePreamble, FaultUri } from '@portshare/framing';
import type { StatusResult } from '../src/index.js';
import {
  exchange,
  freePort,
  isAlive,
  makeHome,
  runCli,
  runJson,
  startEchoWorker,
  waitFor,
  type Home,
  type Worker,
} from './helpers.js';

describe('portshare lifecycle against a real daemon', () => {
  let h: Home;
  let port: number;
  let uri: string;
  let daemonPid: number;
  let worker: Worker | undefined;
  const run = (...args: string[]) => runCli(args, h.home);
  const json = <T = Record<string, unknown>>(...args: string[]) => runJson<T>(args, h.home);
  const status = async () => (await json<StatusResult>('status')).json;

  beforeAll(async () => {
    h = makeHome();
    port = await freePort();
    uri = `net.tcp://localhost:${port}/x`;
  });

  afterAll(async () => {
    await worker?.kill();
    h.cleanup();
  });

  it('refuses to start while disabled (exit 4, naming portshare enable), in the foreground and detached', async () => {
    for (const args of [['start'], ['start', '--detach']]) {
      const r = await run(...args);
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toContain("'portshare enable'");
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    const j = await json<{ error: { code: string; exitCode: number; message: string } }>('start', '--detach');
    expect(j.code).toBe(4);
    expect(j.json.error).toMatchObject({ code: 'SERVICE_ERR_DISABLED', exitCode: 4 });
    expect(existsSync(h.paths.controlSocket)).toBe(false);
  });

  it('enable records start mode "demand" and the command that starts the service', async () => {
    const r = await json<{ startMode: string; command: string[]; runningPid: number | null }>('enable');
    expect(r.code).toBe(0);
    expect(r.json.startMode).toBe('demand');
    expect(r.json.runningPid).toBeNull();
    expect(r.json.command[0]).toBe(process.execPath);
    expect(existsSync(r.json.command[1]!)).toBe(true);
    expect(r.json.command[1]).toMatch(/service[/\\]dist[/\\]main\.js$/);
  });

  it('start --detach starts the daemon in the background and prints its pid', async () => {
    const r = await json<{ state: string; pid: number; controlSocket: string }>('start', '--detach');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.state).toBe('running');
    daemonPid = r.json.pid;
    expect(isAlive(daemonPid)).toBe(true);
    // It runs the command enable recorded.
    const argv = readFileSync(`/proc/${daemonPid}/cmdline`, 'utf8').split('\0');
    expect(argv[0]).toBe(process.execPath);
    expect(argv[1]).toMatch(/service[/\\]dist[/\\]main\.js$/);
    expect(r.json.controlSocket).toBe(h.paths.controlSocket);
    const again = await run('start', '--detach');
    expect(again.code).toBe(6);
    expect(again.stderr).toContain(`pid ${daemonPid}`);
  });

  it('status and routes show a registered worker, its listener and the counters', async () => {
    const before = await status();
    expect(before.state).toBe('running');
    expect(before.registrations).toEqual([]);
    worker = await startEchoWorker(h.home, uri, 'W', before.handoff!);
    // One connection through the worker, so the counters move.
    const preamble = encodePreamble({ via: `net.tcp://localhost:${port}/x/svc`, encoding: 8 });
    const echoed = await exchange(port, preamble, 2 + preamble.length);
    expect(echoed.subarray(0, 2).toString()).toBe('W:');
    expect(echoed.subarray(2)).toEqual(preamble);

    const s = await status();
    expect(s).toMatchObject({ enabled: true, startMode: 'demand', state: 'running', pid: daemonPid });
    expect(s.registrations).toHaveLength(1);
    expect(s.registrations![0]).toMatchObject({
      id: worker.registrationId,
      uri,
      hostNameComparisonMode: 'StrongWildcard',
      pid: worker.pid,
      dispatched: 1,
      queueLength: 0,
    });
    expect(s.listeners!.map((l) => l.port)).toContain(port);
    expect(s.counters).toMatchObject({ connectionsAccepted: 1, connectionsDispatched: 1, registrationsActive: 1, urisRegistered: 1 });
    expect(s.smsvchostCounters).toMatchObject({
      'Connections Accepted over net.tcp': 1,
      'Connections Dispatched over net.tcp': 1,
      'Registrations Active for net.tcp': 1,
    });

    const human = await run('status');
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`running (pid ${daemonPid}`);
    expect(human.stdout).toContain(uri);
    expect(human.stdout).toMatch(new RegExp(`\\b${port}\\b`));
    expect(human.stdout).toMatch(/Connections Dispatched over net\.tcp\s+1/);
    expect(human.stdout).toContain('StrongWildcard');

    const routes = await json<{ registrations: { uri: string }[] }>('routes');
    expect(routes.json.registrations.map((r) => r.uri)).toEqual([uri]);
    expect((await run('routes')).stdout).toContain(uri);
  });

  it('pause makes clients get the EndpointUnavailable fault; resume dispatches again', async () => {
    const paused = await json('pause');
    expect(paused.code).toBe(0);
    expect(paused.json).toEqual({ state: 'paused' });
    expect((await status()).state).toBe('paused');
    expect((await run('status')).code).toBe(0);

    const reply = await exchange(port, encodePreamble({ via: uri, encoding: 8 }));
    expect(reply).toEqual(encodeFault(FaultUri.EndpointUnavailable));
    expect((await status()).counters!.dispatchFailures).toBe(1);

    const resumed = await json('resume');
    expect(resumed.code).toBe(0);
    expect(resumed.json).toEqual({ state: 'running' });
    const preamble = encodePreamble({ via: uri, encoding: 8 });
    const echoed = await exchange(port, preamble, 2 + preamble.length);
    expect(echoed.subarray(0, 2).toString()).toBe('W:');
  });

  it('logs shows what the daemon did', async () => {
    const r = await json<{ file: string; lines: { msg?: string }[] }>('logs', '--lines', '1000');
    expect(r.code).toBe(0);
    expect(r.json.file).toBe(h.paths.logFile);
    const msgs = r.json.lines.map((l) => l.msg);
    expect(msgs).toContain('registered');
    expect(msgs.some((m) => m?.startsWith('paused'))).toBe(true);
    const human = await run('logs', '--lines', '3');
    expect(human.code).toBe(0);
    expect(human.stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(human.stdout).toMatch(/^\d{4}-\d\d-\d\dT\S+ (INFO|DEBUG|WARN) /m);
  });

  it('doctor reports the running service', async () => {
    const r = await json<{ ok: boolean; checks: { check: string; status: string; detail: string }[] }>('doctor');
    expect(r.code).toBe(0);
    expect(r.json.ok).toBe(true);
    const service = r.json.checks.find((c) => c.check === 'service');
    expect(service).toMatchObject({ status: 'ok' });
    expect(service!.detail).toContain(`pid ${daemonPid}`);
  });

  it('disable leaves the running daemon alone and says so; restart then refuses without stopping it', async () => {
    const r = await json<{ startMode: string; runningPid: number | null }>('disable');
    expect(r.json).toMatchObject({ startMode: 'disabled', runningPid: daemonPid });
    expect((await run('enable')).code).toBe(0);
    const human = await run('disable');
    expect(human.stdout).toContain('keeps running');
    expect(human.stdout).toContain("'portshare stop'");
    const s = await status();
    expect(s).toMatchObject({ state: 'running', enabled: false, pid: daemonPid });
    const restart = await run('restart');
    expect(restart.code).toBe(4);
    expect(restart.stderr).toContain("'portshare enable'");
    expect(isAlive(daemonPid)).toBe(true);
    expect((await run('enable')).code).toBe(0);
  });

  it('restart refuses an invalid configuration (exit 78) and keeps the running daemon', async () => {
    writeFileSync(h.paths.configFile, JSON.stringify({ maxPendingConnections: 0 }));
    const r = await run('restart');
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('maxPendingConnections');
    expect((await status()).pid).toBe(daemonPid);
    rmSync(h.paths.configFile);
  });

  it('restart stops the daemon and starts a new one', async () => {
    const r = await json<{ state: string; pid: number; previousPid: number | null }>('restart');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.previousPid).toBe(daemonPid);
    expect(r.json.pid).not.toBe(daemonPid);
    await waitFor(() => !isAlive(daemonPid), 'the old daemon to exit');
    daemonPid = r.json.pid;
    expect((await status()).pid).toBe(daemonPid);
  });

  it('stop stops it; status then says stopped (exit 3) and admin commands say how to start it', async () => {
    const r = await json<{ state: string; wasRunning: boolean; pid: number }>('stop');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json).toEqual({ state: 'stopped', wasRunning: true, pid: daemonPid });
    await waitFor(() => !isAlive(daemonPid), 'the daemon to exit');

    const s = await json<StatusResult>('status');
    expect(s.code).toBe(3);
    expect(s.json).toMatchObject({ state: 'stopped', enabled: true });
    const human = await run('status');
    expect(human.code).toBe(3);
    expect(human.stdout).toContain('stopped');
    expect(human.stdout).toContain("'portshare start --detach'");

    for (const cmd of ['pause', 'resume', 'routes']) {
      const x = await run(cmd);
      expect(x.code, cmd).toBe(3);
      expect(x.stderr).toContain("'portshare start --detach'");
    }
    const again = await json<{ wasRunning: boolean }>('stop');
    expect(again.code).toBe(0);
    expect(again.json.wasRunning).toBe(false);
  });

  it('after disable, start is refused again', async () => {
    expect((await run('disable')).code).toBe(0);
    const r = await run('start', '--detach');
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("'portshare enable'");
    const s = await json<StatusResult>('status');
    expect(s.code).toBe(3);
    expect(s.json).toMatchObject({ state: 'stopped', enabled: false, startMode: 'disabled' });
  });
});
