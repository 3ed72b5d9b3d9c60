/**
 * Scenario: registration abuse. What the control socket gets from clients that are not workers,
 * or workers that misbehave: malformed and oversized messages, URIs over the limit, requests in
 * the wrong shape, 10,000 registrations, a flood of register/unregister, and users who are not on
 * the allow list (refused registrations, a flood of requests whose answers are never read, every
 * control connection taken). Each must be refused or served with a clear error, and the daemon
 * must keep routing.
 *
 * @module
 */

import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Socket } from 'node:net';
import {
  ControlErrorCodes,
  accessDeniedMessage,
  decodeHandoffPayload,
  registrationMessages,
  type ControlClient,
} from '@portshare/control';
import { HandoffReceiver } from '@portshare/handoff';
import { closedLoop, goodSession, rawExchange } from '../clients.js';
import { ControlLine, type ControlAnswer } from '../control-line.js';
import { preamble } from '../fuzz/wire.js';
import { settledFdCount } from '../proc.js';
import { Daemon, Instance } from '../instance.js';
import { criterion, type Criterion } from '../report.js';
import { freePort, intOption, MiB, round, sleep, waitFor } from '../util.js';
import { SessionWorker, startAbuser } from '../workers.js';

/** What a vector must get back. */
export interface VectorExpectation {
  /** An error code, or 'ok' for a served request. */
  code: string;
  /** The exact message (WCF's wording where there is one), or a part of it. */
  message?: string;
  messageIncludes?: string;
  /** Whether the daemon closes the connection afterwards. */
  closes: boolean;
}

export interface ControlVector {
  name: string;
  /** The raw bytes sent (one or more lines). */
  bytes: Buffer;
  /** The id of the answer to wait for (0 when the daemon cannot know it). */
  id: number;
  expect: VectorExpectation;
}

export interface VectorResult {
  name: string;
  ok: boolean;
  expected: VectorExpectation;
  observed: { code: string; message: string; closed: boolean };
}

const line = (o: Record<string, unknown> | unknown): Buffer => Buffer.from(`${JSON.stringify(o)}\n`);
const E = ControlErrorCodes;

