import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseVia, type ParsedVia } from '@portshare/framing';
import { BenchError, BenchErrorCodes } from './errors.js';
import { RoutingTable } from '@portshare/service/routing';
import { median } from './stats.js';

/**
 * The daemon's route lookup, timed in process: the RoutingTable the service uses, filled with N
 * registrations (one per service, `net.tcp://localhost:9000/app<i>/Service.svc`, StrongWildcard as
 * WCF registers by default), looked up with parsed vias, as the preamble decoder hands them over.
 * Two access patterns:
 * - hot: every lookup is for one service (the busiest one);
 * - spread: lookups cycle over every registered service, so the whole table is touched.
 */

export interface RouteLookupResult {
  registrations: number;
  /** Median over batches of the mean time of one lookup, in nanoseconds. */
  hotNs: number;
  spreadNs: number;
}

export interface RouteBenchOptions {
  sizes: readonly number[];
  batch: number;
  batches: number;
}

const PORT = 9000;

function serviceUri(i: number): string {
  return `net.tcp://localhost:${PORT}/app${i}/Service.svc`;
}

function filledTable(n: number): RoutingTable<number> {
  const table = new RoutingTable<number>();
  for (let i = 0; i < n; i++) {
    if (!table.add(parseVia(serviceUri(i)), 'StrongWildcard', i)) throw new Error(`duplicate route ${i}`);
  }
  return table;
}

const VIA_URI = `net.tcp://127.0.0.1:${PORT}/`;

/**
 * One timed batch: mean ns per lookup. Each lookup gets a ParsedVia built afresh, with a new path
 * string, as the daemon gets a new one from the preamble decoder for every connection (a client's
 * via names an endpoint below the base address and the host it dialed). Every answer is checked,
 * so the work cannot be optimized away.
 */
function timeBatch(table: RoutingTable<number>, n: number, count: number, hot: boolean): number {
  const target = n - 1;
  let misses = 0;
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < count; k++) {
    const i = hot ? target : k % n;
    const via: ParsedVia = { uri: VIA_URI, scheme: 'net.tcp', host: '127.0.0.1', port: PORT, path: `/app${i}/Service.svc/endpoint` };
    const hit = table.lookup(via, '127.0.0.1', PORT);
    if (hit === undefined || hit.value !== i) misses++;
  }
  const ns = Number(process.hrtime.bigint() - t0);
  if (misses > 0) throw new Error(`${misses} lookups returned the wrong registration`);
  return ns / count;
}

/** Times every size, batches interleaved across sizes so drift and JIT state hit them alike. */
export function benchRouteLookups(options: RouteBenchOptions): RouteLookupResult[] {
  const tables = options.sizes.map((n) => ({ table: filledTable(n), n }));
  // Warm-up: let the JIT settle on the lookup path before any batch counts.
  for (const t of tables) {
    timeBatch(t.table, t.n, options.batch, true);
    timeBatch(t.table, t.n, options.batch, false);
  }
  const hot = tables.map(() => [] as number[]);
  const spread = tables.map(() => [] as number[]);
  for (let b = 0; b < options.batches; b++) {
    tables.forEach((t, i) => {
      hot[i]!.push(timeBatch(t.table, t.n, options.batch, true));
      spread[i]!.push(timeBatch(t.table, t.n, options.batch, false));
    });
  }
  return options.sizes.map((registrations, i) => ({
    registrations,
    hotNs: median(hot[i]!),
    spreadNs: median(spread[i]!),
  }));
}

// The built program, whether this module runs from src (tests) or from dist.
const ROUTES_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'routes-main.js');

/** {@link benchRouteLookups} in a fresh Node process (dist/routes-main.js). */
export function benchRouteLookupsInChild(options: RouteBenchOptions): Promise<RouteLookupResult[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [ROUTES_MAIN, JSON.stringify(options)], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new BenchError(BenchErrorCodes.LoadgenFailed, `The route lookup program (${ROUTES_MAIN}) failed: ${err.message}${stderr ? `\n${stderr.slice(-2000)}` : ''}`));
      else resolve(JSON.parse(stdout) as RouteLookupResult[]);
    });
  });
}
