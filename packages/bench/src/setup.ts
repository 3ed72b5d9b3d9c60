import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDaemon, type DaemonHandle } from './daemon.js';
import type { ConfigurationName } from './options.js';
import { findHaproxy, findSslh, haproxyConfig, requirePeer, sslhConfig, type Peer } from './peers.js';
import { freePort, manage, spawnWithFdLimit, waitForOutput, waitForPort, type ManagedProcess } from './processes.js';
import { benchPreamble, benchVia, ROUTE_PREFIX } from './wire.js';

const here = dirname(fileURLToPath(import.meta.url));
// The built program, whether this module runs from src (tests) or from dist.
export const WORKER_MAIN = join(here, '..', 'dist', 'worker-main.js');

/** How the load generator reaches the echo worker in one configuration. */
export interface Endpoint {
  name: ConfigurationName;
  port: number;
  via: string;
  preamble: Buffer;
  /** The process between client and worker (daemon, HAProxy, sslh); none for direct. */
  intermediary: ManagedProcess | undefined;
  /**
   * Whether the intermediary's CPU can be read from /proc: sslh-fork serves each connection in a
   * child process whose CPU the kernel does not add to the parent's (cutime stays 0), so it cannot.
   */
  intermediaryCpuMeasurable: boolean;
  worker: ManagedProcess;
}

export interface SetupOptions {
  configurations: readonly ConfigurationName[];
  fdLimit: number;
  readyTimeoutMs: number;
  /** Extra node options for the daemons and workers (e.g. --cpu-prof). */
  nodeArgs?: readonly string[];
  /** Extra node options for the daemons only (e.g. V8 heap flags), after nodeArgs. */
  daemonNodeArgs?: readonly string[];
  /** HAProxy and sslh as already looked up; looked up here when not given. */
  peers?: { haproxy: Peer; sslh: Peer };
}

/** One listener of the worker: shared through the daemon of `home`, or on its own port. */
export interface WorkerListen {
  uri: string;
  home?: string | undefined;
  /** Transport security: the service certificate and key, PEM files. */
  tls?: { certificate: string; key: string } | undefined;
  /** Share the URI with other workers that registered it with 'balance' (many workers per URI). */
  onConflict?: 'balance' | undefined;
}

export interface WorkerStart {
  listens: readonly WorkerListen[];
  service: 'echo' | 'calculator' | 'streaming';
  fdLimit: number;
  readyTimeoutMs: number;
  nodeArgs?: readonly string[] | undefined;
}