/** The malformed, oversized and ill-shaped control messages, for an instance and its port. */
export function controlVectors(ctx: {
  port: number;
  receiverPath: string;
  otherWorkerSocket: string;
  otherRegistrationId: number;
  regularFile: string;
  maxControlMessageBytes: number;
}): ControlVector[] {
  const uri = (path: string): string => `net.tcp://localhost:${ctx.port}${path}`;
  const register = (id: number, fields: Record<string, unknown>): Buffer =>
    line({ id, op: 'register', hostNameComparisonMode: 'StrongWildcard', transport: 'fd', path: ctx.receiverPath, ...fields });
  const uriOfBytes = (bytes: number, tail = ''): string => {
    const head = uri('/limit/');
    return head + 'x'.repeat(bytes - Buffer.byteLength(head) - Buffer.byteLength(tail)) + tail;
  };
  const padded = (bytes: number): Buffer => {
    const body = JSON.stringify({ id: 61, op: 'hello', version: 1 });
    return Buffer.from(`${body.slice(0, -1)}${' '.repeat(bytes - body.length)}}\n`);
  };
  const nested = `{"id":62,"op":"status","deep":${'['.repeat(4000)}${']'.repeat(4000)}}\n`;
  const invalidArgument = (messageIncludes?: string): VectorExpectation => ({
    code: E.InvalidArgument,
    closes: false,
    ...(messageIncludes !== undefined ? { messageIncludes } : {}),
  });
  return [
    { name: 'not JSON', bytes: Buffer.from('this is not json\n'), id: 0, expect: { code: E.InvalidArgument, message: 'A control message is not valid JSON.', closes: true } },
    { name: 'invalid UTF-8', bytes: Buffer.from([0xff, 0xfe, 0x7b, 0x0a]), id: 0, expect: { code: E.InvalidArgument, closes: true } },
    { name: 'a JSON array', bytes: line([]), id: 0, expect: invalidArgument('Unknown or missing control operation.') },
    { name: 'JSON null', bytes: Buffer.from('null\n'), id: 0, expect: invalidArgument('Unknown or missing control operation.') },
    { name: 'a JSON number', bytes: Buffer.from('42\n'), id: 0, expect: invalidArgument() },
    { name: 'a JSON string', bytes: line('register'), id: 0, expect: invalidArgument() },
    { name: 'no op', bytes: line({ id: 1 }), id: 1, expect: invalidArgument('Unknown or missing control operation.') },
    { name: 'an unknown op', bytes: line({ id: 2, op: 'format-disk' }), id: 2, expect: invalidArgument() },
    { name: 'op not a string', bytes: line({ id: 3, op: { op: 'stop' } }), id: 3, expect: invalidArgument() },
    { name: 'register without fields', bytes: line({ id: 4, op: 'register' }), id: 4, expect: invalidArgument('register needs uri, path and a hostNameComparisonMode') },
    { name: 'register with a number as URI', bytes: register(5, { uri: 5 }), id: 5, expect: invalidArgument('register needs uri') },
    { name: 'register with an unknown comparison mode', bytes: register(6, { uri: uri('/m'), hostNameComparisonMode: 'Loose' }), id: 6, expect: invalidArgument() },
    { name: 'register a relative URI', bytes: register(7, { uri: 'calculator/4381' }), id: 7, expect: invalidArgument('is not an absolute URI') },
    {
      name: 'register an http URI',
      bytes: register(8, { uri: `http://localhost:${ctx.port}/x` }),
      id: 8,
      expect: { code: E.ProtocolUnsupported, message: registrationMessages[E.ProtocolUnsupported](), closes: false },
    },
    { name: 'register with a hand-off path that does not exist', bytes: register(9, { uri: uri('/nopath'), path: '/nonexistent/h.sock' }), id: 9, expect: invalidArgument('Cannot connect') },
    { name: 'register with a regular file as hand-off path', bytes: register(10, { uri: uri('/file'), path: ctx.regularFile }), id: 10, expect: invalidArgument('Cannot connect') },
    {
      name: "register with another worker's hand-off socket",
      bytes: register(11, { uri: uri('/hijack'), path: ctx.otherWorkerSocket }),
      id: 11,
      expect: invalidArgument('belongs to another process'),
    },
    { name: 'unregister a registration of another connection', bytes: line({ id: 12, op: 'unregister', registrationId: ctx.otherRegistrationId }), id: 12, expect: invalidArgument('is not held by this connection') },
    { name: 'unregister with a string id', bytes: line({ id: 13, op: 'unregister', registrationId: String(ctx.otherRegistrationId) }), id: 13, expect: invalidArgument('is not held by this connection') },
    {
      name: 'hello from a newer protocol version',
      bytes: line({ id: 14, op: 'hello', version: 2 }),
      id: 14,
      expect: { code: E.VersionUnsupported, message: registrationMessages[E.VersionUnsupported](), closes: false },
    },
    {
      name: 'hello with a string version',
      bytes: line({ id: 15, op: 'hello', version: '1' }),
      id: 15,
      expect: { code: E.VersionUnsupported, message: registrationMessages[E.VersionUnsupported](), closes: false },
    },
    { name: 'validate without a via', bytes: line({ id: 16, op: 'validate' }), id: 16, expect: { code: 'ok', closes: false } },
    { name: 'a __proto__ key', bytes: Buffer.from('{"id":17,"op":"status","__proto__":{"op":"stop"}}\n'), id: 17, expect: { code: 'ok', closes: false } },
    { name: 'empty lines, then a request', bytes: Buffer.from(`\n\n\n${JSON.stringify({ id: 18, op: 'hello', version: 1 })}\n`), id: 18, expect: { code: 'ok', closes: false } },
    { name: 'JSON nested 4000 deep', bytes: Buffer.from(nested), id: 62, expect: { code: 'ok', closes: false } },
    { name: `a line of exactly maxControlMessageBytes (${ctx.maxControlMessageBytes})`, bytes: padded(ctx.maxControlMessageBytes), id: 61, expect: { code: 'ok', closes: false } },
    {
      name: 'a line one byte past maxControlMessageBytes',
      bytes: padded(ctx.maxControlMessageBytes + 1),
      id: 0,
      expect: { code: E.MessageTooLarge, message: `A control message exceeds ${ctx.maxControlMessageBytes} bytes (maxControlMessageBytes).`, closes: true },
    },
    {
      name: 'a megabyte without a newline',
      bytes: Buffer.alloc(1 << 20, 0x20),
      id: 0,
      expect: { code: E.MessageTooLarge, closes: true },
    },
    { name: 'a URI of exactly 2048 UTF-8 bytes', bytes: register(19, { uri: uriOfBytes(2048) }), id: 19, expect: { code: 'ok', closes: false } },
    {
      name: 'a URI of 2049 UTF-8 bytes',
      bytes: register(20, { uri: uriOfBytes(2049) }),
      id: 20,
      expect: { code: E.PathTooLong, message: registrationMessages[E.PathTooLong](), closes: false },
    },
    {
      name: 'a URI of 2048 characters but 2049 UTF-8 bytes',
      bytes: register(21, { uri: uriOfBytes(2049, 'é') }),
      id: 21,
      expect: { code: E.PathTooLong, message: registrationMessages[E.PathTooLong](), closes: false },
    },
    {
      name: 'a URI registered twice',
      bytes: Buffer.concat([register(22, { uri: uri('/twice') }), register(23, { uri: uri('/TWICE/') })]),
      id: 23,
      expect: { code: E.ConflictingRegistration, message: registrationMessages[E.ConflictingRegistration](), closes: false },
    },
  ];
}

