#!/usr/bin/env node
// Brings a fresh checkout to a runnable state with nothing but Node and npm:
// installs the workspace with the pinned pnpm (fetched through npx when it is not on PATH),
// which builds the native hand-off addon, then builds every package through turbo.
// Re-running it is cheap: the install is skipped while the lockfile is unchanged, and
// turbo's cache makes the build a no-op.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmSpec = pkg.packageManager; // "pnpm@x.y.z"
const bin = join(root, 'node_modules', '.bin');

function run(cmd, args) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
  });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function installNeeded() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  if (!existsSync(marker)) return true;
  return statSync(join(root, 'pnpm-lock.yaml')).mtimeMs > statSync(marker).mtimeMs;
}

if (installNeeded()) {
  const frozen = process.env.CI ? ['--frozen-lockfile'] : [];
  const local = join(bin, 'pnpm');
  if (existsSync(local)) run(local, ['install', ...frozen]);
  else run('npx', ['--yes', pnpmSpec, 'install', ...frozen]);
}
if (!process.argv.includes('--no-build')) run(join(bin, 'turbo'), ['run', 'build', '--output-logs=errors-only']);
