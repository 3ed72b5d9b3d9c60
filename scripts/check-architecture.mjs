#!/usr/bin/env node
// Fails when docs/architecture.md's package table does not match the packages' real runtime
// dependencies (package.json `dependencies`): every listed package must have a row, and each row's
// "depends on" column must name exactly its workspace dependencies (short names: `framing`,
// `samples/calculator`) and its third-party ones. A note in parentheses after a name is allowed.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');

// Workspace packages by name → the short name the table uses.
const shortNames = new Map();
const manifests = new Map();
for (const dir of ['packages', 'samples']) {
  for (const entry of readdirSync(join(root, dir))) {
    const file = join(root, dir, entry, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    const short = dir === 'samples' ? `samples/${entry}` : pkg.name.replace(/^@portshare\//, '');
    shortNames.set(pkg.name, short);
    manifests.set(short, pkg);
  }
}

const rows = new Map();
for (const line of doc.split('\n')) {
  const m = /^\| `(@portshare\/[a-z-]+|samples\/[a-z-]+)` \|.*\| ([^|]+) \|$/.exec(line);
  if (!m) continue;
  const short = m[1].replace(/^@portshare\//, '');
  const names = m[2].trim() === 'nothing' ? [] : m[2].split(',').map((n) => n.replace(/\(.*?\)/g, '').trim()).filter(Boolean);
  rows.set(short, names);
}

const problems = [];
// Test tooling is not part of the product's dependency picture.
const untabled = new Set(['interop', 'bench', 'stress', 'test-utils']);
for (const short of manifests.keys()) {
  if (!rows.has(short) && !untabled.has(short)) problems.push(`${short} has no row in docs/architecture.md's package table`);
}
for (const [short, listed] of rows) {
  const pkg = manifests.get(short);
  if (pkg === undefined) {
    problems.push(`docs/architecture.md lists ${short}, which is not a workspace package`);
    continue;
  }
  const real = Object.keys(pkg.dependencies ?? {}).map((d) => shortNames.get(d) ?? d);
  const missing = real.filter((d) => !listed.includes(d));
  const extra = listed.filter((d) => !real.includes(d));
  if (missing.length > 0 || extra.length > 0) {
    problems.push(`${short}: the table says "${listed.join(', ') || 'nothing'}"; package.json depends on "${real.join(', ') || 'nothing'}"`);
  }
}
if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`docs/architecture.md's package table matches ${rows.size} packages' dependencies`);