function describe(answer: ControlAnswer | 'closed' | 'timeout'): { code: string; message: string } {
  if (answer === 'closed' || answer === 'timeout') return { code: answer, message: '' };
  if (answer.ok === true) return { code: 'ok', message: '' };
  return { code: answer.error?.code ?? '?', message: answer.error?.message ?? '' };
}

async function runVector(socketPath: string, v: ControlVector): Promise<VectorResult> {
  const conn = await ControlLine.open(socketPath);
  try {
    conn.send(v.bytes);
    const answer = await conn.next(v.id);
    const { code, message } = describe(answer);
    // Is the connection still usable? A hello after the vector tells.
    let closed: boolean;
    if (v.expect.closes) closed = await conn.waitClosed(2000);
    else {
      conn.request({ id: 900, op: 'hello', version: 1 });
      const probe = await conn.next(900, 2000);
      closed = probe === 'closed' || probe === 'timeout';
    }
    const e = v.expect;
    const ok =
      code === e.code &&
      closed === e.closes &&
      (e.message === undefined || message === e.message) &&
      (e.messageIncludes === undefined || message.includes(e.messageIncludes));
    return { name: v.name, ok, expected: e, observed: { code, message, closed } };
  } finally {
    conn.destroy();
  }
}

export interface ControlVectorsReport {
  results: VectorResult[];
  /** A good client's session through the daemon after every vector. */
  routingAfter: boolean;
  daemonAlive: boolean;
}

/** Every control vector, each on a fresh connection, against a daemon with a good worker. */
export async function runControlVectors(): Promise<ControlVectorsReport> {
  const port = await freePort();
  const instance = Instance.create();
  const daemon = await Daemon.start(instance);
  let worker: SessionWorker | undefined;
  let receiver: HandoffReceiver | undefined;
  try {
    worker = await SessionWorker.start(instance, { uri: `net.tcp://localhost:${port}/good`, tag: 'G:' });
    const workersDir = join(instance.paths.runDir, 'workers');
    mkdirSync(workersDir, { recursive: true });
    const receiverPath = join(workersDir, `stress-${process.pid}.sock`);
    receiver = HandoffReceiver.listen(receiverPath, { onMessage: (fd) => new Socket({ fd }).destroy() });
    // The SDK binds its hand-off socket in a folder of its own, w<pid>-<random>/h.sock (earlier
    // versions: w<pid>-<n>.sock), see @portshare/worker's handoff-folder.ts.
    const own = readdirSync(workersDir).find((name) => name.startsWith(`w${worker?.pid}-`));
    const otherWorkerSocket = own === undefined ? join(workersDir, `w${worker.pid}-?`) : own.endsWith('.sock') ? join(workersDir, own) : join(workersDir, own, 'h.sock');
    if (!existsSync(otherWorkerSocket)) throw new Error(`the good worker's hand-off socket is not at ${otherWorkerSocket}`);
    const otherRegistrationId = (await daemon.status()).registrations[0]?.id ?? 1;
    const vectors = controlVectors({
      port,
      receiverPath,
      otherWorkerSocket,
      otherRegistrationId,
      regularFile: instance.paths.configFile,
      maxControlMessageBytes: 10_000,
    });
    const results: VectorResult[] = [];
    for (const v of vectors) results.push(await runVector(instance.paths.controlSocket, v));
    const after = await goodSession(port, '/good/after', { expectTag: 'G:' });
    return { results, routingAfter: after.ok, daemonAlive: daemon.alive };
  } finally {
    receiver?.close();
    await worker?.kill9();
    await daemon.kill9();
    instance.remove();
  }
}

