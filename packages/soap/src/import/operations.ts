/**
 * Service contracts from wsdl:portType (WSDL 1.1 §2.4). WCF's WsdlExporter.cs and
 * MessageContractExporter.cs describe a DataContractSerializer operation as wrapped
 * document/literal: the input message has one part, element `{ns}Op`, a sequence of the in and ref
 * parameters; the output message has one part, element `{ns}OpResponse`, with `OpResult` (absent
 * for void) and then the out and ref parameters. The Actions are wsaw:Action on wsdl:input and
 * wsdl:output (WS-Addressing 1.0 Metadata §4.4); a one-way operation has no wsdl:output.
 *
 * @module
 */

import { defaultAction } from '../contract.js';
import type { ContractModel, OperationModel, ParamModel, TypeModel } from './model.js';
import type { Component, SchemaIndex } from './schema-index.js';
import { unsupported, type TypeMapper } from './type-mapper.js';
import { childNamed, childrenNamed, importFailed, resolveQName, type XmlElementNode } from './xml-tree.js';
import { Xmlns } from './xml-names.js';

/** The contract of one portType. */
export function contractOf(portType: Component, index: SchemaIndex, types: TypeMapper): ContractModel {
  const name = portType.node.attrs.get('name') ?? '';
  const operations: OperationModel[] = [];
  let namespace: string | undefined;
  for (const op of childrenNamed(portType.node, Xmlns.wsdl, 'operation')) {
    const built = operationOf(op, name, index, types);
    namespace ??= built.namespace;
    operations.push(built.operation);
  }
  return { name, namespace: namespace ?? portType.namespace, operations };
}

interface BuiltOperation {
  readonly operation: OperationModel;
  /** The namespace of the wrapper elements: the contract namespace. */
  readonly namespace: string;
}

function operationOf(op: XmlElementNode, contract: string, index: SchemaIndex, types: TypeMapper): BuiltOperation {
  const name = op.attrs.get('name') ?? '';
  const where = `${contract}.${name}`;
  const input = childNamed(op, Xmlns.wsdl, 'input');
  const output = childNamed(op, Xmlns.wsdl, 'output');
  if (input === undefined) {
    throw unsupported(`Operation ${where} has an output but no input (a callback operation of a duplex contract)`, 'duplex callback contracts are not imported; declare the callback contract by hand');
  }
  const request = wrapperOf(input, index, where);
  if (request.element.local !== name) {
    throw unsupported(`The request of ${where} is the element '${request.element.local}', not '${name}'`, 'only wrapped messages named after the operation are imported ([MessageContract] is not); declare the operation by hand');
  }
  const namespace = request.element.ns;
  const inParams = request.parts.map((p) => paramOf(p, where, types));
  const reply = output === undefined ? undefined : replyOf(output, name, where, index, types);
  const params = mergeReplyParams(inParams, reply?.params ?? [], where);
  const action = actionOf(input) ?? defaultAction(namespace, contract, name);
  const replyAction = output === undefined ? undefined : (actionOf(output) ?? `${action}Response`);
  return {
    namespace,
    operation: {
      name,
      params,
      returns: reply?.returns,
      oneWay: output === undefined,
      action: action === defaultAction(namespace, contract, name) ? undefined : action,
      replyAction: replyAction === undefined || replyAction === `${action}Response` ? undefined : replyAction,
      faults: childrenNamed(op, Xmlns.wsdl, 'fault').map((f) => f.attrs.get('name') ?? ''),
    },
  };
}

interface Wrapper {
  readonly element: { readonly ns: string; readonly local: string };
  /** The element declarations of the wrapper's sequence. */
  readonly parts: readonly XmlElementNode[];
}

/** The wrapper element of a wsdl:input or wsdl:output: its message's single `parameters` part. */
function wrapperOf(io: XmlElementNode, index: SchemaIndex, where: string): Wrapper {
  const messageName = io.attrs.get('message');
  if (messageName === undefined) throw importFailed(`The ${io.local} of ${where} names no message.`);
  const message = index.message(resolveQName(io, messageName, where));
  if (message === undefined) throw importFailed(`The ${io.local} of ${where} names the message '${messageName}', which no WSDL document defines.`);
  const parts = childrenNamed(message.node, Xmlns.wsdl, 'part');
  const part = parts[0];
  const elementName = part?.attrs.get('element');
  if (parts.length !== 1 || part === undefined || elementName === undefined) {
    throw unsupported(`The ${io.local} message of ${where} is not one element part (rpc style, a [MessageContract] or XmlSerializerFormat)`, 'only wrapped document/literal operations are imported; declare the operation by hand');
  }
  const q = resolveQName(part, elementName, where);
  const element = index.element(q);
  if (element === undefined) throw importFailed(`The ${io.local} of ${where} uses the element '${q.local}' (namespace '${q.ns}'), which no schema defines.`);
  return { element: q, parts: wrapperParts(element.node, index, where) };
}

