/**
 * The text message encoding: SOAP 1.2 envelopes as UTF-8 XML (`application/soap+xml;
 * charset=utf-8`, [MC-NMF] KnownEncoding 3 — WCF's TextMessageEncodingBindingElement with
 * MessageVersion Soap12WSAddressing10 over the TCP transport).
 *
 * Reading uses `saxes`, a maintained, conformant streaming XML parser, into the same node tree the
 * binary reader produces (every value a string, as text XML has no types); writing renders that
 * tree as text (`xml-text.ts`). The reader quotas apply as in binary: message size, depth, string
 * length, name table.
 *
 * @module
 */

import { SaxesParser, type SaxesTagNS } from 'saxes';
import { SoapError, SoapErrorCodes } from './errors.js';
import { checkSize, type DecodedMessage, decodedOrThrow, decodeWithinQuotas, type ReaderQuotas, resolveQuotas } from './quotas.js';
import { toXmlString } from './xml-text.js';
import type { XmlAttribute, XmlElement, XmlNode, XmlnsDeclaration } from './xml-node.js';

/** The content type this encoder reads and writes. */
export const TEXT_SOAP12_CONTENT_TYPE = 'application/soap+xml; charset=utf-8';

/** Options of {@link TextMessageEncoder}. */
export interface TextMessageEncoderOptions {
  readonly quotas?: Partial<ReaderQuotas>;
}

interface Building {
  readonly element: XmlElement;
  readonly children: XmlNode[];
}

/** Encodes and decodes messages as text XML; the same interface as the binary session encoder. */
export class TextMessageEncoder {
  readonly quotas: ReaderQuotas;
  readonly streamable = false;

  constructor(options: TextMessageEncoderOptions = {}) {
    this.quotas = resolveQuotas(options.quotas);
  }

  /** Encodes one message as UTF-8 XML. */
  encode(nodes: XmlNode | readonly XmlNode[]): Buffer {
    return Buffer.from(toXmlString(nodes), 'utf8');
  }

  /** Decodes one received UTF-8 XML message. */
  decode(payload: Uint8Array): XmlNode[] {
    return decodedOrThrow(this.decodeMessage(payload));
  }

  decodeMessage(payload: Uint8Array): DecodedMessage {
    checkSize(payload, this.quotas);
    return decodeWithinQuotas((quotas) => parse(payload, quotas), this.quotas);
  }
}

/** Reads a UTF-8 XML message into nodes under `quotas`. */
function parse(payload: Uint8Array, quotas: ReaderQuotas): XmlNode[] {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const roots: XmlNode[] = [];
  const stack: Building[] = [];
  let names = 0;
  const seen = new Set<string>();
  let failure: unknown;
  const malformed = (message: string): SoapError => new SoapError(SoapErrorCodes.MALFORMED, `The text message is not well-formed XML: ${message}`);
  parser.on('error', (error) => {
    failure ??= malformed(error.message);
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (stack.length >= quotas.maxDepth) {
      throw new SoapError(SoapErrorCodes.MAX_DEPTH_EXCEEDED, `The text message nests elements deeper than maxDepth (${quotas.maxDepth}).`);
    }
    const namespaces: XmlnsDeclaration[] = [];
    const attributes: XmlAttribute[] = [];
    for (const attribute of Object.values(tag.attributes)) {
      if (attribute.prefix === 'xmlns') namespaces.push({ prefix: attribute.local, uri: attribute.value });
      else if (attribute.prefix === '' && attribute.local === 'xmlns') namespaces.push({ prefix: '', uri: attribute.value });
      else {
        checkString(attribute.value, quotas);
        attributes.push({ prefix: attribute.prefix, localName: attribute.local, namespaceUri: attribute.uri, value: { type: 'string', value: attribute.value } });
      }
    }
    // WCF's MaxNameTableCharCount: the characters of the distinct names (prefixes, local names,
    // namespace URIs) the reader has to keep.
    for (const name of [tag.prefix, tag.local, tag.uri]) {
      if (name === '' || seen.has(name)) continue;
      seen.add(name);
      names += name.length;
    }
    if (names > quotas.maxNameTableCharCount) {
      throw new SoapError(
        SoapErrorCodes.NAME_TABLE_EXCEEDED,
        `The text message's distinct names take ${names} characters, over maxNameTableCharCount (${quotas.maxNameTableCharCount}). Raise the reader quota on this side if such messages are expected.`,
      );
    }
    const children: XmlNode[] = [];
    const element: XmlElement = { kind: 'element', prefix: tag.prefix, localName: tag.local, namespaceUri: tag.uri, attributes, namespaces, children };
    (stack.at(-1)?.children ?? roots).push(element);
    stack.push({ element, children });
  });
  parser.on('text', (text) => {
    const parent = stack.at(-1);
    if (parent === undefined) return; // whitespace around the root
    checkString(text, quotas);
    parent.children.push({ kind: 'text', value: { type: 'string', value: text } });
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  try {
    parser.write(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8')).close();
  } catch (error) {
    throw error instanceof SoapError ? error : malformed(error instanceof Error ? error.message : String(error));
  }
  if (failure !== undefined) throw failure;
  return roots;
}

function checkString(value: string, quotas: ReaderQuotas): void {
  if (value.length > quotas.maxStringContentLength) {
    throw new SoapError(
      SoapErrorCodes.STRING_CONTENT_TOO_LONG,
      `A string of ${value.length} characters exceeds maxStringContentLength (${quotas.maxStringContentLength}). Raise the reader quota on this side if such strings are expected.`,
    );
  }
}