export function controlVectorsCriteria(r: ControlVectorsReport): Criterion[] {
  return [
    ...r.results.map((v) =>
      criterion(
        `control message "${v.name}" ${v.expected.code === 'ok' ? 'served' : 'refused with a clear error'}`,
        v.ok,
        `expected ${v.expected.code}${v.expected.closes ? ' and close' : ''}, got ${v.observed.code}${v.observed.closed ? ' and close' : ''}: ${v.observed.message.slice(0, 160)}`,
      ),
    ),
    criterion('the daemon keeps routing after the malformed messages', r.routingAfter && r.daemonAlive, `good session after: ${r.routingAfter}`),
  ];
}

export interface ManyRegistrationsOptions {
  /** Registrations to make (the daemon's maxRegistrations is set to this, plus the good worker's). */
  count: number;
  /** Requests sent before waiting for their answers. */
  pipeline: number;
  /**
   * Start the daemon with this open-files limit, below what `count` registrations need (each fd
   * registration holds a descriptor): the registrations past it must be refused clearly and the
   * daemon must keep routing. Undefined: the limit this process has.
   */
  openFilesLimit: number | undefined;
}

export const ManyRegistrationsDefaults: ManyRegistrationsOptions = { count: 10_000, pipeline: 200, openFilesLimit: undefined };

export interface ManyRegistrationsReport {
  count: number;
  openFilesLimit: number | undefined;
  registered: number;
  failures: Record<string, number>;
  /** The first refusal's message, for judging how clear it is. */
  firstFailure: string;
  registerMs: number;
  /** The registration past maxRegistrations. */
  pastQuota: { code: string; message: string };
  routedFirst: string;
  routedLast: string;
  goodSessionWhileFull: boolean;
  /** A status request on a new control connection with every registration in place. */
  statusWhileFull: string;
  statusMs: number;
  daemon: { fdStart: number; fdFull: number; fdEnd: number; rssStartMiB: number; rssFullMiB: number; unregisterMs: number; alive: boolean };
}

