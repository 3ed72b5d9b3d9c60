/**
 * Enum data contracts: a CLR enum as DataContractSerializer writes it — the member's name as text
 * (or its [EnumMember] Value), a [Flags] enum as the names of its set members, space-separated
 * (EnumDataContract.cs in .NET's System.Runtime.Serialization: WriteEnumValue / ReadEnumValue).
 *
 * @module
 */

import { assertNcName } from './data-contract.js';
import { SoapError, SoapErrorCodes } from './errors.js';
import type { EnumMember, EnumType } from './types.js';

/** What `defineEnum` takes. */
export interface EnumDefinition<M extends string, F extends boolean> {
  /** The contract name (the enum's name, or its [DataContract] Name). */
  readonly name: string;
  /** The contract namespace (for an enum without [DataContract]: http://schemas.datacontract.org/2004/07/<CLR namespace>). */
  readonly namespace: string;
  /** The members: names in declaration order (numbered 0, 1, …), or names with their numbers. */
  readonly members: readonly M[] | Readonly<Record<M, number>>;
  /** [Flags]: values combine members; the TypeScript value is the number. */
  readonly flags?: F;
  /** [EnumMember(Value = "…")]: the text written for a member, when it differs from its name. */
  readonly wireNames?: Partial<Record<M, string>>;
}

/**
 * Declares an enum.
 *
 * ```ts
 * const Color = defineEnum({ name: 'Color', namespace: NS, members: ['Red', 'Green', 'Blue'] });
 * // ValueOf<typeof Color> is 'Red' | 'Green' | 'Blue'
 * const Access = defineEnum({ name: 'Access', namespace: NS, members: { None: 0, Read: 1, Write: 2 }, flags: true });
 * // ValueOf<typeof Access> is a number: Read | Write = 3, written "Read Write"
 * ```
 */
export function defineEnum<const M extends string, const F extends boolean = false>(def: EnumDefinition<M, F>): EnumType<M, F> {
  assertNcName(def.name, 'The enum name');
  const entries: [string, number][] = Array.isArray(def.members)
    ? (def.members as readonly string[]).map((name, i) => [name, i])
    : Object.entries(def.members as Record<string, number>);
  if (entries.length === 0) throw invalid(`Enum '${def.name}' has no members. Give at least one.`);
  const members: EnumMember[] = [];
  const wire = new Set<string>();
  for (const [name, value] of entries) {
    assertNcName(name, `The member name of enum '${def.name}'`);
    if (!Number.isSafeInteger(value)) throw invalid(`Member '${name}' of enum '${def.name}' has the value ${String(value)}; give an integer.`);
    const wireName = def.wireNames?.[name as M] ?? name;
    if (wire.has(wireName)) throw invalid(`Enum '${def.name}' writes two members as '${wireName}'. Each member needs its own name.`);
    wire.add(wireName);
    members.push({ name, value, wireName });
  }
  return {
    kind: 'enum',
    name: def.name,
    namespace: def.namespace,
    members,
    flags: (def.flags ?? false) as F,
    memberNames: members.map((m) => m.name as M),
  };
}

/** The text of an enum value. */
export function enumText(type: EnumType, value: unknown, where: string): string {
  if (!type.flags) {
    const member = type.members.find((m) => m.name === value);
    if (member === undefined) {
      throw new SoapError(SoapErrorCodes.INVALID_VALUE, `'${where}' is ${JSON.stringify(value)}, which is not a member of enum '${type.name}' (${type.members.map((m) => m.name).join(', ')}).`);
    }
    return member.wireName;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new SoapError(SoapErrorCodes.INVALID_VALUE, `'${where}' must be a number (a combination of the [Flags] enum '${type.name}'), got ${typeof value}.`);
  }
  // As EnumDataContract.WriteEnumValue: the largest members first, each taken once; a remainder
  // no member covers cannot be written.
  const zero = type.members.find((m) => m.value === 0);
  if (value === 0) {
    if (zero === undefined) return '';
    return zero.wireName;
  }
  let rest = BigInt(value);
  const names: string[] = [];
  for (const m of [...type.members].filter((x) => x.value !== 0).sort((a, b) => b.value - a.value)) {
    const bits = BigInt(m.value);
    if ((rest & bits) === bits) {
      names.unshift(m.wireName);
      rest &= ~bits;
    }
  }
  if (rest !== 0n) {
    throw new SoapError(SoapErrorCodes.INVALID_VALUE, `'${where}' = ${value} has bits no member of the [Flags] enum '${type.name}' stands for.`);
  }
  return names.join(' ');
}

/** The value of an enum's text. */
export function enumValue(type: EnumType, text: string, where: string): string | number {
  const byWire = (w: string): EnumMember => {
    const m = type.members.find((x) => x.wireName === w);
    if (m === undefined) {
      throw new SoapError(SoapErrorCodes.DESERIALIZATION_FAILED, `'${where}' holds '${w.slice(0, 64)}', which is not a member of enum '${type.name}'.`);
    }
    return m;
  };
  if (!type.flags) return byWire(text.trim()).name;
  // BigInt: `|` on numbers is 32-bit, and members may use any safe integer.
  let value = 0n;
  for (const w of text.split(/\s+/).filter(Boolean)) value |= BigInt(byWire(w).value);
  return Number(value);
}

function invalid(message: string): SoapError {
  return new SoapError(SoapErrorCodes.INVALID_CONTRACT, message);
}
