/**
 * Scenario: privileges. The daemon is started as root with `{"user": "nobody", "reservedPorts":
 * [808]}`: it must bind 808 first, then run on as nobody (all four uids and gids, no other
 * groups), serve port 808 to workers, and keep both gates: the control socket's mode and owner,
 * and the allow list (root and its own user always; listed users may register; others are
 * refused with WCF's text; only root and its own user may pause it).
 *
 * @module
 */

import { statSync } from 'node:fs';
import { accessDeniedMessage, ControlErrorCodes, registrationMessages } from '@portshare/control';
import { goodSession, rawExchange } from '../clients.js';
import { faultBytes, preamble } from '../fuzz/wire.js';
import { Daemon, Instance } from '../instance.js';
import { processCredentials, type ProcessCredentials } from '../proc.js';
import { criterion, type Criterion } from '../report.js';
import { account, freePort, sleep } from '../util.js';
import { requestAs, SessionWorker, type RunAs } from '../workers.js';

export interface PrivilegesOptions {
  /** The daemon's configured user. */
  user: string;
  /** The reserved low port. */
  port: number;
  /** A user put on the allow list. */
  allowedUser: string;
  /** A user not on it. */
  unlistedUser: string;
}

export const PrivilegesDefaults: PrivilegesOptions = { user: 'nobody', port: 808, allowedUser: 'bin', unlistedUser: 'daemon' };

/** What one worker (running as some user) got when it tried to register on the low port. */
export interface RegistrationAttempt {
  as: string;
  uri: string;
  registered: boolean;
  code?: string;
  message?: string;
  /** A session through the low port to that worker, when it registered. */
  served?: boolean;
}

export interface PrivilegesReport {
  user: string;
  configFile: string;
  uid: number;
  credentials: ProcessCredentials;
  /** Before any registration, the reserved port answers with EndpointNotFound (it is bound). */
  lowPortAnswersBeforeRegistration: boolean;
  controlSocket: { mode: string; uid: number };
  pidFileUid: number;
  attempts: RegistrationAttempt[];
  /** pause requested by each user: the answer's code or 'ok'. */
  pause: Record<string, string>;
  /** Status read by the unlisted user. */
  statusByUnlisted: string;
  /** A registration on another low port (not reserved) after the drop. */
  otherLowPort: { code: string; message: string };
  daemonAlive: boolean;
}

async function attempt(instance: Instance, as: string, runAs: RunAs | undefined, uri: string, port: number): Promise<{ attempt: RegistrationAttempt; worker?: SessionWorker }> {
  const tag = `${as}:`;
  try {
    const worker = await SessionWorker.start(instance, { uri, tag }, runAs);
    const path = new URL(uri.replace(/^net\.tcp:/, 'http:')).pathname;
    const session = await goodSession(port, `${path}/session`, { expectTag: tag });
    return { attempt: { as, uri, registered: true, served: session.ok }, worker };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { attempt: { as, uri, registered: false, code: e.code ?? '?', message: e.message ?? '' } };
  }
}