/** Starts the benchmark's worker program and waits for its READY line. */
export async function startWorker(w: WorkerStart): Promise<ManagedProcess> {
  const args = [...(w.nodeArgs ?? []), WORKER_MAIN, '--service', w.service];
  for (const l of w.listens) args.push('--listen', JSON.stringify(l));
  const child = spawnWithFdLimit(process.execPath, args, { fdLimit: w.fdLimit, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = manage(`the ${w.service} worker (${w.listens.map((l) => l.uri).join(', ')})`, child);
  try {
    await waitForOutput(proc, /^READY$/m, w.readyTimeoutMs);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return proc;
}

/**
 * Every process of the benchmark, started once and kept for the whole run: a daemon with fd
 * hand-off, a daemon in proxy mode, HAProxy, sslh, and one worker process with a listener on its
 * own port (direct; HAProxy and sslh forward to it) and one registered with each daemon.
 */
export class BenchSetup {
  readonly endpoints = new Map<ConfigurationName, Endpoint>();
  readonly daemons = new Map<'handoff' | 'proxy' | 'route', DaemonHandle>();
  readonly #processes: ManagedProcess[] = [];
  readonly #scratch: string[] = [];
  readonly #options: SetupOptions;

  private constructor(options: SetupOptions) {
    this.#options = options;
  }

  static async start(options: SetupOptions): Promise<BenchSetup> {
    const setup = new BenchSetup(options);
    try {
      await setup.#start();
    } catch (err) {
      await setup.stop();
      throw err;
    }
    return setup;
  }

  endpoint(name: ConfigurationName): Endpoint {
    const e = this.endpoints.get(name);
    if (!e) throw new Error(`configuration ${name} was not started`);
    return e;
  }

  /** Keeps a process to stop at the end (extra workers of later phases). */
  adopt(proc: ManagedProcess): ManagedProcess {
    this.#processes.push(proc);
    return proc;
  }

  async #start(): Promise<void> {
    const o = this.#options;
    const wants = (c: ConfigurationName): boolean => o.configurations.includes(c);
    const common = { fdLimit: o.fdLimit, readyTimeoutMs: o.readyTimeoutMs };

    // The daemons first: the worker registers with them as it starts.
    const listens: WorkerListen[] = [];
    const ports = new Map<ConfigurationName, number>();
    for (const [name, mode] of [
      ['handoff', 'auto'],
      ['proxy', 'proxy'],
    ] as const) {
      if (!wants(name)) continue;
      const daemon = await startDaemon({ ...common, mode, nodeArgs: [...(o.nodeArgs ?? []), ...(o.daemonNodeArgs ?? [])] });
      this.daemons.set(name, daemon);
      this.#processes.push(daemon.process);
      this.#scratch.push(daemon.home);
      const port = await freePort();
      ports.set(name, port);
      listens.push({ uri: benchVia(port), home: daemon.home });
    }
    const needsDirect = wants('direct') || wants('haproxy') || wants('sslh') || wants('route');
    const directPort = needsDirect ? await freePort() : 0;
    if (needsDirect) listens.push({ uri: benchVia(directPort) });
    const worker = this.adopt(await startWorker({ ...common, listens, service: 'echo', nodeArgs: o.nodeArgs }));

    if (wants('direct')) this.#add('direct', directPort, directPort, undefined, worker);
    for (const name of ['handoff', 'proxy'] as const) {
      const port = ports.get(name);
      if (port !== undefined) this.#add(name, port, port, this.daemons.get(name)!.process, worker);
    }

    if (wants('route')) {
      // A static route to the direct worker, as HAProxy and sslh route to it: the daemon relays
      // the client's bytes, and the worker answers a via that names its own port.
      const port = await freePort();
      const daemon = await startDaemon({
        ...common,
        mode: 'auto',
        nodeArgs: [...(o.nodeArgs ?? []), ...(o.daemonNodeArgs ?? [])],
        config: { routes: [{ uri: `net.tcp://localhost:${port}${ROUTE_PREFIX}`, to: `127.0.0.1:${directPort}` }] },
      });
      this.daemons.set('route', daemon);
      this.#processes.push(daemon.process);
      this.#scratch.push(daemon.home);
      this.#add('route', port, directPort, daemon.process, worker);
    }

    if (wants('haproxy')) {
      const binary = requirePeer(o.peers?.haproxy ?? findHaproxy());
      const port = await freePort();
      const dir = this.#dir();
      const cfg = join(dir, 'haproxy.cfg');
      const viaLength = Buffer.byteLength(benchVia(directPort));
      writeFileSync(
        cfg,
        haproxyConfig({
          listenPort: port,
          backendPort: directPort,
          preambleLength: benchPreamble(benchVia(directPort)).length,
          viaLength,
          routePath: ROUTE_PREFIX,
          pidFile: join(dir, 'haproxy.pid'),
        }),
      );
      const proc = this.adopt(manage('HAProxy', spawnWithFdLimit(binary, ['-db', '-f', cfg], { fdLimit: o.fdLimit, stdio: ['ignore', 'pipe', 'pipe'] })));
      await waitForPort(proc, port, o.readyTimeoutMs);
      this.#add('haproxy', port, directPort, proc, worker);
    }

    if (wants('sslh')) {
      const binary = requirePeer(o.peers?.sslh ?? findSslh());
      const port = await freePort();
      const cfg = join(this.#dir(), 'sslh.cfg');
      writeFileSync(cfg, sslhConfig({ listenPort: port, backendPort: directPort, rejectPort: await freePort(), routePath: ROUTE_PREFIX }));
      const proc = this.adopt(manage('sslh', spawnWithFdLimit(binary, ['-f', `-F${cfg}`], { fdLimit: o.fdLimit, stdio: ['ignore', 'pipe', 'pipe'] })));
      await waitForPort(proc, port, o.readyTimeoutMs);
      this.#add('sslh', port, directPort, proc, worker);
    }
  }

  /**
   * The preamble names the worker's own address: HAProxy and sslh forward to the direct worker,
   * which (as a WCF listener does) accepts only vias for its own port; a client reaching a service
   * through a router is configured with the service's address as its via.
   */
  #add(name: ConfigurationName, port: number, viaPort: number, intermediary: ManagedProcess | undefined, worker: ManagedProcess): void {
    const via = benchVia(viaPort);
    this.endpoints.set(name, {
      name,
      port,
      via,
      preamble: benchPreamble(via),
      intermediary,
      intermediaryCpuMeasurable: intermediary !== undefined && name !== 'sslh',
      worker,
    });
  }

  /** A folder (made elsewhere) to remove with the rest at stop(). */
  removeAtStop(dir: string): void {
    this.#scratch.push(dir);
  }

  #dir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'psb-peer-'));
    this.#scratch.push(dir);
    return dir;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#processes.map((p) => p.stop().catch(() => {})));
    for (const dir of this.#scratch) rmSync(dir, { recursive: true, force: true });
  }
}
