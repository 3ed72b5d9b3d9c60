import { assertNcName, assertTypeRef } from './data-contract.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import type { DataContract, TypeRef, ValueOf } from './types.js';

/** One operation as declared ([OperationContract]). */
export interface OperationDefinition {
  /** Parameters in order, as `[name, type]`; the names are the element names on the wire. */
  readonly params?: readonly (readonly [string, TypeRef])[];
  /** The return type; omit for void. */
  readonly returns?: TypeRef;
  /** IsOneWay: the client sends no MessageID and the service sends no reply (docs/protocol.md §10). */
  readonly oneWay?: boolean;
  /** [FaultContract] detail types this operation may send in typed faults. */
  readonly faults?: readonly DataContract[];
  /** The request Action; default `{namespace}/{contract}/{operation}`. */
  readonly action?: string;
  /** The reply Action; default the request Action + `Response`. */
  readonly replyAction?: string;
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
  readonly params: readonly { readonly name: string; readonly type: TypeRef }[];
  readonly returns: TypeRef | undefined;
  readonly oneWay: boolean;
  readonly faults: readonly FaultDescription[];
  /** The namespace of the body wrapper and parts (the contract namespace). */
  readonly namespace: string;
  /** The name of the contract the operation belongs to. */
  readonly contract: string;
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

type ParamValues<P> = { -readonly [I in keyof P]: P[I] extends readonly [string, infer T] ? ValueOf<T> : never };
type ParamsOf<D> = D extends { readonly params: infer P extends readonly unknown[] } ? ParamValues<P> : [];
type ResultOf<D> = D extends { readonly returns: infer R } ? ValueOf<R> : void;

/** The object a service supplies for a contract: one method per operation, sync or async. */
export type ServiceImplementation<C> =
  C extends ServiceContract<infer O>
    ? { [K in keyof O]: (...args: ParamsOf<O[K]>) => ResultOf<O[K]> | Promise<ResultOf<O[K]>> }
    : never;

/** The typed client of a contract: one async method per operation. */
export type ClientProxy<C> =
  C extends ServiceContract<infer O> ? { [K in keyof O]: (...args: ParamsOf<O[K]>) => Promise<ResultOf<O[K]>> } : never;

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
  const operations = resolveOperations(def.operations, def.name, namespace);
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
          operations: resolveOperations(callback.definition, def.name, namespace),
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
function resolveOperations(definitions: Record<string, OperationDefinition>, contract: string, namespace: string): Map<string, OperationDescription> {
  const operations = new Map<string, OperationDescription>();
  const actions = new Set<string>();
  for (const [name, op] of Object.entries(definitions)) {
    assertNcName(name, `The operation name in contract '${contract}'`);
    const where = `${contract}.${name}`;
    const params = (op.params ?? []).map(([pname, ptype], i) => {
      assertNcName(pname, `Parameter ${i} of ${where}`);
      assertTypeRef(ptype, `parameter '${pname}' of ${where}`, { part: true });
      return { name: pname, type: ptype };
    });
    // WCF's StreamFormatter: a Stream must be the message's only body part (otherwise
    // InvalidOperationException when the contract loads).
    if (params.length > 1 && params.some((p) => p.type === 'stream')) {
      throw contractError(`${where} has a 'stream' parameter among others. A stream must be the operation's only parameter; put the other values in the stream or in a separate operation.`);
    }
    if (new Set(params.map((p) => p.name)).size !== params.length) {
      throw contractError(`${where} has two parameters with the same name. Parameter names must be unique.`);
    }
    if (op.returns !== undefined) assertTypeRef(op.returns, `the result of ${where}`, { part: true });
    const oneWay = op.oneWay ?? false;
    // WCF rejects one-way operations that return a value or declare faults: no reply can carry them.
    if (oneWay && op.returns !== undefined) throw contractError(`${where} is one-way but returns a value. One-way operations must return void.`);
    if (oneWay && (op.faults?.length ?? 0) > 0) throw contractError(`${where} is one-way but declares fault contracts; one-way operations cannot send faults.`);
    const action = op.action ?? defaultAction(namespace, contract, name);
    if (actions.has(action)) throw contractError(`Two operations of '${contract}' share the action '${action}'. Actions must be unique.`);
    actions.add(action);
    const faults = (op.faults ?? []).map((detailType) => ({
      detailType,
      action: `${defaultAction(namespace, contract, name)}${detailType.name}Fault`,
    }));
    operations.set(name, {
      name,
      action,
      replyAction: op.replyAction ?? `${action}Response`,
      params,
      returns: op.returns,
      oneWay,
      faults,
      namespace,
      contract,
    });
  }
  return operations;
}

function contractError(message: string): SoapError {
  return new SoapError(SoapErrorCodes.INVALID_CONTRACT, message);
}
