/**
 * Reads a service's metadata from a WS-MetadataExchange endpoint, as svcutil does: one WS-Transfer
 * Get request (WS-Transfer 2004/09 §3.1: Action `…/transfer/Get`, an empty Body) and its
 * GetResponse, whose Body is a `wsx:Metadata` (WS-MetadataExchange 2004/09 §5) of
 * `wsx:MetadataSection`s, each holding one WSDL document or one XML schema inline.
 *
 * Two bindings, as WCF's MetadataExchangeBindings.cs builds them:
 * - mexTcpBinding (`net.tcp://host:port/path/mex`): a net.tcp session, no security, binary
 *   messages, SOAP 1.2 with WS-Addressing 1.0. This package does not depend on the net.tcp session
 *   layer (`@portshare/worker` depends on the packages below the message layer, and the message
 *   layer must not pull in the transport: docs/architecture.md), so the caller passes a
 *   {@link MexChannelOpener}; `portshare-soap` uses `connectSession` of `@portshare/worker`.
 * - mexHttpBinding (`http://host:port/path/mex`): the same request as SOAP 1.2 text in an HTTP POST.
 *
 * The sections then become the same documents the HTTP GET loader returns (loader.ts), in the order
 * it would have read them: the WSDL with the wsdl:service first, then breadth first what each
 * document imports, by namespace (MEX sections carry no locations). So the generated module is
 * the one `?wsdl` gives.
 *
 * The reply is bounded (maxDocumentBytes, the session's and the reader's size limit), timed
 * (timeoutMs) and read with the message layer's reader quotas; whatever does not parse as a
 * GetResponse with inline WSDL or XSD is refused with SOAP_ERR_IMPORT_FAILED.
 *
 * @module
 */

import { randomUUID } from 'node:crypto';
import type { MessageChannel } from '../channel.js';
import { buildEnvelope, parseEnvelope } from '../envelope.js';
import { BINARY_CONTENT_TYPE, BINARY_SESSION_CONTENT_TYPE, encoderFor } from '../encoding.js';
import { SoapError, SoapErrorCodes } from '../errors.js';
import { parseFault } from '../fault.js';
import { Addressing, Ns } from '../namespaces.js';
import type { ReaderQuotas } from '../quotas.js';
import { textOf } from '../text-value.js';
import { TEXT_SOAP12_CONTENT_TYPE, TextMessageEncoder } from '../text-encoder.js';
import { childElements, getAttribute, textContent, type XmlElement, type XmlNode, type XmlnsDeclaration } from '../xml-node.js';
import { toXmlString } from '../xml-text.js';
import { LOAD_DEFAULTS, readBounded, type LoadedDocument, type LoadOptions } from './loader.js';
import { childrenNamed, importFailed, parseXml, type XmlElementNode } from './xml-tree.js';
import { Xmlns } from './xml-names.js';

/** WS-Transfer 2004/09 and WS-MetadataExchange 2004/09 (WCF's MetadataStrings.cs). */
export const Mex = {
  /** WS-Transfer §3.1 Get. */
  getAction: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/Get',
  /** WS-Transfer §3.1 GetResponse. */
  getResponseAction: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse',
  /** The wsx namespace: Metadata, MetadataSection, MetadataReference, Location. */
  namespace: 'http://schemas.xmlsoap.org/ws/2004/09/mex',
  /** Dialect of a section holding a wsdl:definitions (WS-MetadataExchange §5). */
  wsdlDialect: Xmlns.wsdl,
  /** Dialect of a section holding an xs:schema. */
  schemaDialect: Xmlns.xsd,
} as const;

/**
 * Opens a net.tcp session to `via` with the given message encoding (the preamble's content type)
 * and size limit, as `connectSession(via, { encoding, maxMessageSize, openTimeoutMs })` of
 * `@portshare/worker` does. A server that does not take the encoding answers with the
 * ContentTypeInvalid fault ([MC-NMF] 2.2.5), or closes the connection before its PreambleAck; the
 * opener's error then has the code `SESSION_ERR_CONTENT_TYPE_INVALID` or
 * `SESSION_ERR_CONNECTION_CLOSED` (@portshare/worker's SessionErrorCodes), and the next encoding is tried.
 */
