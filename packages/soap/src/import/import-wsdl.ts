/**
 * `portshare-soap import`: reads the WSDL a WCF service publishes (ServiceMetadataBehavior,
 * `?wsdl`, or its WS-MetadataExchange endpoint) and writes TypeScript contracts for it. The steps are one module each: loader.ts (or
 * mex.ts) reads the documents, schema-index.ts indexes them, type-mapper.ts, operations.ts and
 * message-contracts.ts build the model, emit.ts writes it.
 *
 * @module
 */

import { emitModule } from './emit.js';
import { loadDocuments } from './loader.js';
import { isMexAddress, loadMexDocuments, type MexLoadOptions } from './mex.js';
import { MessageContractMapper } from './message-contracts.js';
import type { ContractModel, ImportModel } from './model.js';
import { contractOf } from './operations.js';
import { SchemaIndex } from './schema-index.js';
import { TypeMapper, unsupported } from './type-mapper.js';
import { Xmlns } from './xml-names.js';
import type { LoadedDocument } from './loader.js';

export interface ImportOptions extends MexLoadOptions {
  /** The source named in the generated header; default the location given. */
  readonly sourceLabel?: string;
  /**
   * Read `source` as a WS-MetadataExchange endpoint (mex.ts): a WS-Transfer Get, as svcutil sends.
   * net.tcp addresses always are (with `openChannel`); an http(s) one is with this option.
   */
  readonly mex?: boolean;
}

/** What an import produced. */
export interface ImportResult {
  /** The generated module. */
  readonly code: string;
  /** A file name for it: the first contract's name + `.ts`. */
  readonly fileName: string;
  readonly model: ImportModel;
  /** Every document read, in the order read (the given one first). */
  readonly documents: readonly LoadedDocument[];
}

/**
 * Reads the WSDL at `source` (a URL or a file path) with everything it imports, or the metadata of
 * the MEX endpoint at `source` (a net.tcp address, or an http(s) one with `mex`), and generates contracts.
 */
export async function importWsdl(source: string, options: ImportOptions = {}): Promise<ImportResult> {
  const documents = options.mex === true || isMexAddress(source) ? await loadMexDocuments(source, options) : await loadDocuments(source, options);
  return generateFromDocuments(documents, options.sourceLabel ?? source);
}

/** Generates contracts from documents already read (the first being the WSDL). */
export function generateFromDocuments(documents: readonly LoadedDocument[], sourceLabel: string): ImportResult {
  const model = buildModel(new SchemaIndex(documents));
  const first = model.contracts[0];
  return {
    code: emitModule(model, { source: sourceLabel }),
    fileName: `${first?.name ?? 'contracts'}.ts`,
    model,
    documents,
  };
}

/** The service contracts of every portType, then every other type the schemas define. */
export function buildModel(index: SchemaIndex): ImportModel {
  if (index.portTypes.length === 0) {
    throw unsupported('The metadata has no wsdl:portType', 'point the import at the WSDL of a service (http://host/path?wsdl), not at a schema');
  }
  const types = new TypeMapper(index);
  const messages = new MessageContractMapper(index, types);
  const contracts: ContractModel[] = index.portTypes.map((p) => contractOf(p, index, types, messages));
  // svcutil imports every data contract of the schemas, used by an operation or not.
  for (const [key, component] of [...index.complexTypes, ...index.simpleTypes]) {
    if (component.namespace === Xmlns.ser || component.namespace === Xmlns.system) continue;
    const local = key.slice(key.indexOf('}') + 1);
    types.mapType({ ns: component.namespace, local }, `the type '${local}' (namespace '${component.namespace}')`);
  }
  return { types: types.types, messageContracts: messages.messageContracts, contracts };
}
