import { assertNcName, assertTypeRef } from './data-contract.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import { type BoundMessageContract, type MessageContract, type MessageObject, bindMessageContract, isMessageContract } from './message-contract.js';
import { type DataContract, type KnownTypesList, type TypeRef, type ValueOf, withKnownTypes } from './types.js';

/**
 * How a parameter travels, as C# declares it: `'in'` (the default) in the request only, `'out'` in
 * the reply only, `'ref'` in the request and back in the reply.
 */
export type ParamDirection = 'in' | 'out' | 'ref';

/** Options of one parameter: the third item of its declaration. */
export interface ParamOptions {
  /** C#'s `out` or `ref`; default `'in'`. */
  readonly direction?: ParamDirection;
}

/**
 * A parameter's or result's type: a TypeRef, or a message contract (defineMessageContract) as the
 * operation's only parameter or as its result.
 */
export type PartType = TypeRef | MessageContract;

/** One parameter as declared: `[name, type]` or `[name, type, { direction }]`. */
export type ParamDefinition = readonly [name: string, type: PartType] | readonly [name: string, type: PartType, options: ParamOptions];

/** One operation as declared ([OperationContract]). */
export interface OperationDefinition {
  /**
   * Parameters in order, as `[name, type]` or `[name, type, { direction: 'out' | 'ref' }]`; the
   * names are the element names on the wire.
   */
  readonly params?: readonly ParamDefinition[];
  /** The return type (a TypeRef or a message contract); omit for void. */
  readonly returns?: PartType;
  /** IsOneWay: the client sends no MessageID and the service sends no reply (docs/protocol.md §10). */
  readonly oneWay?: boolean;
  /** [FaultContract] detail types this operation may send in typed faults. */
  readonly faults?: readonly DataContract[];
  /** The request Action; default `{namespace}/{contract}/{operation}`. */
  readonly action?: string;
  /** The reply Action; default the request Action + `Response`. */
  readonly replyAction?: string;
  /** [ServiceKnownType] on this operation: types its parameters and result may hold (with `i:type`). */
  readonly knownTypes?: KnownTypesList;
}

/** WCF's `SessionMode`: net.tcp always has a session, so `'NotAllowed'` cannot be served. */
export type SessionMode = 'Allowed' | 'Required' | 'NotAllowed';

/** What `defineContract` takes. */
export interface ContractDefinition<O extends Record<string, OperationDefinition>, CB extends ServiceContractShape | undefined = undefined> {
  /** ServiceContract Name, usually the interface name (`ICalculator`). */
  readonly name: string;
  /** ServiceContract Namespace; default `http://tempuri.org/` as in WCF. */
  readonly namespace?: string;
  readonly operations: O;
  /**
   * WCF's `CallbackContract`: the contract the service calls back on the client over the same
   * session (a duplex contract). Its operations are defined like any contract's.
   */
  readonly callbackContract?: CB;
  /** WCF's `SessionMode` (default `'Allowed'`); a duplex contract needs a session, so not `'NotAllowed'`. */
  readonly sessionMode?: SessionMode;
  /**
   * [ServiceKnownType] on the contract: types every operation's parameters and results may hold
   * where a base contract or `object` is declared (with `i:type`).
   */
  readonly knownTypes?: KnownTypesList;
}

/** A [FaultContract] of one operation. */
export interface FaultDescription {
  readonly detailType: DataContract;
  /** `{namespace}/{contract}/{operation}{DetailName}Fault` unless declared otherwise. */
  readonly action: string;
}

/** A resolved operation. */
export interface OperationDescription {
  readonly name: string;
  readonly action: string;
  readonly replyAction: string;
  /** Every parameter in declaration order; `requestParams` and `replyParams` (operation-formatter.ts) pick each message's. */
  readonly params: readonly { readonly name: string; readonly type: PartType; readonly direction: ParamDirection }[];
  readonly returns: PartType | undefined;
  readonly oneWay: boolean;
  readonly faults: readonly FaultDescription[];
  /** The namespace of the body wrapper and parts (the contract namespace). */
  readonly namespace: string;
  /** The name of the contract the operation belongs to. */
  readonly contract: string;
  /**
   * Set when a message is a message contract (its only parameter, or its result): `request` and
   * `reply` say how each message is written; a void message beside one is an empty Body.
   */
  readonly messageContracts?: { readonly request: BoundMessageContract | undefined; readonly reply: BoundMessageContract | undefined };
}

