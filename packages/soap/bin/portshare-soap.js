#!/usr/bin/env node
// `portshare-soap import <wsdl file or URL> [--out DIR]`: see src/import/cli.ts.
import { runCli } from '../dist/import/cli.js';

process.exitCode = await runCli(process.argv.slice(2));
