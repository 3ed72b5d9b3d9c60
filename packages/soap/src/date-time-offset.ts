import { defineDataContract } from './data-contract.js';

/**
 * System.DateTimeOffset as DataContractSerializer writes it: a data contract in the System
 * namespace with the UTC instant and the offset in minutes (DateTimeOffsetAdapter in .NET's
 * System.Runtime.Serialization). In TypeScript: `{ DateTime, OffsetMinutes }`, `DateTime` being the
 * UTC instant (a NetDateTime of kind Utc) and `OffsetMinutes` the local offset (-840..840).
 *
 * ```ts
 * defineContract({ …, operations: { When: { returns: DateTimeOffset } } });
 * ```
 */
export const DateTimeOffset = defineDataContract({
  name: 'DateTimeOffset',
  namespace: 'http://schemas.datacontract.org/2004/07/System',
  members: { DateTime: 'dateTime', OffsetMinutes: 'short' },
});