/** What every service contract has, whatever its operations and callback contract. */
export interface ServiceContractShape {
  readonly kind: 'serviceContract';
  readonly name: string;
  readonly namespace: string;
  readonly operations: ReadonlyMap<string, OperationDescription>;
  readonly definition: Record<string, OperationDefinition>;
  /**
   * The callback contract of a duplex contract, as described within this contract (its Actions
   * named after this contract; see defineContract).
   */
  readonly callbackContract: ServiceContractShape | undefined;
  readonly sessionMode: SessionMode;
  /** For a callback contract described within its service contract: the contract as the user defined it. */
  readonly declaredAs?: ServiceContractShape;
}

/** A service contract ([ServiceContract] interface). */
export interface ServiceContract<
  O extends Record<string, OperationDefinition> = Record<string, OperationDefinition>,
  CB extends ServiceContractShape | undefined = ServiceContractShape | undefined,
> extends ServiceContractShape {
  readonly definition: O;
  readonly callbackContract: CB;
}

/** A parameter declared `out`. */
type OutParam = readonly [string, unknown, { readonly direction: 'out' }];
/** A parameter the reply carries: declared `out` or `ref`. */
type ReplyParam = readonly [string, unknown, { readonly direction: 'out' | 'ref' }];
/** The TypeScript value of a parameter's or result's type: a message contract's is its object. */
type PartValue<T> = T extends MessageContract<infer H, infer B> ? MessageObject<H, B> : ValueOf<T>;
type ParamValue<E> = E extends readonly [string, infer T, ...unknown[]] ? PartValue<T> : never;
type ParamValues<P> = { -readonly [I in keyof P]: ParamValue<P[I]> };
/** The values of the in and ref parameters, in order: the arguments of a call. */
type RequestValues<P> = P extends readonly [infer H, ...infer R]
  ? H extends OutParam
    ? RequestValues<R>
    : [ParamValue<H>, ...RequestValues<R>]
  : P extends readonly [] ? [] : ParamValues<P>;
type ParamsOf<D> = D extends { readonly params: infer P extends readonly unknown[] } ? RequestValues<P> : [];
type ResultOf<D> = D extends { readonly returns: infer R } ? PartValue<R> : void;
/** The out and ref parameters' values, by name. */
type ReplyParamValues<P extends readonly unknown[]> = {
  -readonly [E in P[number] as E extends readonly [infer N extends string, ...unknown[]] ? (E extends ReplyParam ? N : never) : never]: ParamValue<E>;
};
type Flatten<T> = { [K in keyof T]: T[K] };
/**
 * What a call resolves with and an implementation returns: the result alone, or with out and ref
 * parameters an object of them, with the result (if any) as `result`.
 */
type ReplyOf<D> = D extends { readonly params: infer P extends readonly unknown[] }
  ? [Extract<P[number], ReplyParam>] extends [never]
    ? ResultOf<D>
    : Flatten<(D extends { readonly returns: infer R } ? { result: PartValue<R> } : unknown) & ReplyParamValues<P>>
  : ResultOf<D>;

/**
 * The object a service supplies for a contract: one method per operation, sync or async. It takes
 * the in and ref parameters; with out or ref parameters it returns `{ result?, …outAndRef }`.
 */
export type ServiceImplementation<C> =
  C extends ServiceContract<infer O>
    ? { [K in keyof O]: (...args: ParamsOf<O[K]>) => ReplyOf<O[K]> | Promise<ReplyOf<O[K]>> }
    : never;

/**
 * The typed client of a contract: one async method per operation. It takes the in and ref
 * parameters; with out or ref parameters it resolves with `{ result?, …outAndRef }`.
 */
