// Plain-text tables for the root console: padded columns, a bold header, cells made safe for
// the terminal and cut at a sane width so one long value cannot wreck the layout.
import type { ChalkInstance } from 'chalk';
import { sanitizeForTerminal } from './sanitize.js';

const MAX_CELL = 80;

function cell(text: string): string {
  const safe = sanitizeForTerminal(text);
  const chars = [...safe];
  return chars.length > MAX_CELL ? chars.slice(0, MAX_CELL - 1).join('') + '…' : safe;
}

function width(text: string): number {
  return [...text].length;
}

/** Columns padded to their widest cell, separated by two spaces; the header in bold. */
export function renderTable(columns: readonly string[], rows: readonly (readonly string[])[], chalk: ChalkInstance): string {
  const header = columns.map(cell);
  const body = rows.map((row) => columns.map((_, i) => cell(row[i] ?? '')));
  const widths = header.map((h, i) => Math.max(width(h), ...body.map((row) => width(row[i] ?? ''))));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - width(c))))
      .join('  ')
      .trimEnd();
  return [chalk.bold(line(header)), ...body.map(line)].join('\n');
}