/** The test process as one worker holding `count` registrations on one control connection (fd hand-off). */
export async function runManyRegistrations(partial: Partial<ManyRegistrationsOptions> = {}): Promise<ManyRegistrationsReport> {
  const o = { ...ManyRegistrationsDefaults, ...partial };
  intOption('count', o.count, 1, 1_000_000);
  const port = await freePort();
  // The good worker holds one registration too: the quota is the test's count plus that one.
  const instance = Instance.create({ maxRegistrations: o.count + 1, maxRegistrationsPerConnection: o.count });
  const daemon = await Daemon.start(instance, o.openFilesLimit === undefined ? {} : { openFilesLimit: o.openFilesLimit });
  let worker: SessionWorker | undefined;
  let receiver: HandoffReceiver | undefined;
  let control: ControlClient | undefined;
  try {
    worker = await SessionWorker.start(instance, { uri: `net.tcp://localhost:${port}/good`, tag: 'G:' });
    const fdStart = await settledFdCount(daemon.pid);
    const rssStart = daemon.rss();
    const workersDir = join(instance.paths.runDir, 'workers');
    const path = join(workersDir, `many-${process.pid}.sock`);
    receiver = HandoffReceiver.listen(
      path,
      {
        onMessage(fd, payload) {
          const socket = new Socket({ fd, readable: true, writable: true });
          socket.on('error', () => {});
          try {
            socket.end(`R${decodeHandoffPayload(payload).header.registrationId}`);
          } catch {
            socket.destroy();
          }
        },
      },
      { backlog: 4096 },
    );
    control = await instance.control();
    await control.hello();
    const ids = new Map<number, number>();
    const failures: Record<string, number> = {};
    let firstFailure = '';
    const started = performance.now();
    const registerOne = async (i: number): Promise<void> => {
      try {
        const reply = await (control as ControlClient).request({
          op: 'register',
          uri: `net.tcp://localhost:${port}/r/${i}`,
          hostNameComparisonMode: 'StrongWildcard',
          transport: 'fd',
          path,
        });
        ids.set(i, reply.registrationId);
      } catch (err) {
        const e = err as { code?: string; message?: string };
        const code = e.code ?? '?';
        failures[code] = (failures[code] ?? 0) + 1;
        if (firstFailure === '') firstFailure = `${code}: ${e.message ?? ''}`;
      }
    };
    for (let i = 0; i < o.count; i += o.pipeline) {
      await Promise.all(Array.from({ length: Math.min(o.pipeline, o.count - i) }, (_, k) => registerOne(i + k)));
    }
    const registerMs = performance.now() - started;
    let pastQuota = { code: 'ok', message: '' };
    try {
      await control.request({ op: 'register', uri: `net.tcp://localhost:${port}/r/past`, hostNameComparisonMode: 'StrongWildcard', transport: 'fd', path });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      pastQuota = { code: e.code ?? '?', message: e.message ?? '' };
    }
    const routed = async (i: number): Promise<string> => {
      const out = await rawExchange(port, preamble({ via: `net.tcp://localhost:${port}/r/${i}/svc` }), { deadlineMs: 5000 });
      return out.data.toString('latin1');
    };
    const last = Math.max(...ids.keys());
    const routedFirst = await routed(0);
    const routedLast = await routed(last);
    const goods = await Promise.all(Array.from({ length: 5 }, () => goodSession(port, '/good/full', { expectTag: 'G:', openTimeoutMs: 3000 })));
    const statusStarted = performance.now();
    const statusWhileFull = await daemon.status().then(
      () => 'ok',
      (err: unknown) => (err as { code?: string }).code ?? String(err),
    );
    const statusMs = performance.now() - statusStarted;
    const fdFull = daemon.openFds();
    const rssFull = daemon.rss();
    const closing = performance.now();
    control.destroy();
    control = undefined;
    await waitFor('every registration to end with its connection', async () => ((await daemon.status()).registrations.length === 1 ? true : undefined), 30_000, 20);
    const unregisterMs = performance.now() - closing;
    const fdEnd = await settledFdCount(daemon.pid, 5000);
    return {
      count: o.count,
      openFilesLimit: o.openFilesLimit,
      registered: ids.size,
      failures,
      firstFailure,
      registerMs: Math.round(registerMs),
      pastQuota,
      routedFirst: routedFirst === `R${ids.get(0)}` ? 'right worker' : `wrong: ${JSON.stringify(routedFirst)}`,
      routedLast: routedLast === `R${ids.get(last)}` ? 'right worker' : `wrong: ${JSON.stringify(routedLast)}`,
      goodSessionWhileFull: goods.every((g) => g.ok),
      statusWhileFull,
      statusMs: round(statusMs, 1),
      daemon: {
        fdStart,
        fdFull,
        fdEnd,
        rssStartMiB: round(rssStart / MiB, 1),
        rssFullMiB: round(rssFull / MiB, 1),
        unregisterMs: Math.round(unregisterMs),
        alive: daemon.alive,
      },
    };
  } finally {
    control?.destroy();
    receiver?.close();
    await worker?.kill9();
    await daemon.kill9();
    instance.remove();
  }
}

export function manyRegistrationsCriteria(r: ManyRegistrationsReport): Criterion[] {
  if (r.openFilesLimit !== undefined) {
    const clear = Object.keys(r.failures).every((code) => code === ControlErrorCodes.QuotaExceeded) || /EMFILE|too many open files/i.test(r.firstFailure);
    return [
      // The daemon shares one hand-off socket among all the registrations a worker makes with one
      // path, so these cost it one descriptor and are all served; whatever does not fit must be
      // refused with a clear error.
      criterion(
        `registrations under an open-files limit of ${r.openFilesLimit} served, or refused with a clear error`,
        r.registered === r.count || (r.registered > 0 && clear),
        `${r.registered} of ${r.count} registered; refusals ${JSON.stringify(r.failures)}, first: ${r.firstFailure.slice(0, 220)}`,
      ),
      criterion(
        'the daemon keeps routing with its descriptors taken by registrations',
        r.goodSessionWhileFull && r.routedFirst === 'right worker' && r.statusWhileFull === 'ok',
        `good sessions while full: ${r.goodSessionWhileFull}; first registration routed: ${r.routedFirst}; status: ${r.statusWhileFull}; descriptors ${r.daemon.fdFull}/${r.openFilesLimit}`,
      ),
      criterion('every registration released with its connection, no descriptor leaked', r.daemon.fdEnd <= r.daemon.fdStart && r.daemon.alive, `descriptors ${r.daemon.fdStart} → ${r.daemon.fdFull} → ${r.daemon.fdEnd}`),
    ];
  }
  return [
    criterion(`${r.count} registrations served`, r.registered === r.count, `${r.registered} registered in ${r.registerMs} ms; failures ${JSON.stringify(r.failures)}`),
    criterion(
      'the registration past maxRegistrations refused with WCF\'s quota text',
      r.pastQuota.code === ControlErrorCodes.QuotaExceeded && r.pastQuota.message === registrationMessages[ControlErrorCodes.QuotaExceeded](),
      `${r.pastQuota.code}: ${r.pastQuota.message}`,
    ),
    criterion('routing right with every registration in place', r.routedFirst === 'right worker' && r.routedLast === 'right worker' && r.goodSessionWhileFull, `first: ${r.routedFirst}, last: ${r.routedLast}, good session: ${r.goodSessionWhileFull}`),
    criterion(
      'every registration released with its connection, no descriptor leaked',
      r.daemon.fdEnd <= r.daemon.fdStart && r.daemon.alive,
      `descriptors ${r.daemon.fdStart} → ${r.daemon.fdFull} with ${r.count} registrations → ${r.daemon.fdEnd} after (${r.daemon.unregisterMs} ms to release)`,
    ),
  ];
}

