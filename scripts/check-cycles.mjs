#!/usr/bin/env node
// Fails when a package's modules import each other in a cycle, or when workspace packages depend
// on each other in a cycle. Reads the relative `from './x.js'` imports of every src/**/*.ts file.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const problems = [];

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function findCycle(graph) {
  const state = new Map();
  const stack = [];
  const visit = (n) => {
    state.set(n, 1);
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 1) return [...stack.slice(stack.indexOf(m)), m];
      if (!state.has(m)) {
        const c = visit(m);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of graph.keys()) if (!state.has(n)) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

const pkgDirs = ['packages', 'samples'].flatMap((d) => readdirSync(join(root, d)).map((n) => join(root, d, n)))
  .filter((d) => existsSync(join(d, 'package.json')));

const pkgGraph = new Map();
for (const dir of pkgDirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  pkgGraph.set(pkg.name, Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith('@portshare/')));
  if (!existsSync(join(dir, 'src'))) continue;
  const graph = new Map();
  for (const file of walk(join(dir, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const deps = [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g)]
      .filter((m) => !/^\s*(?:import|export)\s+type\b/.test(m[0]))
      .map((m) => resolve(dirname(file), m[1].replace(/\.js$/, '.ts')));
    graph.set(file, deps);
  }
  const cycle = findCycle(graph);
  if (cycle) problems.push(`${pkg.name}: import cycle ${cycle.map((f) => relative(dir, f)).join(' → ')}`);
}
const cycle = findCycle(pkgGraph);
if (cycle) problems.push(`package dependency cycle: ${cycle.join(' → ')}`);

if (problems.length) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`no import cycles in ${pkgDirs.length} packages`);