export type ClientProxy<C> =
  C extends ServiceContract<infer O> ? { [K in keyof O]: (...args: ParamsOf<O[K]>) => Promise<ReplyOf<O[K]>> } : never;

/** `{ns}/{contract}/{name}`, with no doubled slash when the namespace ends in one (WCF's NamingHelper). */
export function defaultAction(namespace: string, contract: string, name: string): string {
  return `${namespace}${namespace.endsWith('/') ? '' : '/'}${contract}/${name}`;
}

/**
 * Declares a service contract.
 *
 * ```ts
 * const ICalculator = defineContract({
 *   name: 'ICalculator',
 *   namespace: 'http://Microsoft.ServiceModel.Samples',
 *   operations: {
 *     Add: { params: [['n1', 'double'], ['n2', 'double']], returns: 'double' },
 *     // int Divide(int a, int b, out int remainder): called as Divide(a, b), resolves with { result, remainder }
 *     Divide: { params: [['a', 'int'], ['b', 'int'], ['remainder', 'int', { direction: 'out' }]], returns: 'int' },
 *   },
 * });
 * ```
 */
export function defineContract<const O extends Record<string, OperationDefinition>, CB extends ServiceContractShape | undefined = undefined>(
  def: ContractDefinition<O, CB>,
): ServiceContract<O, CB> {
  assertNcName(def.name, 'The contract name');
  const sessionMode = def.sessionMode ?? 'Allowed';
  if (sessionMode !== 'Allowed' && sessionMode !== 'Required' && sessionMode !== 'NotAllowed') {
    throw contractError(`The sessionMode of '${def.name}' is ${JSON.stringify(sessionMode)}; use 'Allowed', 'Required' or 'NotAllowed'.`);
  }
  if (def.callbackContract !== undefined) {
    if (def.callbackContract?.kind !== 'serviceContract') {
      throw contractError(`The callbackContract of '${def.name}' is not a contract. Pass the result of defineContract.`);
    }
    // WCF: "Contract requires Duplex, but Binding … doesn't support it" / SessionMode.NotAllowed with a callback.
    if (sessionMode === 'NotAllowed') {
      throw contractError(`'${def.name}' has a callback contract, which needs a session; its sessionMode cannot be 'NotAllowed'.`);
    }
  }
  const namespace = def.namespace ?? 'http://tempuri.org/';
  const operations = resolveOperations(def.operations, def.name, namespace, def.knownTypes);
  // WCF describes a callback contract within its service contract: the callback interface has no
  // [ServiceContract] of its own, so its default Actions and body namespace are the service
  // contract's (`{ns}/ICalculatorDuplex/Result`), as .NET and Mono both send them.
  const callback = def.callbackContract;
  const callbackContract =
    callback === undefined
      ? undefined
      : {
          kind: 'serviceContract' as const,
          name: callback.name,
          namespace,
          operations: resolveOperations(callback.definition, def.name, namespace, def.knownTypes),
          definition: callback.definition,
          callbackContract: undefined,
          sessionMode,
          declaredAs: callback,
        };
  return {
    kind: 'serviceContract',
    name: def.name,
    namespace,
    operations,
    definition: def.operations,
    callbackContract: callbackContract as CB,
    sessionMode,
  };
}