export interface FloodOptions {
  /** Control connections flooding at once. */
  connections: number;
  /** register + unregister pairs per connection. */
  iterations: number;
  /** Distinct URIs per connection (some shared by all connections, to collide). */
  uris: number;
}

export const FloodDefaults: FloodOptions = { connections: 8, iterations: 1000, uris: 20 };

export interface FloodReport {
  operations: number;
  durationMs: number;
  registered: number;
  conflicts: number;
  otherErrors: Record<string, number>;
  good: { ok: number; failed: number; errors: Record<string, number> };
  registrationsAfter: number;
  counters: { registered: number; unregistered: number };
  fdStart: number;
  fdEnd: number;
  alive: boolean;
}

/** register/unregister as fast as the daemon answers, from several connections, while good clients route. */
export async function runRegistrationFlood(partial: Partial<FloodOptions> = {}): Promise<FloodReport> {
  const o = { ...FloodDefaults, ...partial };
  const port = await freePort();
  const instance = Instance.create();
  const daemon = await Daemon.start(instance);
  let worker: SessionWorker | undefined;
  const receivers: HandoffReceiver[] = [];
  const controls: ControlClient[] = [];
  try {
    worker = await SessionWorker.start(instance, { uri: `net.tcp://localhost:${port}/good`, tag: 'G:' });
    const before = (await daemon.status()).counters;
    const fdStart = await settledFdCount(daemon.pid);
    let registered = 0;
    let conflicts = 0;
    const otherErrors: Record<string, number> = {};
    let flooding = true;
    const goodRun = closedLoop({ concurrency: 2, stop: () => !flooding, task: () => goodSession(port, '/good/flood', { expectTag: 'G:' }) });
    const started = performance.now();
    await Promise.all(
      Array.from({ length: o.connections }, async (_, c) => {
        const path = join(instance.paths.runDir, 'workers', `flood-${process.pid}-${c}.sock`);
        receivers.push(HandoffReceiver.listen(path, { onMessage: (fd) => new Socket({ fd }).destroy() }, { backlog: 1024 }));
        const control = await instance.control();
        controls.push(control);
        for (let i = 0; i < o.iterations; i++) {
          // Even URIs are this connection's own; odd ones are shared by every connection and collide.
          const k = i % o.uris;
          const uri = k % 2 === 0 ? `net.tcp://localhost:${port}/flood/${c}/${k}` : `net.tcp://localhost:${port}/flood/shared/${k}`;
          try {
            const { registrationId } = await control.request({ op: 'register', uri, hostNameComparisonMode: 'StrongWildcard', transport: 'fd', path });
            registered++;
            await control.request({ op: 'unregister', registrationId });
          } catch (err) {
            const code = (err as { code?: string }).code ?? '?';
            if (code === ControlErrorCodes.ConflictingRegistration) conflicts++;
            else otherErrors[code] = (otherErrors[code] ?? 0) + 1;
          }
        }
      }),
    );
    const durationMs = performance.now() - started;
    flooding = false;
    const goodResults = await goodRun;
    for (const c of controls) c.destroy();
    const s = await waitFor('the flood to settle', async () => {
      const st = await daemon.status();
      return st.registrations.length === 1 ? st : undefined;
    }, 10_000);
    for (const r of receivers) r.close();
    const fdEnd = await settledFdCount(daemon.pid, 5000);
    const errors: Record<string, number> = {};
    for (const g of goodResults) if (!g.ok) errors[g.error ?? '?'] = (errors[g.error ?? '?'] ?? 0) + 1;
    return {
      operations: o.connections * o.iterations,
      durationMs: Math.round(durationMs),
      registered,
      conflicts,
      otherErrors,
      good: { ok: goodResults.filter((g) => g.ok).length, failed: goodResults.filter((g) => !g.ok).length, errors },
      registrationsAfter: s.registrations.length,
      counters: { registered: s.counters.urisRegistered - before.urisRegistered, unregistered: s.counters.urisUnregistered - before.urisUnregistered },
      fdStart,
      fdEnd,
      alive: daemon.alive,
    };
  } finally {
    for (const c of controls) c.destroy();
    for (const r of receivers) r.close();
    await worker?.kill9();
    await daemon.kill9();
    instance.remove();
  }
}

