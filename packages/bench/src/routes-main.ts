#!/usr/bin/env node
/**
 * The route lookup bench as a program: `node dist/routes-main.js '<RouteBenchOptions as JSON>'`
 * prints the results as JSON. The harness runs it in a fresh process, so the lookups are timed
 * in a heap as small as the daemon's, not in the harness's, which holds every round's results.
 *
 * @module
 */
import { benchRouteLookups, type RouteBenchOptions } from './routes-bench.js';

const options = JSON.parse(process.argv[2] ?? '{}') as RouteBenchOptions;
process.stdout.write(`${JSON.stringify(benchRouteLookups(options))}\n`);
