#!/usr/bin/env node
// `pnpm prebuild [--arch x64|arm64] [--out DIR]`: the release binaries, prebuilds/linux-<arch>/@portshare+handoff.node,
// made by prebuildify (N-API, so one binary per architecture serves every Node version).
//
// - Against the headers of the Node that runs this (npm's `nodedir`, else the folder above its
//   binary), so nothing is downloaded: prebuildify would otherwise fetch headers for its own
//   choice of Node version.
// - arm64 on an x64 machine with Debian's cross compiler (gcc-aarch64-linux-gnu): CC, LINK, AR and
//   the strip tool of that toolchain. The addon is C and needs nothing else (not even its g++).
// - `--out DIR` builds in a copy of the sources there (tests use it, so the package's own
//   build/ is left alone).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({ options: { arch: { type: 'string', default: process.arch }, out: { type: 'string' } } });
const arch = values.arch;
const toolchains = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };
if (!(arch in toolchains)) throw new Error(`--arch must be x64 or arm64 (got ${arch})`);

let cwd = root;
if (values.out !== undefined) {
  cwd = resolve(values.out);
  mkdirSync(cwd, { recursive: true });
  for (const item of ['binding.gyp', 'src', 'package.json']) cpSync(join(root, item), join(cwd, item), { recursive: true });
}

const nodedir = process.env.npm_config_nodedir || dirname(dirname(process.execPath));
if (!existsSync(join(nodedir, 'include', 'node', 'node_api.h'))) {
  throw new Error(`No Node headers under ${nodedir}/include/node: set npm_config_nodedir to the folder that has them.`);
}
const env = {
  ...process.env,
  PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}`,
  npm_config_nodedir: nodedir,
};
if (arch !== process.arch) {
  const t = toolchains[arch];
  // The addon is C, so the C compiler links it too: the cross toolchain's g++ is not needed.
  Object.assign(env, { CC: `${t}-gcc`, CXX: `${t}-g++`, LINK: `${t}-gcc`, AR: `${t}-ar`, PREBUILD_STRIP_BIN: `${t}-strip` });
}
const result = spawnSync('prebuildify', ['--napi', '--strip', '--arch', arch, '--target', `node@${process.versions.node}`], {
  cwd,
  env,
  stdio: 'inherit',
});
if (result.error) throw result.error;
process.exit(result.status ?? 1);
