import type { OperationDescription, PartType } from './contract.js';
import { defaultValue } from './data-contract.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import { buildMessageParts, type MessageParts, parseMessageBody } from './message-contract.js';
import { PrefixScope, deserializeElement, serializeElement } from './serializer.js';
import type { TypeRef } from './types.js';
import { type XmlElement, childElements } from './xml-node.js';

/** One parameter of an operation, as the formatter sees it. */
type Param = OperationDescription['params'][number];

/** The parameters a request carries: the in and ref ones, in declaration order. */
export function requestParams(op: OperationDescription): readonly Param[] {
  return op.params.filter((p) => p.direction !== 'out');
}

/** The parameters a reply carries after the result: the out and ref ones, in declaration order. */
export function replyParams(op: OperationDescription): readonly Param[] {
  return op.params.filter((p) => p.direction !== 'in');
}

/**
 * The wrapped document/literal body of DataContractSerializerOperationFormatter (docs/protocol.md
 * §10): `<Op xmlns="ns"><param>…</param></Op>` for a request and
 * `<OpResponse xmlns="ns"><OpResult>…</OpResult></OpResponse>` for a reply. Wrapper, namespace and
 * part names are session dictionary strings, as .NET writes them. The request's parts are the in
 * and ref parameters; the reply's the result, then the out and ref parameters, each in declaration
 * order (ServiceReflector.cs's GetInputParameters and GetOutputParameters give each message its
 * parameters; DataContractSerializerOperationFormatter.cs writes the return part, then the others).
 */