export type MexChannelOpener = (
  via: string,
  options: { readonly encoding: string; readonly maxMessageSize: number; readonly openTimeoutMs: number },
) => Promise<MessageChannel & { abort?: () => void }>;

export interface MexLoadOptions extends LoadOptions {
  /** How to open a net.tcp session (required for net.tcp addresses). */
  readonly openChannel?: MexChannelOpener;
}

/**
 * The session layer's codes (@portshare/worker's SessionErrorCodes) for a preamble refused for its
 * encoding: the ContentTypeInvalid fault, or the connection closed before the PreambleAck.
 */
const ENCODING_REFUSED: ReadonlySet<unknown> = new Set(['SESSION_ERR_CONTENT_TYPE_INVALID', 'SESSION_ERR_CONNECTION_CLOSED']);

/**
 * The encodings tried on net.tcp, in order. .NET's and CoreWCF's mexTcpBinding (a CustomBinding of
 * a TcpTransportBindingElement alone, MetadataExchangeBindings.cs) read the binary session encoding
 * and refuse any other preamble before acknowledging it: .NET Framework with the ContentTypeInvalid
 * fault (ServerSessionPreambleConnectionReader.ValidateContentType in ConnectionOrientedTransport
 * ChannelListener.cs), CoreWCF by closing the connection (its ValidateContentType throws without
 * the fault). Mono 6.8 builds the same binding, but its listener reads sessionless binary messages
 * whatever the preamble says, and never answers a session-encoded request. Sessionless first,
 * then, and the session encoding when the service refuses it.
 */
const TCP_ENCODINGS = [BINARY_CONTENT_TYPE, BINARY_SESSION_CONTENT_TYPE] as const;

/** True for an address `portshare-soap import` reads with MEX whatever the options say. */
export function isMexAddress(source: string): boolean {
  return /^net\.tcp:\/\//i.test(source);
}

/** Sends a WS-Transfer Get to the MEX endpoint at `address` and returns its sections as documents. */
export async function loadMexDocuments(address: string, options: MexLoadOptions = {}): Promise<LoadedDocument[]> {
  const limits = { ...LOAD_DEFAULTS, ...options };
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw importFailed(`'${address}' is not a valid MEX address; give one such as net.tcp://host:808/service/mex or http://host/service/mex.`);
  }
  let nodes: XmlNode[];
  if (url.protocol === 'net.tcp:') {
    if (options.openChannel === undefined) {
      throw importFailed(`Reading ${address} needs a net.tcp client: pass openChannel (connectSession of @portshare/worker), or import the service's ?wsdl URL instead.`);
    }
    nodes = await getOverNetTcp(address, options.openChannel, limits);
  } else if (url.protocol === 'http:' || url.protocol === 'https:') {
    nodes = await getOverHttp(url, limits);
  } else {
    throw importFailed(`Cannot read metadata from ${address} with WS-MetadataExchange: only net.tcp, http and https MEX endpoints are supported.`);
  }
  return metadataDocuments(nodes, address, limits.maxDocuments);
}

/** The Get request, with the headers WCF's MetadataExchangeClient writes (Action, MessageID, ReplyTo, To). */
function getRequest(to: string): XmlElement {
  return buildEnvelope({ action: Mex.getAction, messageId: `urn:uuid:${randomUUID()}`, replyTo: Addressing.anonymous, to, body: [] });
}

/** Reader limits for a reply of up to `maxBytes`: metadata has long strings and many names, but it is still bounded. */
function replyQuotas(maxBytes: number): Partial<ReaderQuotas> {
  return {
    maxReceivedMessageSize: maxBytes,
    maxStringContentLength: maxBytes,
    maxArrayLength: maxBytes,
    maxBytesPerRead: maxBytes,
    maxNameTableCharCount: maxBytes,
    maxDepth: 64,
  };
}