/** The operations of a contract named `contract` in `namespace`, checked, with their Actions. */
function resolveOperations(
  definitions: Record<string, OperationDefinition>,
  contract: string,
  namespace: string,
  knownTypes: KnownTypesList | undefined,
): Map<string, OperationDescription> {
  const operations = new Map<string, OperationDescription>();
  const actions = new Set<string>();
  for (const [name, op] of Object.entries(definitions)) {
    assertNcName(name, `The operation name in contract '${contract}'`);
    const where = `${contract}.${name}`;
    const params = (op.params ?? []).map((param, i) => resolveParam(param, i, where));
    // WCF's StreamFormatter: a Stream must be the message's only body part (otherwise
    // InvalidOperationException when the contract loads).
    if (params.length > 1 && params.some((p) => p.type === 'stream')) {
      throw contractError(`${where} has a 'stream' parameter among others. A stream must be the operation's only parameter; put the other values in the stream or in a separate operation.`);
    }
    if (new Set(params.map((p) => p.name)).size !== params.length) {
      throw contractError(`${where} has two parameters with the same name. Parameter names must be unique.`);
    }
    if (op.returns !== undefined && !isMessageContract(op.returns)) assertTypeRef(op.returns, `the result of ${where}`, { part: true });
    const oneWay = op.oneWay ?? false;
    // WCF rejects one-way operations that return a value or declare faults: no reply can carry them.
    if (oneWay && op.returns !== undefined) throw contractError(`${where} is one-way but returns a value. One-way operations must return void.`);
    if (oneWay && (op.faults?.length ?? 0) > 0) throw contractError(`${where} is one-way but declares fault contracts; one-way operations cannot send faults.`);
    assertReplyParams(params, { name, where, oneWay, returns: op.returns });
    const action = op.action ?? defaultAction(namespace, contract, name);
    if (actions.has(action)) throw contractError(`Two operations of '${contract}' share the action '${action}'. Actions must be unique.`);
    actions.add(action);
    const faults = (op.faults ?? []).map((detailType) => ({
      detailType,
      action: `${defaultAction(namespace, contract, name)}${detailType.name}Fault`,
    }));
    const scoped = scopeKnownTypes([knownTypes, op.knownTypes]);
    const messageContracts = resolveMessageContracts(params, op.returns, { where, oneWay, namespace });
    operations.set(name, {
      name,
      action,
      replyAction: op.replyAction ?? `${action}Response`,
      params: params.map((p) => ({ ...p, type: isMessageContract(p.type) ? p.type : scoped(p.type) })),
      returns: op.returns === undefined || isMessageContract(op.returns) ? op.returns : scoped(op.returns),
      oneWay,
      faults,
      namespace,
      contract,
      ...(messageContracts === undefined ? {} : { messageContracts }),
    });
  }
  return operations;
}

/**
 * Gives each part of an operation the service's and the operation's known types, as WCF passes
 * them to the operation's DataContractSerializer (DataContractSerializerOperationFormatter.cs).
 * Parts that are never polymorphic (primitives other than `object`) stay as declared.
 */
function scopeKnownTypes(lists: readonly (KnownTypesList | undefined)[]): (t: TypeRef) => TypeRef {
  const given = lists.filter((l): l is KnownTypesList => l !== undefined);
  if (given.length === 0) return (t) => t;
  for (const l of given) if (typeof l !== 'function' && !Array.isArray(l)) throw contractError(`knownTypes must be an array of types or a function returning one.`);
  const all = (): readonly TypeRef[] => given.flatMap((l) => (typeof l === 'function' ? l() : l));
  return (t) => (typeof t === 'string' && t !== 'object' ? t : withKnownTypes(t, all));
}

const DIRECTIONS: readonly string[] = ['in', 'out', 'ref'] satisfies ParamDirection[];

/** One parameter declaration, checked: `[name, type]` or `[name, type, { direction }]`. */
function resolveParam(param: ParamDefinition, i: number, where: string): OperationDescription['params'][number] {
  const [pname, ptype, options] = param;
  assertNcName(pname, `Parameter ${i} of ${where}`);
  if (!isMessageContract(ptype)) assertTypeRef(ptype, `parameter '${pname}' of ${where}`, { part: true });
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw contractError(`The third item of parameter '${pname}' of ${where} is ${JSON.stringify(options)}; it must be an options object such as { direction: 'out' }.`);
  }
  const direction = options?.direction ?? 'in';
  if (!DIRECTIONS.includes(direction)) {
    throw contractError(`The direction of parameter '${pname}' of ${where} is ${JSON.stringify(direction)}; use 'in', 'out' or 'ref'.`);
  }
  // The streamed paths (streamed-body.ts) carry a stream as the request's only part or as the
  // result; WCF's StreamFormatter.cs allows a stream only as its message's single body part
  // (SFxInvalidStreamInRequest / SFxInvalidStreamInResponse).
  if (ptype === 'stream' && direction !== 'in') {
    throw contractError(`Parameter '${pname}' of ${where} is a 'stream' declared '${direction}'. A stream can only be an in parameter (the operation's only one) or the result; return the stream as the result instead.`);
  }
  return { name: pname, type: ptype, direction };
}

