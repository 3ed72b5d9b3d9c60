import { SoapError, SoapErrorCodes } from './errors.js';

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `s` is a GUID in the 36-character `D` form. */
export function isGuid(s: string): boolean {
  return GUID_RE.test(s);
}

/** Normalises a `D`-form GUID to lowercase, as .NET's Guid.ToString() writes it; throws if it is not one. */
export function normalizeGuid(s: string): string {
  const t = s.trim();
  if (!GUID_RE.test(t)) {
    throw new SoapError(
      SoapErrorCodes.INVALID_VALUE,
      `'${s.slice(0, 64)}' is not a GUID. Pass a GUID like 6cfa4773-a265-4275-87ea-4ae505d01e3e.`,
    );
  }
  return t.toLowerCase();
}

/**
 * The 16 bytes of a GUID in .NET's Guid.ToByteArray() order: Data1 little-endian 32-bit, Data2 and
 * Data3 little-endian 16-bit, Data4 as is ([MC-NBFX] 2.2.3.22 UniqueIdText).
 */
export function guidToBytes(guid: string): Buffer {
  const hex = normalizeGuid(guid).replace(/-/g, '');
  const b = Buffer.from(hex, 'hex');
  const out = Buffer.allocUnsafe(16);
  out[0] = b[3] as number;
  out[1] = b[2] as number;
  out[2] = b[1] as number;
  out[3] = b[0] as number;
  out[4] = b[5] as number;
  out[5] = b[4] as number;
  out[6] = b[7] as number;
  out[7] = b[6] as number;
  b.copy(out, 8, 8, 16);
  return out;
}

/** Inverse of guidToBytes: 16 bytes → lowercase `D` form. */
export function bytesToGuid(bytes: Uint8Array): string {
  const h = (i: number): string => (bytes[i] as number).toString(16).padStart(2, '0');
  return (
    h(3) + h(2) + h(1) + h(0) + '-' + h(5) + h(4) + '-' + h(7) + h(6) + '-' + h(8) + h(9) + '-' +
    h(10) + h(11) + h(12) + h(13) + h(14) + h(15)
  );
}
