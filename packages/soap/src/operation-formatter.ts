import type { OperationDescription } from './contract.js';
import { defaultValue } from './data-contract.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import { PrefixScope, deserializeElement, serializeElement } from './serializer.js';
import type { TypeRef } from './types.js';
import { type XmlElement, childElements } from './xml-node.js';

/**
 * The wrapped document/literal body of DataContractSerializerOperationFormatter (docs/protocol.md
 * §10): `<Op xmlns="ns"><param>…</param></Op>` for a request and
 * `<OpResponse xmlns="ns"><OpResult>…</OpResult></OpResponse>` for a reply. Wrapper, namespace and
 * part names are session dictionary strings, as .NET writes them.
 */
function wrapper(name: string, namespace: string, parts: { name: string; type: TypeRef; value: unknown }[]): XmlElement {
  const scope = new PrefixScope();
  scope.bind('', namespace);
  const children = parts.map((p) => serializeElement(p.type, p.value, { prefix: '', localName: p.name, scope, root: true }));
  return {
    kind: 'element',
    prefix: '',
    localName: name,
    nameDict: 'session',
    namespaceUri: namespace,
    attributes: [],
    namespaces: [{ prefix: '', uri: namespace, uriDict: 'session' }],
    children,
  };
}

/** The request body element for a call with `args`. */
export function buildRequestBody(op: OperationDescription, args: readonly unknown[]): XmlElement {
  if (args.length !== op.params.length) {
    throw new SoapError(
      SoapErrorCodes.INVALID_VALUE,
      `${op.name} takes ${op.params.length} argument(s) (${op.params.map((p) => p.name).join(', ')}) but was called with ${args.length}.`,
    );
  }
  return wrapper(
    op.name,
    op.namespace,
    op.params.map((p, i) => ({ name: p.name, type: p.type, value: args[i] })),
  );
}

/** The reply body element for a result (void operations have an empty wrapper). */
export function buildReplyBody(op: OperationDescription, result: unknown): XmlElement {
  const parts = op.returns === undefined ? [] : [{ name: `${op.name}Result`, type: op.returns, value: result }];
  return wrapper(`${op.name}Response`, op.namespace, parts);
}

function findWrapper(body: readonly XmlElement[], name: string, namespace: string): XmlElement {
  const w = body[0];
  if (!w || w.localName !== name || w.namespaceUri !== namespace) {
    const found = w ? `<${w.localName}> in '${w.namespaceUri}'` : 'an empty body';
    throw new SoapError(
      SoapErrorCodes.DESERIALIZATION_FAILED,
      `Expected the body element <${name}> in '${namespace}' but found ${found}. Sender and receiver use different contracts.`,
    );
  }
  return w;
}

function partsByName(w: XmlElement, namespace: string): Map<string, XmlElement> {
  const m = new Map<string, XmlElement>();
  for (const c of childElements(w)) if (c.namespaceUri === namespace && !m.has(c.localName)) m.set(c.localName, c);
  return m;
}

/** The arguments of a request body. A missing part reads as its default value, as in WCF. */
export function parseRequestBody(op: OperationDescription, body: readonly XmlElement[]): unknown[] {
  const parts = partsByName(findWrapper(body, op.name, op.namespace), op.namespace);
  return op.params.map((p) => {
    const el = parts.get(p.name);
    return el ? deserializeElement(p.type, el, p.name) : defaultValue(p.type);
  });
}

/** The result of a reply body (undefined for void operations). */
export function parseReplyBody(op: OperationDescription, body: readonly XmlElement[]): unknown {
  const w = findWrapper(body, `${op.name}Response`, op.namespace);
  if (op.returns === undefined) return undefined;
  const el = partsByName(w, op.namespace).get(`${op.name}Result`);
  return el ? deserializeElement(op.returns, el, `${op.name}Result`) : defaultValue(op.returns);
}