function wrapper(name: string, namespace: string, parts: { name: string; type: PartType; value: unknown }[]): XmlElement {
  const scope = new PrefixScope();
  scope.bind('', namespace);
  const children = parts.map((p) => serializeElement(typeRef(p.type), p.value, { prefix: '', localName: p.name, scope, root: true }));
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

/** Checks that `args` holds a value for each in and ref parameter. */
function checkArgs(op: OperationDescription, args: readonly unknown[]): readonly Param[] {
  const params = requestParams(op);
  if (args.length !== params.length) {
    throw new SoapError(
      SoapErrorCodes.INVALID_VALUE,
      `${op.name} takes ${params.length} argument(s) (${params.map((p) => p.name).join(', ')}) but was called with ${args.length}.`,
    );
  }
  return params;
}

/**
 * The request message for a call with `args`. A message contract request is its own message, with
 * headers; a parameterless request beside a message contract reply is an empty Body (TypeLoader.cs
 * clears a void message's wrapper then); any other request is one wrapper element (buildRequestBody).
 */
export function buildRequestMessage(op: OperationDescription, args: readonly unknown[]): MessageParts {
  const params = checkArgs(op, args);
  if (contractRequest(op)) return buildMessageParts(op.messageContracts?.request, args[0], `${op.name}(${params[0]?.name ?? ''})`);
  return { headers: [], body: [buildRequestBody(op, args)] };
}

/** Is the request a message contract's message (or the empty one beside a message contract reply)? */
function contractRequest(op: OperationDescription): boolean {
  const mc = op.messageContracts;
  return mc !== undefined && (mc.request !== undefined || requestParams(op).length === 0);
}

/** Is the reply a message contract's message (or the empty one beside a message contract request)? */
function contractReply(op: OperationDescription): boolean {
  const mc = op.messageContracts;
  return mc !== undefined && (mc.reply !== undefined || (op.returns === undefined && replyParams(op).length === 0));
}

/** The request body element for a call with `args`: the values of the in and ref parameters, in order. */
export function buildRequestBody(op: OperationDescription, args: readonly unknown[]): XmlElement {
  const params = checkArgs(op, args);
  if (contractRequest(op)) throw messageContractOperation(op);
  return wrapper(
    op.name,
    op.namespace,
    params.map((p, i) => ({ name: p.name, type: p.type, value: args[i] })),
  );
}

/** The reply message: a message contract's parts, an empty Body beside a message contract request, else buildReplyBody's element. */
export function buildReplyMessage(op: OperationDescription, reply: unknown): MessageParts {
  if (contractReply(op)) return buildMessageParts(op.messageContracts?.reply, reply, `the reply of ${op.name}`);
  return { headers: [], body: [buildReplyBody(op, reply)] };
}

/**
 * The reply body element (void operations without out or ref parameters have an empty wrapper).
 * `reply` is the result, or for an operation with out or ref parameters the object
 * `{ result?, …outAndRef }` (see ServiceImplementation).
 */
export function buildReplyBody(op: OperationDescription, reply: unknown): XmlElement {
  const params = replyParams(op);
  if (contractReply(op)) throw messageContractOperation(op);
  if (params.length === 0) {
    const parts = op.returns === undefined ? [] : [{ name: `${op.name}Result`, type: op.returns, value: reply }];
    return wrapper(`${op.name}Response`, op.namespace, parts);
  }
  const values = replyObject(op, params, reply);
  const parts = params.map((p) => ({ name: p.name, type: p.type, value: values[p.name] }));
  if (op.returns !== undefined) parts.unshift({ name: `${op.name}Result`, type: op.returns, value: values['result'] });
  return wrapper(`${op.name}Response`, op.namespace, parts);
}

function messageContractOperation(op: OperationDescription): SoapError {
  return new SoapError(SoapErrorCodes.INVALID_VALUE, `${op.name} uses a message contract, whose message is not one body element: use buildRequestMessage or buildReplyMessage.`);
}

/** The reply object of an operation with out or ref parameters, checked to hold every value. */
function replyObject(op: OperationDescription, params: readonly Param[], reply: unknown): Record<string, unknown> {
  const keys = [...(op.returns === undefined ? [] : ['result']), ...params.map((p) => p.name)];
  const shape = `{ ${keys.join(', ')} }`;
  if (typeof reply !== 'object' || reply === null) {
    throw new SoapError(SoapErrorCodes.INVALID_VALUE, `${op.name} has out or ref parameters, so its reply is an object ${shape}, not ${reply === null ? 'null' : typeof reply}.`);
  }
  const missing = keys.find((k) => !Object.hasOwn(reply, k));
  if (missing !== undefined) {
    throw new SoapError(SoapErrorCodes.INVALID_VALUE, `The reply of ${op.name} has no '${missing}'. Give every value: ${shape}.`);
  }
  return reply as Record<string, unknown>;
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

/** The value of the part `name` of type `type`. A missing part reads as its default value, as in WCF. */
function partValue(parts: ReadonlyMap<string, XmlElement>, name: string, type: PartType): unknown {
  const el = parts.get(name);
  return el ? deserializeElement(typeRef(type), el, name) : defaultValue(typeRef(type));
}

/** A part's TypeRef: message contracts never reach the wrapped formatter (resolveMessageContracts keeps them whole messages). */
function typeRef(type: PartType): TypeRef {
  if (typeof type === 'object' && type.kind === 'messageContract') {
    throw new SoapError(SoapErrorCodes.INVALID_CONTRACT, `The message contract '${type.name}' can only be an operation's only parameter or its result.`);
  }
  return type;
}

/**
 * The arguments of a request body: the in and ref parameters, in order. `headers` are the
 * envelope's headers, which a message contract reads too.
 */
export function parseRequestBody(op: OperationDescription, body: readonly XmlElement[], headers: readonly XmlElement[] = []): unknown[] {
  const mc = op.messageContracts;
  if (mc?.request !== undefined) return [parseMessageBody(mc.request, body, headers)];
  if (mc !== undefined && requestParams(op).length === 0) return [];
  const parts = partsByName(findWrapper(body, op.name, op.namespace), op.namespace);
  return requestParams(op).map((p) => partValue(parts, p.name, p.type));
}

/**
 * The reply value of a reply body: the result (undefined for void operations), or for an
 * operation with out or ref parameters the object `{ result?, …outAndRef }`.
 */
export function parseReplyBody(op: OperationDescription, body: readonly XmlElement[], headers: readonly XmlElement[] = []): unknown {
  const mc = op.messageContracts;
  if (mc?.reply !== undefined) return parseMessageBody(mc.reply, body, headers);
  if (mc !== undefined && op.returns === undefined && replyParams(op).length === 0) return undefined;
  const w = findWrapper(body, `${op.name}Response`, op.namespace);
  const params = replyParams(op);
  if (op.returns === undefined && params.length === 0) return undefined;
  const parts = partsByName(w, op.namespace);
  const result = op.returns === undefined ? [] : [['result', partValue(parts, `${op.name}Result`, op.returns)] as const];
  if (params.length === 0) return result[0]?.[1];
  // fromEntries defines own properties, so a parameter named like an Object.prototype member stays a value.
  return Object.fromEntries([...result, ...params.map((p) => [p.name, partValue(parts, p.name, p.type)] as const)]);
}