type Limits = typeof LOAD_DEFAULTS;

async function getOverNetTcp(address: string, open: MexChannelOpener, limits: Limits): Promise<XmlNode[]> {
  for (const [i, encoding] of TCP_ENCODINGS.entries()) {
    let channel: Awaited<ReturnType<MexChannelOpener>>;
    try {
      channel = await open(address, { encoding, maxMessageSize: limits.maxDocumentBytes, openTimeoutMs: limits.timeoutMs });
    } catch (error) {
      if (ENCODING_REFUSED.has(errorCode(error)) && i < TCP_ENCODINGS.length - 1) continue;
      throw importFailed(
        `Cannot open a net.tcp session with ${address}: ${messageOf(error)} Check that the address is the service's MEX endpoint (mexTcpBinding, no security), or import its ?wsdl URL instead.`,
      );
    }
    return await exchange(address, channel, encoding, limits);
  }
  throw importFailed(`${address} accepts none of the binary encodings of mexTcpBinding.`);
}

/** Sends the Get on an open session and reads the one reply, within the timeout. */
async function exchange(address: string, channel: Awaited<ReturnType<MexChannelOpener>>, encoding: string, limits: Limits): Promise<XmlNode[]> {
  const encoder = encoderFor(encoding, { quotas: replyQuotas(limits.maxDocumentBytes) });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(importFailed(`${address} did not answer the metadata request within ${limits.timeoutMs} ms (--timeout).`)), limits.timeoutMs);
  });
  const work = (async (): Promise<XmlNode[]> => {
    const iterator = channel[Symbol.asyncIterator]();
    await channel.send(encoder.encode(getRequest(address)));
    const reply = await iterator.next();
    if (reply.done === true) throw importFailed(`${address} ended the session without answering the metadata request. Check that the address is the service's MEX endpoint.`);
    return encoder.decode(reply.value);
  })();
  let ok = false;
  try {
    const nodes = await Promise.race([work, timeout]);
    ok = true;
    return nodes;
  } catch (error) {
    if (error instanceof SoapError && error.code === SoapErrorCodes.IMPORT_FAILED) throw error;
    // The session layer's size limit (SESSION_ERR_MESSAGE_TOO_LARGE) or the reader's (SOAP_ERR_MESSAGE_TOO_LARGE).
    if (/MESSAGE_TOO_LARGE$/.test(String(errorCode(error)))) throw replyTooLarge(address, limits.maxDocumentBytes);
    throw importFailed(`The metadata reply from ${address} could not be read: ${messageOf(error)}`);
  } finally {
    clearTimeout(timer);
    work.catch(() => {});
    if (ok) await channel.close().catch(() => channel.abort?.());
    else if (channel.abort !== undefined) channel.abort();
    else await channel.close().catch(() => {});
  }
}

async function getOverHttp(url: URL, limits: Limits): Promise<XmlNode[]> {
  const address = url.href;
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const body = toXmlString(getRequest(address));
  let text: string;
  let status: string;
  try {
    const response = await fetch(url, {
      method: 'POST',
      signal,
      redirect: 'follow',
      // SOAP 1.2 over HTTP carries the action in the media type (RFC 3902 §1, SOAP 1.2 part 2 §7.1.4).
      headers: { 'content-type': `${TEXT_SOAP12_CONTENT_TYPE}; action="${Mex.getAction}"`, accept: 'application/soap+xml, text/xml, */*' },
      body,
    });
    status = `${response.status} ${response.statusText}`;
    text = await readBounded(response, url, limits.maxDocumentBytes);
    // A SOAP fault comes with status 500 and is read below; other errors have no envelope.
    if (!response.ok && response.status !== 500) throw importFailed(`POST ${address} answered ${status}. Check that the address is the service's MEX endpoint (mexHttpBinding), or import its ?wsdl URL instead.`);
  } catch (error) {
    if (error instanceof SoapError) throw error;
    if (signal.aborted) throw importFailed(`POST ${address} took longer than ${limits.timeoutMs} ms (--timeout).`);
    throw importFailed(`POST ${address} failed: ${messageOf(error)}`);
  }
  try {
    return new TextMessageEncoder({ quotas: replyQuotas(limits.maxDocumentBytes) }).decode(Buffer.from(text, 'utf8'));
  } catch (error) {
    throw importFailed(`The metadata reply from ${address} (${status}) is not a SOAP 1.2 message: ${messageOf(error)}`);
  }
}

