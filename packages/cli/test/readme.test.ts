// The README's tables are the user's reference for codes and exit codes: keep them in step with
// the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ControlErrorCodes } from '@portshare/control';
import { ExitCode, ServiceErrorCodes } from '@portshare/service';
import { CliErrorCodes, COMMANDS, exitCodeOf } from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The rows of the first table after `## <heading>`, as arrays of trimmed cells. */
function table(heading: string): string[][] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  expect(start, `README section "${heading}"`).toBeGreaterThan(-1);
  const rest = readme.slice(start + heading.length + 5);
  const end = rest.search(/\n## /);
  const rows = (end === -1 ? rest : rest.slice(0, end))
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim().replace(/^`|`$/g, '')));
  return rows.slice(2); // header and separator
}

describe('README', () => {
  it('the Errors table lists exactly the CLI codes, and each row gives the exit code the CLI uses', () => {
    const rows = table('Errors');
    const cliRows = rows.filter((r) => r[0]!.startsWith('CLI_ERR_'));
    expect(cliRows.map((r) => r[0]).sort()).toEqual(Object.values(CliErrorCodes).sort());
    const known = new Set<string>([...Object.values(CliErrorCodes), ...Object.values(ControlErrorCodes), ...Object.values(ServiceErrorCodes)]);
    for (const [code, exit] of rows) {
      expect(known.has(code!), `${code} is a real code`).toBe(true);
      expect(Number(exit), `exit code of ${code}`).toBe(exitCodeOf(code!));
    }
  });

  it('the exit-code table lists every ExitCode', () => {
    const rows = table('Exit codes');
    expect(rows.map((r) => Number(r[0])).sort((a, b) => a - b)).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
  });

  it('documents every command with an example', () => {
    for (const id of Object.keys(COMMANDS)) {
      const name = id.replace(':', ' ');
      expect(readme, name).toContain(`### \`portshare ${name}`);
      expect(readme, name).toMatch(new RegExp(`\\$ portshare ${name}\\b`));
    }
  });
});
