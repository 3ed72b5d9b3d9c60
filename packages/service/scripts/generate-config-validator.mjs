#!/usr/bin/env node
// Writes dist/config-validator.cjs: portshare.json's JSON Schema (src/config-schema.ts) compiled by
// Ajv into standalone code (https://ajv.js.org/standalone.html), with the options config.ts uses.
// The daemon loads this small module instead of Ajv and its code generator, which would stay in a
// long-running process's heap for a check made once at start. Run by `pnpm build` after tsc.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const { Ajv2020 } = require('ajv/dist/2020.js');
const standaloneCode = require('ajv/dist/standalone/index.js').default;
const { configSchema } = await import(join(root, 'dist', 'config-schema.js'));
const { AJV_OPTIONS } = await import(join(root, 'dist', 'config.js'));
const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { source: true } });
writeFileSync(join(root, 'dist', 'config-validator.cjs'), standaloneCode(ajv, ajv.compile(configSchema)));