function replyTooLarge(address: string, maxBytes: number): SoapError {
  return importFailed(`The metadata reply from ${address} is larger than ${maxBytes} bytes; raise maxDocumentBytes (--max-bytes) if the service's metadata really is that large.`);
}

/** The sections of a GetResponse as documents, in the order the HTTP GET loader would read them. */
export function metadataDocuments(nodes: readonly XmlNode[], address: string, maxDocuments: number = LOAD_DEFAULTS.maxDocuments): LoadedDocument[] {
  let envelope;
  try {
    envelope = parseEnvelope(nodes);
  } catch (error) {
    throw importFailed(`The metadata reply from ${address} is not a SOAP 1.2 envelope: ${messageOf(error)}`);
  }
  const first = envelope.body[0];
  if (first?.namespaceUri === Ns.soap12 && first.localName === 'Fault') {
    let reason: string;
    try {
      reason = parseFault(first, [envelope.root, envelope.bodyElement]).reason;
    } catch {
      reason = 'an unreadable fault';
    }
    throw importFailed(`${address} answered the metadata request with a fault: ${reason || '(no reason)'}. Check that the address is the service's MEX endpoint and that the service publishes metadata (ServiceMetadataBehavior).`);
  }
  if (envelope.action !== undefined && envelope.action !== Mex.getResponseAction) {
    throw importFailed(`${address} answered the metadata request with the action '${envelope.action}', not WS-Transfer's GetResponse. Check that the address is the service's MEX endpoint.`);
  }
  if (first === undefined || first.namespaceUri !== Mex.namespace || first.localName !== 'Metadata' || envelope.body.length !== 1) {
    const what = first === undefined ? 'an empty Body' : `<${first.localName}> in '${first.namespaceUri}'`;
    throw importFailed(`The metadata reply from ${address} holds ${what}, not one wsx:Metadata (WS-MetadataExchange 2004/09).`);
  }
  const scopes = [envelope.root, envelope.bodyElement, first];
  const documents: LoadedDocument[] = [];
  for (const section of childElements(first)) {
    if (section.namespaceUri !== Mex.namespace || section.localName !== 'MetadataSection') continue;
    const dialect = attributeText(section, 'Dialect');
    // Policy and other dialects say nothing contracts need (svcutil reads them for bindings only).
    if (dialect !== Mex.wsdlDialect && dialect !== Mex.schemaDialect) continue;
    if (documents.length >= maxDocuments) throw importFailed(`The metadata reply from ${address} holds more than ${maxDocuments} documents; raise maxDocuments if that is expected.`);
    const location = `${address}#section${documents.length}`;
    const content = childElements(section);
    const inline = content[0];
    if (content.length !== 1 || inline === undefined) {
      throw importFailed(`${location} (Dialect ${dialect}) holds ${content.length} elements, not one WSDL document or schema.`);
    }
    if (inline.namespaceUri === Mex.namespace && (inline.localName === 'Location' || inline.localName === 'MetadataReference')) {
      const where = inline.localName === 'Location' ? ` ${textContent(inline).trim()}` : '';
      throw importFailed(`${address} gives its metadata by reference (wsx:${inline.localName}${where}), not inline; import that location (its ?wsdl URL) instead.`);
    }
    const expected = dialect === Mex.wsdlDialect ? { ns: Xmlns.wsdl, local: 'definitions' } : { ns: Xmlns.xsd, local: 'schema' };
    if (inline.namespaceUri !== expected.ns || inline.localName !== expected.local) {
      throw importFailed(`${location} has the Dialect ${dialect} but holds <${inline.localName}> in '${inline.namespaceUri}'.`);
    }
    const text = toXmlString(withScope(inline, [...scopes, section]));
    documents.push({ location, text, root: parseXml(text, location) });
  }
  if (!documents.some((d) => d.root.ns === Xmlns.wsdl)) {
    throw importFailed(`The metadata reply from ${address} holds no WSDL document. Check that the service publishes metadata (ServiceMetadataBehavior) on this MEX endpoint.`);
  }
  return inImportOrder(documents);
}