export function floodCriteria(r: FloodReport): Criterion[] {
  return [
    criterion(
      'each register/unregister served or refused with a clear error',
      Object.keys(r.otherErrors).length === 0 && r.registered + r.conflicts === r.operations,
      `${r.registered} served, ${r.conflicts} ConflictingRegistration, other errors ${JSON.stringify(r.otherErrors)} of ${r.operations} in ${r.durationMs} ms`,
    ),
    criterion('the daemon keeps routing during the flood', r.good.failed === 0 && r.good.ok > 0, `${r.good.ok} good sessions, ${r.good.failed} failed ${JSON.stringify(r.good.errors)}`),
    criterion(
      'the books balance after the flood',
      r.registrationsAfter === 1 && r.counters.registered === r.counters.unregistered && r.fdEnd <= r.fdStart && r.alive,
      `${r.registrationsAfter} registration left (the good worker), ${r.counters.registered} registered / ${r.counters.unregistered} unregistered, descriptors ${r.fdStart} → ${r.fdEnd}`,
    ),
  ];
}

export interface UnlistedUserOptions {
  /** The user, not on the allow list, the abuse runs as. */
  user: string;
  /** Requests written (and never read) in the reply flood. */
  floodRequests: number;
  /** The daemon's maxControlConnections for the hold (small, so the test is quick). */
  maxControlConnections: number;
}

export const UnlistedUserDefaults: UnlistedUserOptions = { user: 'daemon', floodRequests: 300_000, maxControlConnections: 64 };

/** Growth of the daemon's resident memory tolerated during the reply flood. */
export const REPLY_FLOOD_MAX_RSS_GROWTH_BYTES = 64 * MiB;

export interface UnlistedUserReport {
  user: string;
  refused: { code: string; message: string; expected: string };
  replyFlood: { requests: number; outcome: string; rssBeforeMiB: number; rssPeakMiB: number; goodDuring: { ok: number; failed: number } };
  hold: { limit: number; held: string; legitimateWorker: { registered: boolean; code?: string; message?: string }; goodDuring: boolean };
  daemonAlive: boolean;
}

/**
 * A user not on the allow list: refused when registering; then two ways such a user could still
 * hurt the daemon, since anyone may connect to the control socket (its mode is 0666, the allow list
 * being checked per request): a flood of requests whose answers are never read, and holding every
 * control connection.
 */
