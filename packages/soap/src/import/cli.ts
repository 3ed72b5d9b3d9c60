/**
 * The command line of `portshare-soap import <wsdl file or URL> [--out DIR]`: writes the generated
 * module into DIR (default: the current directory) and prints its path. Exit codes: 0 written,
 * 1 the import failed (the SoapError's code and message on stderr), 2 a usage error.
 *
 * A net.tcp MEX address is read with `connectSession` of `@portshare/worker`, loaded when needed
 * from the project the command runs in (then from next to this package): the message layer does
 * not depend on the transport (docs/architecture.md), so the command does not either.
 *
 * @module
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { MessageChannel } from '../channel.js';
import { SoapError } from '../errors.js';
import { importWsdl } from './import-wsdl.js';
import { isMexAddress, type MexChannelOpener } from './mex.js';
import { importFailed } from './xml-tree.js';

const USAGE = `Usage: portshare-soap import <wsdl file or URL | MEX address> [--mex] [--out DIR] [--timeout MS] [--max-bytes N]

Reads the WSDL a WCF service publishes (http://host/path?wsdl, or a saved .wsdl file with its
imports next to it), or asks its WS-MetadataExchange endpoint for it as svcutil does
(net.tcp://host:port/path/mex, mexTcpBinding; http://host/path/mex with --mex, mexHttpBinding),
and writes one TypeScript module with its data contracts, service contracts and a client factory
per contract. A net.tcp address needs @portshare/worker installed in the current project.

  --mex            read the http(s) URL as a MEX endpoint (a WS-Transfer Get), not with GET
  --out DIR        where to write the module (default: the current directory)
  --timeout MS     how long one document (or the MEX reply) may take to arrive (default 30000)
  --max-bytes N    the largest document (or MEX reply) accepted (default 8388608)`;

interface Io {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

const consoleIo: Io = { stdout: (l) => process.stdout.write(`${l}\n`), stderr: (l) => process.stderr.write(`${l}\n`) };

/** Runs the command line; resolves with the exit code. */
export async function runCli(argv: readonly string[], io: Io = consoleIo): Promise<number> {
  const parsed = parse(argv, io);
  if (parsed === null) return 2;
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  const [command, source, ...extra] = positionals;
  if (command !== 'import' || source === undefined || extra.length > 0) {
    io.stderr(USAGE);
    return 2;
  }
  const timeoutMs = positiveInt(values.timeout, '--timeout', io);
  const maxDocumentBytes = positiveInt(values['max-bytes'], '--max-bytes', io);
  if (timeoutMs === null || maxDocumentBytes === null) return 2;
  try {
    const result = await importWsdl(source, {
      ...(timeoutMs !== undefined && { timeoutMs }),
      ...(maxDocumentBytes !== undefined && { maxDocumentBytes }),
      ...(values.mex === true && { mex: true }),
      ...(isMexAddress(source) && { openChannel: await netTcpOpener() }),
    });
    const dir = resolve(values.out ?? '.');
    await mkdir(dir, { recursive: true });
    const file = join(dir, result.fileName);
    await writeFile(file, result.code);
    io.stdout(file);
    return 0;
  } catch (error) {
    if (error instanceof SoapError) {
      io.stderr(`${error.code}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** The parsed command line, or null (after the usage) when it cannot be parsed. */
function parse(argv: readonly string[], io: Io): ReturnType<typeof parseOptions> | null {
  try {
    return parseOptions(argv);
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return null;
  }
}

function parseOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      timeout: { type: 'string' },
      'max-bytes': { type: 'string' },
      mex: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** The option's value as a positive integer; undefined when absent, null (after a message) when invalid. */
function positiveInt(value: string | undefined, name: string, io: Io): number | undefined | null {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (Number.isSafeInteger(n) && n > 0) return n;
  io.stderr(`${name} takes a positive whole number, not '${value}'.`);
  return null;
}

/** What the command needs of @portshare/worker. */
interface WorkerModule {
  connectSession(via: string, options: { encoding: string; maxMessageSize: number; openTimeoutMs: number }): Promise<MessageChannel & { abort(): void }>;
}

/** `connectSession` of @portshare/worker (or `name`), from the current project or from next to this package. */
export async function netTcpOpener(name = '@portshare/worker'): Promise<MexChannelOpener> {
  let resolved: string | undefined;
  for (const base of [join(process.cwd(), 'package.json'), import.meta.url]) {
    try {
      resolved = createRequire(base).resolve(name);
      break;
    } catch {
      // Try the next place.
    }
  }
  if (resolved === undefined) {
    throw importFailed(`Reading a net.tcp MEX address needs ${name} (the net.tcp client): install it in this project (npm install --save-dev ${name}), or import the service's ?wsdl URL, or its HTTP MEX endpoint with --mex.`);
  }
  const worker = (await import(pathToFileURL(resolved).href)) as WorkerModule;
  return (via, options) => worker.connectSession(via, options);
}
