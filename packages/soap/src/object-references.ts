// [DataContract(IsReference = true)]: object identity within one serialized value. The writer gives
// the first occurrence of an object `z:Id="iN"` and writes later occurrences as an empty element with
// `z:Ref="iN"` (.NET XmlObjectSerializerWriteContext.cs OnHandleIsReference, ObjectToIdCache.cs);
// the reader maps each id to the object it read and hands back that object for a `z:Ref`
// (XmlObjectSerializerReadContext.cs ReadAttributes / GetExistingObject). Ids are scoped to one
// WriteObject / ReadObject call, i.e. one operation part or fault detail, as in WCF.
import { SoapError, SoapErrorCodes } from './errors.js';
import type { TypeRef } from './types.js';

/** The writer's side: which objects of reference contracts were written, under which id. */
export class ObjectIds {
  readonly #ids = new Map<object, string>();

  /** The id of `obj` and whether this is its first occurrence (which then gets the next id). */
  idOf(obj: object): { readonly id: string; readonly isNew: boolean } {
    const existing = this.#ids.get(obj);
    if (existing !== undefined) return { id: existing, isNew: false };
    // "i" followed by a counter from 1 (XmlObjectSerializerWriteContext.OnHandleIsReference).
    const id = `i${this.#ids.size + 1}`;
    this.#ids.set(obj, id);
    return { id, isNew: true };
  }
}

/** What a `z:Id` stood for: the object read and the type it was read as (a data contract, or a collection contract). */
export interface ReferencedObject {
  readonly value: object;
  readonly type: TypeRef;
}

/**
 * The reader's side: objects by their `z:Id`. It holds at most one entry per element of the
 * message (each id is an attribute of one element, and a duplicate is refused), so its size is
 * bounded by the reader quotas that bound the message (maxReceivedMessageSize, maxDepth).
 */
export class ObjectTable {
  readonly #byId = new Map<string, ReferencedObject>();

  /** Records the object an element with `z:Id` reads as, before its members are read, so a cycle back to it resolves. */
  add(id: string, entry: ReferencedObject, where: string): void {
    if (this.#byId.has(id)) {
      // Mono and .NET: "The same Id value 'i1' is defined more than once."
      throw new SoapError(SoapErrorCodes.DESERIALIZATION_FAILED, `'${where}' defines z:Id '${clip(id)}', which an earlier element already defines. Each z:Id names one object.`);
    }
    this.#byId.set(id, entry);
  }

  /** The object `z:Ref` names; only ids already read count, as in .NET (no forward references). */
  get(id: string, where: string): ReferencedObject {
    const found = this.#byId.get(id);
    if (found === undefined) {
      // Mono and .NET: "Deserialized object with reference id 'i1' not found in stream."
      throw new SoapError(SoapErrorCodes.DESERIALIZATION_FAILED, `'${where}' refers to z:Ref '${clip(id)}', which no earlier element defines with z:Id.`);
    }
    return found;
  }
}

function clip(id: string): string {
  return id.length > 64 ? `${id.slice(0, 64)}…` : id;
}