export async function runUnlistedUser(partial: Partial<UnlistedUserOptions> = {}): Promise<UnlistedUserReport> {
  const o = { ...UnlistedUserDefaults, ...partial };
  const { account } = await import('../util.js');
  const who = await account(o.user);
  if (who === undefined) throw new Error(`the user ${o.user} must exist in /etc/passwd`);
  const port = await freePort();
  const instance = Instance.create({ maxControlConnections: o.maxControlConnections });
  const daemon = await Daemon.start(instance);
  const workers: SessionWorker[] = [];
  try {
    workers.push(await SessionWorker.start(instance, { uri: `net.tcp://localhost:${port}/good`, tag: 'G:' }));
    const good = (): Promise<boolean> => goodSession(port, '/good/x', { expectTag: 'G:' }).then((r) => r.ok);

    // 1. Refused, in WCF's words.
    const deniedUri = `net.tcp://localhost:${port}/denied`;
    let refused = { code: 'ok', message: '', expected: accessDeniedMessage(deniedUri, instance.paths.configFile) };
    try {
      workers.push(await SessionWorker.start(instance, { uri: deniedUri, tag: 'D:' }, who));
    } catch (err) {
      const e = err as { code?: string; message?: string };
      refused = { ...refused, code: e.code ?? '?', message: e.message ?? '' };
    }

    // 2. Requests whose answers are never read: hello needs no access, so anyone can send it.
    const rssBefore = daemon.rss();
    let rssPeak = rssBefore;
    const flood = startAbuser({ action: 'flood', socket: instance.paths.controlSocket, line: JSON.stringify({ id: 1, op: 'hello', version: 1 }), requests: o.floodRequests }, who);
    const goodDuring = { ok: 0, failed: 0 };
    let outcome = 'no answer';
    const floodDone = flood.waitForLine(/^(SENT|BLOCKED) \d+$/, 60_000).then(({ match }) => {
      outcome = match[0];
    }, () => {});
    const deadline = Date.now() + 60_000;
    let settledAt: number | undefined;
    while (Date.now() < deadline) {
      rssPeak = Math.max(rssPeak, daemon.rss());
      if ((await good()) === true) goodDuring.ok++;
      else goodDuring.failed++;
      if (outcome !== 'no answer') settledAt ??= Date.now();
      // After the abuser has written what it could, give the daemon 2 s to process what it read.
      if (settledAt !== undefined && Date.now() - settledAt > 2000) break;
      await sleep(100);
    }
    await floodDone;
    await flood.kill9();

    // 3. Every control connection taken by the unlisted user, then a legitimate worker arrives.
    const hold = startAbuser({ action: 'hold', socket: instance.paths.controlSocket, count: o.maxControlConnections }, who);
    const { match } = await hold.waitForLine(/^HELD (\d+) (\d+)$/, 30_000);
    let legitimateWorker: UnlistedUserReport['hold']['legitimateWorker'] = { registered: false };
    try {
      workers.push(await SessionWorker.start(instance, { uri: `net.tcp://localhost:${port}/legit`, tag: 'L:' }));
      legitimateWorker = { registered: true };
    } catch (err) {
      const e = err as { code?: string; message?: string };
      legitimateWorker = { registered: false, code: e.code ?? '?', message: e.message ?? '' };
    }
    const goodDuringHold = await good();
    await hold.kill9();
    return {
      user: o.user,
      refused,
      replyFlood: { requests: o.floodRequests, outcome, rssBeforeMiB: round(rssBefore / MiB, 1), rssPeakMiB: round(rssPeak / MiB, 1), goodDuring },
      hold: { limit: o.maxControlConnections, held: `${match[1]} held, ${match[2]} closed by the daemon`, legitimateWorker, goodDuring: goodDuringHold },
      daemonAlive: daemon.alive,
    };
  } finally {
    for (const w of workers) await w.kill9();
    await daemon.kill9();
    instance.remove();
  }
}

export function unlistedUserCriteria(r: UnlistedUserReport): Criterion[] {
  const growth = (r.replyFlood.rssPeakMiB - r.replyFlood.rssBeforeMiB) * MiB;
  return [
    criterion('a user not on the allow list is refused with WCF\'s text', r.refused.code === 'WORKER_ERR_ACCESS_DENIED' && r.refused.message === r.refused.expected, `${r.refused.code}: ${r.refused.message}`),
    criterion(
      'requests whose answers are never read do not grow the daemon without bound',
      growth <= REPLY_FLOOD_MAX_RSS_GROWTH_BYTES && r.daemonAlive,
      `${r.replyFlood.requests} hello requests (${r.replyFlood.outcome}): daemon RSS ${r.replyFlood.rssBeforeMiB} → ${r.replyFlood.rssPeakMiB} MiB (limit +${REPLY_FLOOD_MAX_RSS_GROWTH_BYTES / MiB} MiB)`,
    ),
    criterion('the daemon keeps routing during the reply flood', r.replyFlood.goodDuring.failed === 0 && r.replyFlood.goodDuring.ok > 0, `${r.replyFlood.goodDuring.ok} good sessions, ${r.replyFlood.goodDuring.failed} failed`),
    criterion(
      'a user not on the allow list cannot take every control connection from workers',
      r.hold.legitimateWorker.registered,
      `${r.hold.held} (maxControlConnections ${r.hold.limit}); a root worker then: ${r.hold.legitimateWorker.registered ? 'registered' : `${r.hold.legitimateWorker.code} ${r.hold.legitimateWorker.message}`}`,
    ),
    criterion('the daemon keeps routing while the control connections are held', r.hold.goodDuring && r.daemonAlive, `good session: ${r.hold.goodDuring}`),
  ];
}
