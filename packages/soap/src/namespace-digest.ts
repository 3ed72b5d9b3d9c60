/**
 * The namespace digest DataContractSerializer appends to the name of a generic type whose type
 * arguments have contract namespaces of their own: `KeyValueOfstringPersonZKz6VVYG`.
 *
 * .NET reference source, DataContract.cs: GetDefaultStableLocalName appends the arguments' names
 * and collects " " + each argument's namespace; unless every argument is in a built-in namespace
 * (IsBuiltInNamespace: XML Schema's or the Serialization namespace, not the Arrays one), it
 * prefixes " " + the generic parameter count and appends GetNamespacesDigest of that string: the
 * first 6 bytes of the MD5 hash (HashHelper.ComputeHash) of its UTF-8 bytes in base64, with '='
 * dropped, '/' written "_S" and '+' written "_P". Mono, built from the same source, writes the
 * same names (packages/interop/test/collections.int.test.ts checks one against Mono).
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { Ns } from './namespaces.js';

/** True for the namespaces whose type arguments add no digest (DataContract.IsBuiltInNamespace). */
export function isBuiltInNamespace(ns: string): boolean {
  return ns === Ns.xs || ns === Ns.serialization;
}

/** DataContract.GetNamespacesDigest: 8 characters (or more, for escaped '/' and '+') from a namespace list. */
export function namespacesDigest(namespaces: string): string {
  const digest = createHash('md5').update(Buffer.from(namespaces, 'utf8')).digest().subarray(0, 6);
  return digest.toString('base64').replace(/=/g, '').replace(/\//g, '_S').replace(/\+/g, '_P');
}

/**
 * The suffix of a (non-nested) generic type's contract name given its arguments' contract
 * namespaces: '' when all are built in, else the digest of " {count} {ns1} {ns2}…".
 */
export function genericNameDigest(argumentNamespaces: readonly string[]): string {
  if (argumentNamespaces.every(isBuiltInNamespace)) return '';
  return namespacesDigest(` ${argumentNamespaces.length}${argumentNamespaces.map((ns) => ` ${ns}`).join('')}`);
}
