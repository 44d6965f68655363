/**
 * @module A table as data (title, headers, rows of cells), rendered either as aligned plain text for
 * the terminal or as Markdown for docs/benchmarks.md, so both always show the same numbers.
 */

export interface Table {
  title: string;
  headers: string[];
  /** Columns aligned right (numbers); the others align left. */
  numeric: boolean[];
  rows: string[][];
  notes?: string[];
}

export function renderText(table: Table): string {
  const widths = table.headers.map((h, col) => Math.max(h.length, ...table.rows.map((r) => (r[col] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, col) => (table.numeric[col] ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!)))
      .join('  ')
      .trimEnd();
  const out = [table.title, line(table.headers), widths.map((w) => '─'.repeat(w)).join('  '), ...table.rows.map(line)];
  for (const note of table.notes ?? []) out.push(`  ${note}`);
  return out.join('\n');
}

export function renderMarkdown(table: Table): string {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  const out = [
    `**${table.title}**`,
    '',
    `| ${table.headers.map(escape).join(' | ')} |`,
    `| ${table.numeric.map((n) => (n ? '---:' : ':---')).join(' | ')} |`,
    ...table.rows.map((r) => `| ${r.map(escape).join(' | ')} |`),
  ];
  if (table.notes?.length) out.push('', ...table.notes.map((n) => `_${n}_`));
  return out.join('\n');
}
