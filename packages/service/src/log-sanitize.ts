/**
 * Making strings that a remote client or a local peer chose safe to put in a log line: a via, a
 * content type, a decoder's error text. JSON already escapes quotes, backslashes and C0 controls,
 * so a line cannot be split or forged inside the JSON; what is left is what a person sees when
 * reading the log in a terminal or an editor, and its size:
 *
 * - C1 controls (U+0080-U+009F; U+009B is a terminal's CSI), DEL, U+2028/U+2029 (line breaks to
 *   JavaScript and many editors, left raw by JSON.stringify since ES2019), the bidirectional
 *   overrides and isolates (U+202A-U+202E, U+2066-U+2069: "Trojan Source", CVE-2021-42574),
 *   invisible format characters and lone surrogates are written as visible escapes, `\xNN` or
 *   `\uNNNN`. A backslash is doubled so that an escape in the output always means an escaped
 *   character, never one the client typed.
 * - Invalid UTF-8 never reaches here as such: the framing decoder reads the via as UTF-8
 *   (Buffer#toString), which turns each invalid sequence into U+FFFD; bytes given as a Buffer are
 *   decoded the same way.
 * - The result keeps at most `maxBytes` UTF-8 bytes of the (escaped) text, cut on a character
 *   boundary, then says how long the original was: `…[cut, 2048 bytes in all]`.
 */

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\\\ud800-\udfff]/;

function isEscaped(cp: number): boolean {
  return (
    cp <= 0x1f ||
    (cp >= 0x7f && cp <= 0x9f) ||
    cp === 0xad ||
    cp === 0x61c ||
    cp === 0x180e ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x2028 && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x206f) ||
    cp === 0xfeff ||
    (cp >= 0xfff9 && cp <= 0xfffb) ||
    (cp >= 0xd800 && cp <= 0xdfff) // a lone surrogate: a pair is one code point above 0xFFFF
  );
}

function utf8Length(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

function escapeCodePoint(cp: number): string {
  return cp < 0x100 ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
}

/**
 * `text` made safe for a log line and cut to `maxBytes` UTF-8 bytes. `totalBytes` is the size of
 * the original when `text` is already a prefix of it (a Buffer decoded in part).
 */
export function sanitizeText(text: string, maxBytes: number, totalBytes?: number): string {
  if (totalBytes === undefined && text.length <= maxBytes && !NEEDS_ESCAPE.test(text)) {
    // Fast path: short and clean. UTF-8 is at least one byte per UTF-16 unit, so check the bytes.
    if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  }
  let out = '';
  let bytes = 0;
  let cut = false;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0x5c) {
      if (bytes + 2 > maxBytes) {
        cut = true;
        break;
      }
      out += '\\\\';
      bytes += 2;
      continue;
    }
    const piece = isEscaped(cp) ? escapeCodePoint(cp) : ch;
    const n = piece === ch ? utf8Length(cp) : piece.length;
    if (bytes + n > maxBytes) {
      cut = true;
      break;
    }
    out += piece;
    bytes += n;
  }
  const total = totalBytes ?? Buffer.byteLength(text, 'utf8');
  if (cut || (totalBytes !== undefined && totalBytes > Buffer.byteLength(text, 'utf8'))) out += `…[cut, ${total} bytes in all]`;
  return out;
}

/**
 * One log field's value made safe: strings and bytes as above; numbers, booleans, null and
 * undefined as they are; an Error as its type, code and message; anything else as its JSON text,
 * sanitised the same way.
 */
export function sanitizeValue(value: unknown, maxBytes: number): unknown {
  switch (typeof value) {
    case 'string':
      return sanitizeText(value, maxBytes);
    case 'number':
    case 'boolean':
    case 'undefined':
      return value;
    case 'bigint':
      return value.toString();
    case 'symbol':
    case 'function':
      return sanitizeText(String(value), maxBytes);
  }
  if (value === null) return null;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const head = buf.toString('utf8', 0, Math.min(buf.length, maxBytes + 4));
    return sanitizeText(head, maxBytes, buf.length);
  }
  if (value instanceof Error) {
    const code = (value as NodeJS.ErrnoException).code;
    return {
      type: sanitizeText(value.name, maxBytes),
      message: sanitizeText(value.message, maxBytes),
      ...(code !== undefined ? { code: sanitizeText(String(code), maxBytes) } : {}),
    };
  }
  let json: string;
  try {
    json = JSON.stringify(value) ?? String(value);
  } catch {
    json = Object.prototype.toString.call(value);
  }
  return sanitizeText(json, maxBytes);
}

/** Every field of a log record made safe (keys are the caller's own names and are kept). */
export function sanitizeFields(fields: Record<string, unknown>, maxBytes: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = sanitizeValue(value, maxBytes);
  return out;
}
