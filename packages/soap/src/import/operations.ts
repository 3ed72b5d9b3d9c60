/**
 * Service contracts from wsdl:portType (WSDL 1.1 §2.4). WCF's WsdlExporter.cs and
 * MessageContractExporter.cs describe a DataContractSerializer operation as wrapped
 * document/literal: the input message has one part, element `{ns}Op`, a sequence of the in and ref
 * parameters; the output message has one part, element `{ns}OpResponse`, with `OpResult` (absent
 * for void) and then the out and ref parameters. The Actions are wsaw:Action on wsdl:input and
 * wsdl:output (WS-Addressing 1.0 Metadata §4.4); a one-way operation has no wsdl:output.
 *
 * A message that is not such a wrapper (another element, several parts, soap:header bindings, body
 * members in other namespaces) is a [MessageContract]: message-contracts.ts maps it, and the
 * operation takes it as its one parameter (`request`, svcutil's name) or returns it.
 *
 * @module
 */

import { defaultAction } from '../contract.js';
import { readMessage, wrapperElementOf, type MessageContractMapper, type MessageRead } from './message-contracts.js';
import type { ContractModel, OperationModel, ParamModel, PartTypeModel, TypeModel } from './model.js';
import type { Component, SchemaIndex } from './schema-index.js';
import { unsupported, type TypeMapper } from './type-mapper.js';
import { childNamed, childrenNamed, type XmlElementNode } from './xml-tree.js';
import { Xmlns } from './xml-names.js';

/** The contract of one portType. */
export function contractOf(portType: Component, index: SchemaIndex, types: TypeMapper, messages: MessageContractMapper): ContractModel {
  const name = portType.node.attrs.get('name') ?? '';
  // WsdlExporter.cs writes a portType into the WSDL document of its contract's namespace; the
  // operations' wrapper elements are in that namespace too.
  const namespace = portType.namespace;
  const operations = childrenNamed(portType.node, Xmlns.wsdl, 'operation').map((op) => operationOf(op, portType, name, namespace, index, types, messages));
  return { name, namespace, operations };
}

/** How a message is written: the operation's wrapper, empty, or a message contract. */
type MessageKind = { readonly kind: 'wrapped'; readonly parts: readonly XmlElementNode[] } | { readonly kind: 'empty' } | { readonly kind: 'messageContract' };

function operationOf(op: XmlElementNode, portType: Component, contract: string, namespace: string, index: SchemaIndex, types: TypeMapper, messages: MessageContractMapper): OperationModel {
  const name = op.attrs.get('name') ?? '';
  const where = `${contract}.${name}`;
  const input = childNamed(op, Xmlns.wsdl, 'input');
  const output = childNamed(op, Xmlns.wsdl, 'output');
  if (input === undefined) {
    throw unsupported(`Operation ${where} has an output but no input (a callback operation of a duplex contract)`, 'duplex callback contracts are not imported; declare the callback contract by hand');
  }
  const request = readMessage(input, portType, name, index, where);
  const reply = output === undefined ? undefined : readMessage(output, portType, name, index, where);
  const requestKind = kindOf(request, name, namespace, index, where);
  const replyKind = reply === undefined ? undefined : kindOf(reply, `${name}Response`, namespace, index, where);
  // An empty message beside a message contract is the other side's void or no parameters (TypeLoader.cs
  // clears its wrapper); anywhere else it is a message contract of its own, with neither headers nor body.
  const requestIsContract = requestKind.kind === 'messageContract' || (requestKind.kind === 'empty' && replyKind?.kind !== 'messageContract');
  const replyIsContract = replyKind?.kind === 'messageContract' || (replyKind?.kind === 'empty' && requestKind.kind !== 'messageContract');

  let params: ParamModel[];
  if (requestIsContract) {
    params = [{ name: 'request', type: { kind: 'messageContract', key: messages.map(request, namespace, where).key }, direction: 'in' }];
  } else {
    params = requestKind.kind === 'wrapped' ? requestKind.parts.map((p) => paramOf(p, where, types)) : [];
  }
  let returns: PartTypeModel | undefined;
  if (reply !== undefined && replyIsContract) {
    returns = { kind: 'messageContract', key: messages.map(reply, namespace, where).key };
  } else if (replyKind?.kind === 'wrapped') {
    const r = replyOf(replyKind.parts, name, where, types);
    if (requestIsContract && r.params.length > 0) {
      throw unsupported(
        `The request of ${where} is a message contract and its reply has out parameters ('${r.params.map((p) => p.name).join("', '")}')`,
        'WCF refuses that signature (SFxInvalidMessageContractSignature); declare the operation by hand',
      );
    }
    returns = r.returns;
    params = mergeReplyParams(params, r.params, where);
  }
  const action = actionOf(input) ?? defaultAction(namespace, contract, name);
  const replyAction = output === undefined ? undefined : (actionOf(output) ?? `${action}Response`);
  return {
    name,
    params,
    returns,
    oneWay: output === undefined,
    action: action === defaultAction(namespace, contract, name) ? undefined : action,
    replyAction: replyAction === undefined || replyAction === `${action}Response` ? undefined : replyAction,
    faults: childrenNamed(op, Xmlns.wsdl, 'fault').map((f) => f.attrs.get('name') ?? ''),
  };
}

/**
 * A message is the operation's own wrapper (DataContractSerializer's parameters) when it has no
 * headers and one part, the element `{contract namespace}Op` (or `OpResponse`) with a sequence of
 * local elements; a message with neither parts nor headers is empty; any other is a message contract.
 */
function kindOf(read: MessageRead, wrapperName: string, namespace: string, index: SchemaIndex, where: string): MessageKind {
  if (read.parts.length === 0 && read.headers.length === 0) return { kind: 'empty' };
  const wrapper = read.headers.length === 0 ? wrapperElementOf(read, index, where) : undefined;
  if (wrapper === undefined || wrapper.element.local !== wrapperName || wrapper.element.ns !== namespace) return { kind: 'messageContract' };
  const parts = wrapperParts(wrapper.node, where);
  // A ref is a member in another namespace than the wrapper's: only message contracts have those.
  return parts.some((p) => p.attrs.has('ref')) ? { kind: 'messageContract' } : { kind: 'wrapped', parts };
}

/** The elements of a wrapper's anonymous complexType sequence. */
function wrapperParts(element: XmlElementNode, where: string): XmlElementNode[] {
  const complex = childNamed(element, Xmlns.xsd, 'complexType');
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

function replyOf(parts: readonly XmlElementNode[], name: string, where: string, types: TypeMapper): Reply {
  const [first, ...rest] = parts;
  const hasResult = first?.attrs.get('name') === `${name}Result`;
  const returns = hasResult && first !== undefined ? types.elementType(first, `the result of ${where}`) : undefined;
  const others = hasResult ? rest : parts;
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
