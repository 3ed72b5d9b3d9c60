import { visit, type JSONPath } from 'jsonc-parser';
import { ServiceError, ServiceErrorCodes } from './errors.js';

/** `reservations[0].uri` from ['reservations', 0, 'uri']: the way configuration keys are named. */
export function keyName(path: JSONPath): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out === '' ? '(root)' : out;
}

/**
 * Parses a configuration file's text as strict JSON, refusing a key that appears twice in one
 * object. JSON.parse keeps the last of two equal keys without a word (RFC 8259 §4 leaves it to
 * the parser), so `{"maxPendingConnections": 10, …, "maxPendingConnections": 100000}` would
 * silently undo the first line. JSON.parse stays the judge of what is JSON (its messages and its
 * strictness: no comments, no trailing commas); jsonc-parser's visitor, which sees every property
 * with its unescaped name and its path, finds the duplicates ("\u0061" and "a" are one key).
 */
export function parseConfigJson(text: string, file: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ServiceError(ServiceErrorCodes.BadConfig, `The configuration file ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const open: Set<string>[] = [];
  let duplicate: { key: string; line: number } | undefined;
  visit(text, {
    onObjectBegin: () => void open.push(new Set()),
    onObjectEnd: () => void open.pop(),
    onObjectProperty: (property, _offset, _length, startLine, _startCharacter, pathSupplier) => {
      const keys = open[open.length - 1];
      if (keys === undefined || duplicate !== undefined) return;
      if (keys.has(property)) duplicate = { key: keyName([...pathSupplier(), property]), line: startLine + 1 };
      keys.add(property);
    },
  });
  if (duplicate) {
    throw new ServiceError(
      ServiceErrorCodes.BadConfig,
      `Invalid configuration in ${file}: '${duplicate.key}' appears more than once (again on line ${duplicate.line}); JSON would keep only the last. Keep one.`,
    );
  }
  return parsed;
}
