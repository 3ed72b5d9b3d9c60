#!/usr/bin/env node
// Builds the native addon for `pnpm build`.
//
// node-gyp-build alone keeps whatever build/Release/handoff.node (or a prebuild) already loads,
// even when src/handoff.c changed after it was compiled. So: when the sources are newer than the
// binary it would load, rebuild with node-gyp (build/Release then takes precedence over a
// prebuild); otherwise let node-gyp-build decide (use the local build or a matching prebuild, or
// compile when there is neither).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const built = join(root, 'build', 'Release', 'handoff.node');
const sources = ['src/handoff.c', 'src/gate.c', 'src/gate.h', 'src/gate-internal.h', 'src/relay.c', 'src/notify.c', 'src/notify.h', 'binding.gyp'].map((file) => join(root, file));

// What node-gyp-build would load: the local build, else a prebuild for this platform.
const prebuildDir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const prebuilt = existsSync(prebuildDir)
  ? readdirSync(prebuildDir).filter((f) => f.endsWith('.node')).map((f) => join(prebuildDir, f))
  : [];
const loaded = existsSync(built) ? built : prebuilt[0];
const stale =
  loaded !== undefined && sources.some((source) => statSync(source).mtimeMs > statSync(loaded).mtimeMs);
const script = stale ? require.resolve('node-gyp/bin/node-gyp.js') : require.resolve('node-gyp-build/bin.js');
const args = stale ? [script, 'rebuild'] : [script];

const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (result.error) throw result.error;
process.exit(result.status ?? 1);
