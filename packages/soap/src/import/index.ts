// `@portshare/soap/import`: TypeScript contracts from a WCF service's WSDL and XSD (what the
// `portshare-soap import` command runs).
export { generateFromDocuments, importWsdl, type ImportOptions, type ImportResult } from './import-wsdl.js';
export { loadDocuments, type LoadedDocument, type LoadOptions } from './loader.js';
export { loadMexDocuments, metadataDocuments, Mex, type MexChannelOpener, type MexLoadOptions } from './mex.js';
