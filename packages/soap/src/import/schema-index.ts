/**
 * The global components of every schema and WSDL definition read, by expanded name: XSD
 * complexType, simpleType and element (XML Schema Part 1 §3.3–§3.4, §3.14), and WSDL message,
 * portType and binding (WSDL 1.1 §2.3–§2.5), each named in its document's targetNamespace.
 *
 * @module
 */

import type { LoadedDocument } from './loader.js';
import { childrenNamed, importFailed, qnameKey, type QName, type XmlElementNode } from './xml-tree.js';
import { Xmlns } from './xml-names.js';

/** A global component and the namespace its document declares. */
export interface Component {
  readonly node: XmlElementNode;
  readonly namespace: string;
}

export class SchemaIndex {
  readonly complexTypes = new Map<string, Component>();
  readonly simpleTypes = new Map<string, Component>();
  readonly elements = new Map<string, Component>();
  readonly messages = new Map<string, Component>();
  /** portTypes in document order. */
  readonly portTypes: Component[] = [];
  /** bindings in document order (their soap:header elements name a message contract's headers). */
  readonly bindings: Component[] = [];
  /** Every schema's targetNamespace, in document order. */
  readonly schemaNamespaces: string[] = [];

  constructor(documents: readonly LoadedDocument[]) {
    for (const doc of documents) this.#add(doc);
  }

  #add(doc: LoadedDocument): void {
    const root = doc.root;
    if (root.ns === Xmlns.xsd && root.local === 'schema') {
      this.#addSchema(root);
      return;
    }
    if (root.ns !== Xmlns.wsdl || root.local !== 'definitions') {
      throw importFailed(`${doc.location} is neither a WSDL 1.1 document (wsdl:definitions) nor an XML schema (xs:schema); its root is {${root.ns}}${root.local}.`);
    }
    const tns = root.attrs.get('targetNamespace') ?? '';
    for (const types of childrenNamed(root, Xmlns.wsdl, 'types')) {
      for (const schema of childrenNamed(types, Xmlns.xsd, 'schema')) this.#addSchema(schema);
    }
    for (const m of childrenNamed(root, Xmlns.wsdl, 'message')) putNamed(this.messages, m, tns, doc.location);
    for (const p of childrenNamed(root, Xmlns.wsdl, 'portType')) this.portTypes.push({ node: p, namespace: tns });
    for (const b of childrenNamed(root, Xmlns.wsdl, 'binding')) this.bindings.push({ node: b, namespace: tns });
  }

  #addSchema(schema: XmlElementNode): void {
    const tns = schema.attrs.get('targetNamespace') ?? '';
    this.schemaNamespaces.push(tns);
    for (const c of childrenNamed(schema, Xmlns.xsd, 'complexType')) putNamed(this.complexTypes, c, tns, 'schema');
    for (const s of childrenNamed(schema, Xmlns.xsd, 'simpleType')) putNamed(this.simpleTypes, s, tns, 'schema');
    for (const e of childrenNamed(schema, Xmlns.xsd, 'element')) putNamed(this.elements, e, tns, 'schema');
  }

  element(q: QName): Component | undefined {
    return this.elements.get(qnameKey(q));
  }

  message(q: QName): Component | undefined {
    return this.messages.get(qnameKey(q));
  }
}

/** Adds a named component; the same name twice (a schema read through two imports) keeps the first. */
function putNamed(map: Map<string, Component>, node: XmlElementNode, namespace: string, where: string): void {
  const name = node.attrs.get('name');
  if (name === undefined) throw importFailed(`A global ${node.local} in ${where} (namespace '${namespace}') has no name.`);
  const key = qnameKey({ ns: namespace, local: name });
  if (!map.has(key)) map.set(key, { node, namespace });
}