export async function runPrivileges(partial: Partial<PrivilegesOptions> = {}): Promise<PrivilegesReport> {
  const o = { ...PrivilegesDefaults, ...partial };
  const daemonUser = await account(o.user);
  const allowed = await account(o.allowedUser);
  const unlisted = await account(o.unlistedUser);
  if (daemonUser === undefined || allowed === undefined || unlisted === undefined) {
    throw new Error(`the users ${o.user}, ${o.allowedUser} and ${o.unlistedUser} must exist in /etc/passwd`);
  }
  const instance = Instance.create({ user: o.user, reservedPorts: [o.port], allowAccounts: { users: [o.allowedUser], groups: [] } });
  const daemon = await Daemon.start(instance);
  const workers: SessionWorker[] = [];
  try {
    const credentials = processCredentials(daemon.pid);
    // A complete preamble for a path nobody registered: the reserved port must answer EndpointNotFound.
    const probe = await rawExchange(o.port, preamble({ via: `net.tcp://localhost:${o.port}/nobody-here` }), { deadlineMs: 3000 });
    const lowPortAnswersBeforeRegistration = probe.data.equals(faultBytes('EndpointNotFound'));
    const control = statSync(instance.paths.controlSocket);
    const pid = statSync(instance.paths.pidFile);
    const attempts: RegistrationAttempt[] = [];
    const users: [string, RunAs | undefined][] = [
      [`${o.user} (the daemon's own user)`, daemonUser],
      ['root', undefined],
      [`${o.allowedUser} (on the allow list)`, allowed],
      [`${o.unlistedUser} (not on the allow list)`, unlisted],
    ];
    for (const [i, [as, runAs]] of users.entries()) {
      const r = await attempt(instance, as, runAs, `net.tcp://localhost:${o.port}/priv/${i}`, o.port);
      attempts.push(r.attempt);
      if (r.worker !== undefined) workers.push(r.worker);
    }
    // Root with proxy hand-off on the reserved port: no hand-off socket, no allow list in the way,
    // only the port itself.
    {
      const uri = `net.tcp://localhost:${o.port}/priv/proxy`;
      try {
        const w = await SessionWorker.start(instance, { uri, tag: 'P:', forceProxy: true });
        workers.push(w);
        const session = await goodSession(o.port, '/priv/proxy/session', { expectTag: 'P:' });
        attempts.push({ as: 'root (proxy hand-off)', uri, registered: true, served: session.ok });
      } catch (err) {
        const e = err as { code?: string; message?: string };
        attempts.push({ as: 'root (proxy hand-off)', uri, registered: false, code: e.code ?? '?', message: e.message ?? '' });
      }
    }
    // The same users on a high port, where binding after the drop is no obstacle.
    const high = await freePort();
    for (const [i, [as, runAs]] of users.entries()) {
      const r = await attempt(instance, as, runAs, `net.tcp://localhost:${high}/priv/${i}`, high);
      attempts.push(r.attempt);
      if (r.worker !== undefined) workers.push(r.worker);
    }
    const pause: Record<string, string> = {};
    for (const [as, runAs] of [[`${o.allowedUser}`, allowed], [`${o.user}`, daemonUser], ['root', undefined]] as const) {
      const answer = await requestAs(instance, { op: 'pause' }, runAs);
      pause[as] = typeof answer === 'string' ? answer : answer.ok === true ? 'ok' : (answer.error?.code ?? '?');
      if (pause[as] === 'ok') await requestAs(instance, { op: 'resume' });
    }
    const status = await requestAs(instance, { op: 'status' }, unlisted);
    const statusByUnlisted = typeof status === 'string' ? status : status.ok === true ? 'ok' : (status.error?.code ?? '?');
    let otherLowPort = { code: 'ok', message: '' };
    try {
      workers.push(await SessionWorker.start(instance, { uri: `net.tcp://127.0.0.1:${o.port + 1}/other`, tag: 'L:', forceProxy: true }));
    } catch (err) {
      const e = err as { code?: string; message?: string };
      otherLowPort = { code: e.code ?? '?', message: e.message ?? '' };
    }
    await sleep(50);
    return {
      user: o.user,
      configFile: instance.paths.configFile,
      uid: daemonUser.uid,
      credentials,
      lowPortAnswersBeforeRegistration,
      controlSocket: { mode: (control.mode & 0o777).toString(8), uid: control.uid },
      pidFileUid: pid.uid,
      attempts,
      pause,
      statusByUnlisted,
      otherLowPort,
      daemonAlive: daemon.alive,
    };
  } finally {
    for (const w of workers) await w.kill9();
    await daemon.kill9();
    instance.remove();
  }
}

