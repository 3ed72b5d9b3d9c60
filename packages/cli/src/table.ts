/** One column of a text table. */
export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | undefined;
  /** Right-align (numbers). */
  right?: boolean;
}

/**
 * Renders rows as an aligned text table with an upper-case header row. Undefined cells show as
 * '-'. The last column is not padded, so lines carry no trailing spaces.
 */
export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  const cells = rows.map((row) => columns.map((c) => {
    const v = c.value(row);
    return v === undefined || v === '' ? '-' : String(v);
  }));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => {
        const last = i === values.length - 1;
        if (columns[i]!.right) return v.padStart(widths[i]!);
        return last ? v : v.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join('\n');
}

/** "3d 4h", "1h 02m", "5m 07s", "42s". */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${two(m)}m`;
  if (m > 0) return `${m}m ${two(sec)}s`;
  return `${sec}s`;
}