/** The elements of a wrapper: an anonymous complexType's sequence, or a named one's. */
function wrapperParts(element: XmlElementNode, index: SchemaIndex, where: string): XmlElementNode[] {
  let complex = childNamed(element, Xmlns.xsd, 'complexType');
  const typeName = element.attrs.get('type');
  if (complex === undefined && typeName !== undefined) {
    const q = resolveQName(element, typeName, where);
    complex = index.complexTypes.get(`{${q.ns}}${q.local}`)?.node;
  }
  if (complex === undefined) throw unsupported(`The message element of ${where} is not a sequence of parameters`, 'declare the operation by hand');
  const sequence = childNamed(complex, Xmlns.xsd, 'sequence');
  const extra = complex.children.find((c) => c.ns === Xmlns.xsd && c.local !== 'sequence' && c.local !== 'annotation');
  if (extra !== undefined) throw unsupported(`The message element of ${where} uses xs:${extra.local}`, 'only a sequence of parameters is imported; declare the operation by hand');
  if (sequence === undefined) return [];
  const parts: XmlElementNode[] = [];
  for (const child of sequence.children) {
    if (child.ns !== Xmlns.xsd || child.local === 'annotation') continue;
    if (child.local !== 'element') throw unsupported(`The message of ${where} has xs:${child.local} among its parameters`, 'declare the operation by hand');
    parts.push(child);
  }
  return parts;
}

function paramOf(part: XmlElementNode, where: string, types: TypeMapper): ParamModel {
  const name = part.attrs.get('name') ?? '';
  const max = part.attrs.get('maxOccurs');
  if (max !== undefined && max !== '1') throw unsupported(`Parameter '${name}' of ${where} repeats (maxOccurs="${max}")`, 'declare the operation by hand');
  return { name, type: types.elementType(part, `parameter '${name}' of ${where}`), direction: 'in' };
}

interface Reply {
  readonly returns: TypeModel | undefined;
  readonly params: readonly ParamModel[];
}

function replyOf(output: XmlElementNode, name: string, where: string, index: SchemaIndex, types: TypeMapper): Reply {
  const wrapper = wrapperOf(output, index, where);
  if (wrapper.element.local !== `${name}Response`) {
    throw unsupported(`The reply of ${where} is the element '${wrapper.element.local}', not '${name}Response'`, 'only wrapped messages named after the operation are imported; declare the operation by hand');
  }
  const [first, ...rest] = wrapper.parts;
  const hasResult = first?.attrs.get('name') === `${name}Result`;
  const returns = hasResult && first !== undefined ? types.elementType(first, `the result of ${where}`) : undefined;
  const others = hasResult ? rest : wrapper.parts;
  return { returns, params: others.map((p) => ({ ...paramOf(p, where, types), direction: 'out' as const })) };
}

/** The reply's parameters: a name also in the request is `ref`, one only in the reply `out` (appended). */
function mergeReplyParams(inParams: readonly ParamModel[], replyParams: readonly ParamModel[], where: string): ParamModel[] {
  const params = [...inParams];
  for (const r of replyParams) {
    const i = params.findIndex((p) => p.name === r.name);
    const existing = params[i];
    if (existing === undefined) {
      params.push(r);
      continue;
    }
    if (JSON.stringify(existing.type) !== JSON.stringify(r.type)) {
      throw unsupported(`Parameter '${r.name}' of ${where} has one type in the request and another in the reply`, 'declare the operation by hand');
    }
    params[i] = { ...existing, direction: 'ref' };
  }
  return params;
}

/** wsaw:Action (2006/05) or wsam:Action (2007/05) of a wsdl:input or wsdl:output. */
function actionOf(io: XmlElementNode): string | undefined {
  return io.qualifiedAttrs.get(`{${Xmlns.wsaw}}Action`) ?? io.qualifiedAttrs.get(`{${Xmlns.wsam}}Action`);
}