export function privilegesCriteria(r: PrivilegesReport, o: PrivilegesOptions = PrivilegesDefaults): Criterion[] {
  const ids = (x: number[]): string => x.join(' ');
  const onLow = r.attempts.filter((a) => a.uri.includes(`:${o.port}/`) && !a.as.includes('proxy'));
  const proxyOnLow = r.attempts.filter((a) => a.as.includes('proxy'));
  const onHigh = r.attempts.filter((a) => !a.uri.includes(`:${o.port}/`));
  const shouldRegister = (a: RegistrationAttempt): boolean => !a.as.includes('not on the allow list');
  const accessDeniedOk = (a: RegistrationAttempt): boolean =>
    !a.registered && a.code === 'WORKER_ERR_ACCESS_DENIED' && a.message === accessDeniedMessage(a.uri, r.configFile);
  const describeAttempts = (list: RegistrationAttempt[]): string =>
    list.map((a) => `${a.as}: ${a.registered ? `registered${a.served === true ? ', served' : ', NOT served'}` : `${a.code} ${(a.message ?? '').slice(0, 260)}`}`).join('; ');
  return [
    criterion(
      `the daemon runs on as ${r.user}`,
      [...r.credentials.uid, ...r.credentials.gid].every((id) => id === r.uid) && r.credentials.groups.every((g) => g === r.uid),
      `Uid ${ids(r.credentials.uid)}, Gid ${ids(r.credentials.gid)}, Groups ${ids(r.credentials.groups)}`,
    ),
    criterion(`port ${o.port} bound before the drop`, r.lowPortAnswersBeforeRegistration, `EndpointNotFound on ${o.port} before any registration: ${r.lowPortAnswersBeforeRegistration}`),
    // The pid file stays root's: an account that could rewrite it could make root's tools signal
    // any process (service instance-files.ts writePidFile).
    criterion(
      'the control socket keeps its mode and belongs to the daemon user',
      r.controlSocket.mode === '666' && r.controlSocket.uid === r.uid && r.pidFileUid === 0,
      `control socket mode ${r.controlSocket.mode}, owner ${r.controlSocket.uid}; pid file owner ${r.pidFileUid} (root's: 0)`,
    ),
    criterion(
      'a user not on the allow list is refused with WCF\'s text',
      r.attempts.filter((a) => !shouldRegister(a)).every(accessDeniedOk) && r.statusByUnlisted === ControlErrorCodes.AccessDenied,
      `${describeAttempts(r.attempts.filter((a) => !shouldRegister(a)))}; status: ${r.statusByUnlisted}`,
    ),
    criterion(
      'root, the daemon\'s own user and listed users may register (high port)',
      onHigh.filter(shouldRegister).every((a) => a.registered && a.served === true),
      describeAttempts(onHigh.filter(shouldRegister)),
    ),
    criterion(
      `root, the daemon's own user and listed users may register on the reserved port ${o.port}`,
      onLow.filter(shouldRegister).every((a) => a.registered && a.served === true),
      describeAttempts(onLow.filter(shouldRegister)),
    ),
    criterion(
      `the reserved port ${o.port} takes registrations after the drop (root, proxy hand-off)`,
      proxyOnLow.length > 0 && proxyOnLow.every((a) => a.registered && a.served === true),
      describeAttempts(proxyOnLow),
    ),
    criterion(
      'only root and the daemon\'s own user may pause it',
      r.pause['root'] === 'ok' && r.pause[o.user] === 'ok' && r.pause[o.allowedUser] === ControlErrorCodes.NotAdministrator,
      JSON.stringify(r.pause),
    ),
    criterion(
      'a low port that was not reserved fails with WCF\'s text and the reason',
      r.otherLowPort.code === 'WORKER_ERR_SERVICE_FAILED_TO_LISTEN' &&
        r.otherLowPort.message.startsWith(registrationMessages[ControlErrorCodes.FailedToListen]()) &&
        r.otherLowPort.message.includes('EACCES'),
      `${r.otherLowPort.code}: ${r.otherLowPort.message}`,
    ),
    criterion('no crash', r.daemonAlive, `daemon alive: ${r.daemonAlive}`),
  ];
}