/**
 * The message contracts of an operation, checked as TypeLoader.cs checks them: a message contract
 * parameter must be the request's only part and a message contract result the reply's only one
 * (CreateParameterMessageDescription throws SFxInvalidMessageContractSignature otherwise: "The
 * operation … has a parameter or return type that is attributed with MessageContractAttribute. In
 * order to represent the request message using a Message Contract, the operation must have a
 * single parameter attributed with MessageContractAttribute."). Undefined when there is none.
 */
function resolveMessageContracts(
  params: OperationDescription['params'],
  returns: PartType | undefined,
  op: { readonly where: string; readonly oneWay: boolean; readonly namespace: string },
): OperationDescription['messageContracts'] {
  const mcParam = params.find((p) => isMessageContract(p.type));
  const mcResult = isMessageContract(returns) ? returns : undefined;
  if (mcParam === undefined && mcResult === undefined) return undefined;
  if (mcParam !== undefined) {
    if (mcParam.direction !== 'in') {
      throw contractError(`Parameter '${mcParam.name}' of ${op.where} is a message contract declared '${mcParam.direction}'. A message contract is a whole message: make it the only (in) parameter, or return it.`);
    }
    if (params.length > 1) {
      throw contractError(`${op.where} has the message contract parameter '${mcParam.name}' among other parameters. An operation with a message contract parameter must have that single parameter (WCF: SFxInvalidMessageContractSignature); move the other values into the message contract.`);
    }
  }
  if (mcResult !== undefined) {
    const out = params.find((p) => p.direction !== 'in');
    if (out !== undefined) {
      throw contractError(`${op.where} returns a message contract and has the ${out.direction} parameter '${out.name}'. A message contract result is the whole reply (WCF: SFxInvalidMessageContractSignature); move the value into the message contract.`);
    }
  }
  const request = mcParam === undefined ? undefined : bindMessageContract(mcParam.type as MessageContract, op.namespace, op.where);
  const reply = mcResult === undefined ? undefined : bindMessageContract(mcResult, op.namespace, op.where);
  return { request, reply };
}

/** Checks the out and ref parameters of an operation against its kind and result. */
function assertReplyParams(
  params: OperationDescription['params'],
  op: { readonly name: string; readonly where: string; readonly oneWay: boolean; readonly returns: PartType | undefined },
): void {
  const reply = params.filter((p) => p.direction !== 'in');
  const first = reply[0];
  if (first === undefined) return;
  // TypeLoader.cs (ServiceOperationsMarkedWithIsOneWayTrueMust0): a one-way operation has no
  // reply message to carry output or by-reference parameters.
  if (op.oneWay) {
    throw contractError(`${op.where} is one-way but has the ${first.direction} parameter '${first.name}'. One-way operations send no reply to carry it: make the operation two-way or make the parameter 'in'.`);
  }
  // StreamFormatter.cs (SFxInvalidStreamInResponse): a stream result must be the reply's only body part.
  if (op.returns === 'stream') {
    throw contractError(`${op.where} returns a 'stream' and has the ${first.direction} parameter '${first.name}'. A stream result must be the reply's only part; put the value in the stream or in a separate operation.`);
  }
  if (op.returns === undefined) return;
  // The reply object names the result `result`, and the reply body names it `{Op}Result`: a reply
  // parameter of either name could not be told apart from the result.
  const clash = reply.find((p) => p.name === 'result' || p.name === `${op.name}Result`);
  if (clash !== undefined) {
    throw contractError(`${op.where} returns a value and has the ${clash.direction} parameter '${clash.name}', a name the result takes in the reply. Rename the parameter (in both contracts).`);
  }
}

function contractError(message: string): SoapError {
  return new SoapError(SoapErrorCodes.INVALID_CONTRACT, message);
}
