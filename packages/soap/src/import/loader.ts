/**
 * Reads a WSDL and every document it imports, as WCF publishes them: `?wsdl` imports `?wsdl=wsdl0`
 * (wsdl:import, WSDL 1.1 §2.1.1), whose wsdl:types schema imports `?xsd=xsd0`, `?xsd=xsd1`, …
 * (xsd:import / xsd:include with schemaLocation, XML Schema Part 1 §4.2). A file path works the same,
 * with relative locations resolved next to the file.
 *
 * HTTP uses Node's fetch with a timeout and a size limit per document and a limit on the number of
 * documents: metadata may come from a machine we do not trust, and it must not fill memory or hang.
 *
 * @module
 */

import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SoapError } from '../errors.js';
import { childrenNamed, importFailed, parseXml, type XmlElementNode } from './xml-tree.js';
import { Xmlns } from './xml-names.js';

export interface LoadOptions {
  /** Milliseconds one document may take to arrive; default 30 000. */
  readonly timeoutMs?: number;
  /** Largest document in bytes; default 8 MiB. */
  readonly maxDocumentBytes?: number;
  /** Most documents one import reads; default 64. */
  readonly maxDocuments?: number;
}

/** One document read: where it came from, its text and its root element. */
export interface LoadedDocument {
  readonly location: string;
  readonly text: string;
  readonly root: XmlElementNode;
}

/** The limits when LoadOptions leaves them out (the MEX reader, mex.ts, takes the same). */
export const LOAD_DEFAULTS = { timeoutMs: 30_000, maxDocumentBytes: 8 * 1024 * 1024, maxDocuments: 64 };
const DEFAULTS = LOAD_DEFAULTS;

/** The URL of a command-line argument: http(s) and file URLs as given, anything else a file path. */
export function locationUrl(source: string): URL {
  if (/^(https?|file):/i.test(source)) return new URL(source);
  return pathToFileURL(isAbsolute(source) ? source : resolvePath(source));
}

/** Reads `source` and, breadth first, every WSDL and schema it references, each once. */
export async function loadDocuments(source: string, options: LoadOptions = {}): Promise<LoadedDocument[]> {
  const limits = { ...DEFAULTS, ...options };
  const start = locationUrl(source);
  const queue: URL[] = [start];
  const seen = new Set<string>([start.href]);
  const documents: LoadedDocument[] = [];
  for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
    if (documents.length >= limits.maxDocuments) {
      throw importFailed(`${source} references more than ${limits.maxDocuments} documents; raise maxDocuments if that is expected.`);
    }
    const text = await readDocument(url, limits);
    const root = parseXml(text, url.href);
    documents.push({ location: url.href, text, root });
    for (const ref of references(root)) {
      const next = resolveReference(url, ref);
      if (next === undefined || seen.has(next.href)) continue;
      seen.add(next.href);
      queue.push(next);
    }
  }
  return documents;
}

/**
 * The locations a document references: wsdl:import/@location, and xsd:import and xsd:include
 * schemaLocation in schemas (a schema document, or the schemas of wsdl:types). An import of the
 * XML Schema namespace itself is skipped: those types are built in (Mono's WsdlExporter writes one
 * with an empty `?xsd=` location).
 */
function references(root: XmlElementNode): string[] {
  const refs: string[] = [];
  if (root.ns === Xmlns.wsdl && root.local === 'definitions') {
    for (const imp of childrenNamed(root, Xmlns.wsdl, 'import')) pushAttr(refs, imp, 'location');
    for (const types of childrenNamed(root, Xmlns.wsdl, 'types')) {
      for (const schema of childrenNamed(types, Xmlns.xsd, 'schema')) refs.push(...schemaReferences(schema));
    }
  } else if (root.ns === Xmlns.xsd && root.local === 'schema') {
    refs.push(...schemaReferences(root));
  }
  return refs;
}

function schemaReferences(schema: XmlElementNode): string[] {
  const refs: string[] = [];
  for (const imp of childrenNamed(schema, Xmlns.xsd, 'import')) {
    if (imp.attrs.get('namespace') === Xmlns.xsd) continue;
    pushAttr(refs, imp, 'schemaLocation');
  }
  for (const inc of childrenNamed(schema, Xmlns.xsd, 'include')) pushAttr(refs, inc, 'schemaLocation');
  return refs;
}

function pushAttr(refs: string[], e: XmlElementNode, name: string): void {
  const value = e.attrs.get(name)?.trim();
  if (value !== undefined && value !== '') refs.push(value);
}

/**
 * `ref` resolved against the document that names it. A document that came over HTTP may only
 * reference HTTP(S) documents: remote metadata must not make the importer read local files.
 */
function resolveReference(base: URL, ref: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(ref, base);
  } catch {
    throw importFailed(`${base.href} references '${ref}', which is not a valid location.`);
  }
  if (base.protocol !== 'file:' && url.protocol === 'file:') {
    throw importFailed(`${base.href} references the local file ${url.href}; a remote document may only reference http or https locations.`);
  }
  url.hash = '';
  return url;
}

async function readDocument(url: URL, limits: typeof DEFAULTS): Promise<string> {
  if (url.protocol === 'file:') return readLocal(url, limits.maxDocumentBytes);
  if (url.protocol === 'http:' || url.protocol === 'https:') return fetchRemote(url, limits);
  throw importFailed(`Cannot read ${url.href}: only http, https and file locations are supported.`);
}

async function readLocal(url: URL, maxBytes: number): Promise<string> {
  try {
    const info = await stat(url);
    if (info.size > maxBytes) throw tooLarge(url, maxBytes);
    return await readFile(url, 'utf8');
  } catch (error) {
    if (error instanceof SoapError) throw error;
    throw importFailed(`Cannot read ${url.href}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function fetchRemote(url: URL, limits: typeof DEFAULTS): Promise<string> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  try {
    const response = await fetch(url, { signal, redirect: 'follow', headers: { accept: 'text/xml, application/xml, */*' } });
    if (!response.ok) throw importFailed(`GET ${url.href} answered ${response.status} ${response.statusText}.`);
    return await readBounded(response, url, limits.maxDocumentBytes);
  } catch (error) {
    if (error instanceof SoapError) throw error;
    if (signal.aborted) throw importFailed(`GET ${url.href} took longer than ${limits.timeoutMs} ms.`);
    throw importFailed(`GET ${url.href} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The body as UTF-8, refused unread when its declared length is over `maxBytes`, else read chunk by
 * chunk and abandoned as soon as it passes `maxBytes`.
 */
export async function readBounded(response: Response, url: URL, maxBytes: number): Promise<string> {
  if (Number(response.headers.get('content-length') ?? '0') > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(url, maxBytes);
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(url, maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(url: URL, maxBytes: number): SoapError {
  return importFailed(`${url.href} is larger than ${maxBytes} bytes; raise maxDocumentBytes (--max-bytes) if the service's metadata really is that large.`);
}
