/**
 * XmlQualifiedName values (`'qname'`), as DataContractSerializer writes and reads them.
 *
 * .NET reference source: XmlWriterDelegator.WriteQName declares the value's namespace
 * (WriteXmlnsAttribute: `xmlns=""` for the empty namespace, otherwise a prefix, a new one only when
 * none is in scope) and writes the name with WriteQualifiedName: the text `prefix:name`, which the
 * binary writer sends as three text records (prefix, ":", name) since the name is no dictionary
 * string. The element itself gets the prefix `q` (Globals.ElementPrefix) bound to its own
 * namespace, so that `xmlns=""` cannot move it out of that namespace. Mono writes the same
 * (`<q:Q xmlns:q="…" xmlns:a="urn:things">a:Thing</q:Q>`; test/collections.test.ts keeps its bytes).
 * Reading resolves the prefix among the declarations in scope (XmlReaderDelegator.ReadElementContentAsQName).
 *
 * @module
 */

import { SoapError, SoapErrorCodes } from './errors.js';
import type { PrefixScope } from './serializer.js';
import type { TextValue } from './text-value.js';
import type { QualifiedName } from './types.js';
import type { XmlnsDeclaration } from './xml-node.js';

/** The prefix DataContractSerializer gives an element holding a qualified name (Globals.ElementPrefix). */
export const QNAME_ELEMENT_PREFIX = 'q';

const NCNAME = /^[A-Za-z_][\w.-]*$/u;

function invalid(message: string): SoapError {
  return new SoapError(SoapErrorCodes.INVALID_VALUE, message);
}

/** Checks a TypeScript value of type `qname` and returns it. */
export function asQualifiedName(v: unknown, where: string): QualifiedName {
  if (typeof v !== 'object' || v === null) throw invalid(`'${where}' must be a qualified name { name, namespace }, got ${typeof v}.`);
  const { name, namespace } = v as { name?: unknown; namespace?: unknown };
  if (typeof name !== 'string' || typeof namespace !== 'string') {
    throw invalid(`'${where}' must be a qualified name with a string 'name' and a string 'namespace'.`);
  }
  // XmlQualifiedName.Empty (both empty) is the only name that may be empty: it is written as nothing.
  if (!(name === '' && namespace === '') && !NCNAME.test(name)) {
    throw invalid(`'${where}' has the name '${name.slice(0, 64)}', which is not a valid XML name (letters, digits, '_', '-', '.', no ':').`);
  }
  return { name, namespace };
}

/**
 * The element prefix, declarations and text records of a qualified-name element. `scope` is the
 * element's own scope; `elementNamespace` its namespace. Returns the prefix to write the element with.
 */
export function writeQualifiedName(
  value: QualifiedName,
  elementPrefix: string,
  elementNamespace: string,
  scope: PrefixScope,
  namespaces: XmlnsDeclaration[],
): { readonly prefix: string; readonly text: TextValue[] } {
  let prefix = elementPrefix;
  if (elementNamespace !== '') {
    prefix = QNAME_ELEMENT_PREFIX;
    scope.bind(prefix, elementNamespace);
    namespaces.push({ prefix, uri: elementNamespace, uriDict: 'session' });
  }
  if (value.name === '' && value.namespace === '') return { prefix, text: [] };
  if (value.namespace === '') {
    // An unprefixed name is in the default namespace: make that the empty one here.
    if (prefix !== '' || (scope.namespaceOf('') ?? '') !== '') {
      scope.bind('', '');
      namespaces.push({ prefix: '', uri: '' });
    }
    return { prefix, text: [{ type: 'string', value: value.name }] };
  }
  let p = scope.prefixOf(value.namespace);
  if (p === undefined || p === '') {
    p = scope.freePrefix();
    scope.bind(p, value.namespace);
    namespaces.push({ prefix: p, uri: value.namespace });
  }
  return {
    prefix,
    text: [
      { type: 'string', value: p },
      { type: 'string', value: ':' },
      { type: 'string', value: value.name },
    ],
  };
}

/** Reads `prefix:name` text (or a bare name, in the default namespace) with `lookup` resolving the prefix. */
export function readQualifiedName(text: string, lookup: (prefix: string) => string | undefined, where: string): QualifiedName {
  const t = text.trim();
  if (t === '') return { name: '', namespace: '' };
  const colon = t.indexOf(':');
  const prefix = colon < 0 ? '' : t.slice(0, colon);
  const name = colon < 0 ? t : t.slice(colon + 1);
  if (!NCNAME.test(name) || (prefix !== '' && !NCNAME.test(prefix))) {
    throw new SoapError(SoapErrorCodes.DESERIALIZATION_FAILED, `Cannot read '${where}' as qname: '${t.slice(0, 64)}' is not a qualified name.`);
  }
  const namespace = lookup(prefix);
  if (namespace === undefined) {
    throw new SoapError(SoapErrorCodes.DESERIALIZATION_FAILED, `Cannot read '${where}' as qname: the prefix '${prefix}' of '${t.slice(0, 64)}' is not declared.`);
  }
  return { name, namespace };
}