function attributeText(e: XmlElement, name: string): string | undefined {
  const a = getAttribute(e, name);
  return a === undefined ? undefined : textOf(a.value).trim();
}

/**
 * `e` with the namespace declarations of its ancestors that it does not make itself: QNames in
 * attribute values (`type="xsd:string"`) may use a prefix the envelope declares, and the section
 * is read on its own.
 */
function withScope(e: XmlElement, ancestors: readonly XmlElement[]): XmlElement {
  const inScope = new Map<string, XmlnsDeclaration>();
  for (const a of ancestors) for (const d of a.namespaces) inScope.set(d.prefix, d);
  const own = new Set(e.namespaces.map((d) => d.prefix));
  const inherited = [...inScope.values()].filter((d) => !own.has(d.prefix) && !(d.prefix === '' && d.uri === ''));
  // The element's own prefix must resolve to its namespace even if an ancestor bound it otherwise.
  return inherited.length === 0 ? e : { ...e, namespaces: [...e.namespaces, ...inherited] };
}

/**
 * The WSDL with a wsdl:service first (the one `?wsdl` serves), then breadth first the documents
 * each imports by namespace: wsdl:import (WSDL 1.1 §2.1.1) names a WSDL's targetNamespace,
 * xs:import (XML Schema Part 1 §4.2.3) a schema's. Sections nothing imports come last, in order.
 */
function inImportOrder(documents: readonly LoadedDocument[]): LoadedDocument[] {
  const tns = (d: LoadedDocument): string => d.root.attrs.get('targetNamespace') ?? '';
  const start = documents.find((d) => d.root.ns === Xmlns.wsdl && childrenNamed(d.root, Xmlns.wsdl, 'service').length > 0) ?? documents.find((d) => d.root.ns === Xmlns.wsdl);
  const ordered: LoadedDocument[] = [];
  const placed = new Set<LoadedDocument>();
  const queue: LoadedDocument[] = [];
  const enqueue = (d: LoadedDocument | undefined): void => {
    if (d === undefined || placed.has(d)) return;
    placed.add(d);
    queue.push(d);
  };
  enqueue(start);
  for (let d = queue.shift(); d !== undefined; d = queue.shift()) {
    ordered.push(d);
    for (const ref of namespaceImports(d.root)) {
      for (const target of documents) {
        if (target.root.ns === ref.kind && tns(target) === ref.namespace) enqueue(target);
      }
    }
  }
  for (const d of documents) if (!placed.has(d)) ordered.push(d);
  return ordered;
}

/** The namespaces a document imports, in document order, with the kind of document each names. */
function namespaceImports(root: XmlElementNode): { kind: string; namespace: string }[] {
  const out: { kind: string; namespace: string }[] = [];
  const schemaImports = (schema: XmlElementNode): void => {
    for (const imp of childrenNamed(schema, Xmlns.xsd, 'import')) {
      const ns = imp.attrs.get('namespace');
      if (ns !== undefined && ns !== Xmlns.xsd) out.push({ kind: Xmlns.xsd, namespace: ns });
    }
  };
  if (root.ns === Xmlns.wsdl) {
    for (const imp of childrenNamed(root, Xmlns.wsdl, 'import')) {
      const ns = imp.attrs.get('namespace');
      if (ns !== undefined) out.push({ kind: Xmlns.wsdl, namespace: ns });
    }
    for (const types of childrenNamed(root, Xmlns.wsdl, 'types')) for (const schema of childrenNamed(types, Xmlns.xsd, 'schema')) schemaImports(schema);
  } else {
    schemaImports(root);
  }
  return out;
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
