import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InteropError, InteropErrorCodes } from './errors.js';
import { requireTools, toolVersion, Tools } from './toolchain.js';

/** The folder of the C# sources (packages/interop/csharp), from src/ and from dist/ alike. */
export const CSHARP_DIR = fileURLToPath(new URL('../csharp/', import.meta.url));

/** Where compiled programs are kept: the package's git-ignored build/ folder. */
export const BUILD_DIR = fileURLToPath(new URL('../build/csharp/', import.meta.url));

/** The C# programs the tests run, each with its sources and entry class. */
export const CSharpPrograms = {
  /** ITest client driven from standard input (TestClient.cs). */
  testClient: { sources: ['Contract.cs', 'Canon.cs', 'Bindings.cs', 'TestClient.cs'], main: 'Portshare.Interop.TestClient' },
  /** ITest ServiceHost that prints what it receives (TestService.cs). */
  testService: { sources: ['Contract.cs', 'Canon.cs', 'Bindings.cs', 'TestService.cs'], main: 'Portshare.Interop.TestServiceHost' },
  /** The sample's client (CalculatorClient.cs). */
  calculatorClient: { sources: ['Calculator.cs', 'CalculatorClient.cs'], main: 'Microsoft.ServiceModel.Samples.Client' },
  /** The sample's service (CalculatorService.cs). */
  calculatorService: { sources: ['Calculator.cs', 'CalculatorService.cs'], main: 'Microsoft.ServiceModel.Samples.Service' },
  /** ICalculator over TextMessageEncoding on TCP, as service or client (TextCalculator.cs). */
  textCalculator: { sources: ['Calculator.cs', 'TextCalculator.cs'], main: 'Microsoft.ServiceModel.Samples.TextCalculator' },
  /** ICalculator on NetTcpBinding with TransferMode.Streamed, as service or client (StreamedCalculator.cs). */
  streamedCalculator: { sources: ['Calculator.cs', 'StreamedCalculator.cs'], main: 'Microsoft.ServiceModel.Samples.StreamedCalculator' },
  /** The Duplex sample's client (DuplexClient.cs). */
  duplexClient: { sources: ['CalculatorDuplex.cs', 'DuplexClient.cs'], main: 'Microsoft.ServiceModel.Samples.DuplexClient' },
  /** The Duplex sample's service (DuplexService.cs). */
  duplexService: { sources: ['CalculatorDuplex.cs', 'DuplexService.cs'], main: 'Microsoft.ServiceModel.Samples.DuplexService' },
  /** WCF's Stream sample contract, streamed, as service or client (StreamingSample.cs). */
  streamingSample: { sources: ['StreamingSample.cs'], main: 'Microsoft.ServiceModel.Samples.StreamingSample' },
  /** Data contract inheritance, known types and object members, as service or client (KnownTypes.cs). */
  knownTypes: { sources: ['KnownTypes.cs', 'Bindings.cs'], main: 'Portshare.Interop.KnownTypes.KnownTypesProgram' },
  /** XmlQualifiedName, collection contracts and dictionaries, as service or client (Collections.cs). */
  collections: { sources: ['Collections.cs', 'Bindings.cs'], main: 'Portshare.Interop.Collections.CollectionsProgram' },
  /** Message contracts, as service or client (MessageContracts.cs). */
  messageContracts: { sources: ['MessageContracts.cs', 'Bindings.cs'], main: 'Portshare.Interop.MessageContracts.MessageContractsProgram' },
  /** IsReference object graphs, as service or client (References.cs). */
  references: { sources: ['References.cs', 'Bindings.cs'], main: 'Portshare.Interop.References.ReferencesProgram' },
  /** A service publishing its WSDL over HTTP (ServiceMetadataBehavior), and its client (MetadataService.cs). */
  metadataService: { sources: ['MetadataService.cs'], main: 'Portshare.Interop.Metadata.MetadataServiceHost' },
} as const;

export type CSharpProgram = keyof typeof CSharpPrograms;

/** Paths of the compiled programs (.exe files run with `mono`). */
export type CompiledPrograms = Record<CSharpProgram, string>;

const REFERENCES = ['System.ServiceModel.dll', 'System.Runtime.Serialization.dll', 'System.Xml.dll'];

/**
 * Compiles every C# program with mcs into build/csharp/<hash>/, where the hash covers the sources,
 * the compiler version and the command lines. An existing folder for the same hash is used as is,
 * so a test run compiles once however many test files ask (each compiles into a temporary folder
 * and renames it into place, so parallel workers never see half-written programs).
 */
export function compileCSharp(): CompiledPrograms {
  requireTools('mcs', 'mono');
  const hash = createHash('sha256');
  hash.update(toolVersion('mcs') ?? '');
  for (const [name, program] of Object.entries(CSharpPrograms)) {
    hash.update(`\0${name}\0${program.main}\0${REFERENCES.join(',')}`);
    for (const file of program.sources) hash.update(`\0${file}\0`).update(readFileSync(join(CSHARP_DIR, file)));
  }
  const dir = join(BUILD_DIR, hash.digest('hex').slice(0, 16));
  const paths = Object.fromEntries(Object.keys(CSharpPrograms).map((name) => [name, join(dir, `${name}.exe`)])) as CompiledPrograms;
  if (existsSync(dir)) return paths;

  mkdirSync(BUILD_DIR, { recursive: true });
  const tmp = mkdtempSync(join(BUILD_DIR, 'tmp-'));
  try {
    for (const [name, program] of Object.entries(CSharpPrograms)) {
      const args = [
        '-nologo',
        '-optimize+',
        `-out:${join(tmp, `${name}.exe`)}`,
        `-main:${program.main}`,
        ...REFERENCES.map((r) => `-r:${r}`),
        ...program.sources.map((f) => join(CSHARP_DIR, f)),
      ];
      const r = spawnSync(Tools.mcs, args, { encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0) {
        throw new InteropError(
          InteropErrorCodes.COMPILE_FAILED,
          `mcs could not compile ${name} (${program.sources.join(', ')}):\n${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}`,
        );
      }
    }
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another worker finished first: its programs are the same.
      if (!existsSync(dir)) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return paths;
}
