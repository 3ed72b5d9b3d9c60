/**
 * What the importer understood from the metadata, before it is written as TypeScript: the same
 * shapes `defineDataContract`, `defineEnum` and `defineContract` take, with types referenced by
 * their XSD names so that the emitter can order and name the declarations.
 *
 * @module
 */

import type { ParamDirection } from '../contract.js';
import type { PrimitiveType } from '../types.js';

/** A type as a contract names it. `named` points at a DataContractModel, EnumModel or CollectionModel by key. */
export type TypeModel =
  | { readonly kind: 'primitive'; readonly name: PrimitiveType }
  | { readonly kind: 'array'; readonly item: TypeModel }
  | { readonly kind: 'nullable'; readonly item: TypeModel }
  | { readonly kind: 'dictionary'; readonly key: TypeModel; readonly value: TypeModel }
  | { readonly kind: 'named'; readonly key: string }
  /** The SDK's exported `DateTimeOffset` data contract (System namespace). */
  | { readonly kind: 'dateTimeOffset' };

export interface MemberModel {
  readonly name: string;
  readonly type: TypeModel;
  /** Set on every member when the schema's sequence is not in name order (DataMember Order). */
  readonly order: number | undefined;
  readonly isRequired: boolean;
  readonly emitDefaultValue: boolean;
}

export interface DataContractModel {
  readonly kind: 'dataContract';
  /** `{namespace}name`. */
  readonly key: string;
  readonly name: string;
  readonly namespace: string;
  /** This class's own members (a derived contract's base members are the base's). */
  readonly members: readonly MemberModel[];
  /** The key of the base data contract (`xs:complexContent/xs:extension base=`). */
  readonly base: string | undefined;
  /** Keys of the contracts that extend this one, its [KnownType]s. */
  readonly knownTypes: readonly string[];
}

/** A [CollectionDataContract] whose names are not the ones `arrayOf` / `dictionaryOf` derive. */
export type CollectionModel =
  | {
      readonly kind: 'collection';
      readonly key: string;
      readonly name: string;
      readonly namespace: string;
      /** Only when it differs from the item type's contract name. */
      readonly itemName: string | undefined;
      readonly item: TypeModel;
    }
  | {
      readonly kind: 'dictionaryCollection';
      readonly key: string;
      readonly name: string;
      readonly namespace: string;
      readonly itemName: string;
      readonly keyName: string;
      readonly valueName: string;
      readonly keyType: TypeModel;
      readonly value: TypeModel;
    };

export interface EnumModel {
  readonly kind: 'enum';
  readonly key: string;
  readonly name: string;
  readonly namespace: string;
  readonly members: readonly { readonly name: string; readonly value: number }[];
  readonly flags: boolean;
}

export type NamedTypeModel = DataContractModel | EnumModel | CollectionModel;

/** One [MessageHeader] or [MessageBodyMember] of a message contract. */
export interface MessagePartModel {
  /** The property name in TypeScript values: the element name, numbered when a header and a body member share it. */
  readonly key: string;
  /** The element name on the wire. */
  readonly name: string;
  /** The element namespace; undefined when it is the service contract's (the default). */
  readonly namespace: string | undefined;
  readonly type: TypeModel;
  /** MessageBodyMember Order, set only where the default order (namespace, then name) would differ from the schema's. */
  readonly order: number | undefined;
}

/** A [MessageContract] (defineMessageContract), from a wsdl:message and the soap:header bindings of its operations. */
export interface MessageContractModel {
  readonly kind: 'messageContract';
  /** `{namespace of the wsdl:message}name` and the service contract namespace it is bound to. */
  readonly key: string;
  /** The wsdl:message name: MessageContractExporter.cs names a typed message after its class. */
  readonly name: string;
  /** Only when it differs from `name`. */
  readonly wrapperName: string | undefined;
  /** The wrapper namespace, only when it differs from the service contract's. */
  readonly wrapperNamespace: string | undefined;
  readonly wrapped: boolean;
  readonly headers: readonly MessagePartModel[];
  readonly body: readonly MessagePartModel[];
}

/** A parameter's or result's type: a type, or a message contract by key. */
export type PartTypeModel = TypeModel | { readonly kind: 'messageContract'; readonly key: string };

export interface ParamModel {
  readonly name: string;
  readonly type: PartTypeModel;
  readonly direction: ParamDirection;
}

export interface OperationModel {
  readonly name: string;
  readonly params: readonly ParamModel[];
  readonly returns: PartTypeModel | undefined;
  readonly oneWay: boolean;
  /** Only when it differs from `{ns}/{Contract}/{Op}`. */
  readonly action: string | undefined;
  /** Only when it differs from the action + `Response`. */
  readonly replyAction: string | undefined;
  /** The wsdl:fault names, written as a comment (typed fault details are not imported). */
  readonly faults: readonly string[];
}

export interface ContractModel {
  readonly name: string;
  readonly namespace: string;
  readonly operations: readonly OperationModel[];
}

export interface ImportModel {
  /** Declarations in dependency order: each type after the types it uses. */
  readonly types: readonly NamedTypeModel[];
  /** The message contracts the operations use, in the order first used. */
  readonly messageContracts: readonly MessageContractModel[];
  readonly contracts: readonly ContractModel[];
}
