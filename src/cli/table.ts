// Plain-text tables for the root console: columns padded by display width (string-width: a CJK
// character or an emoji takes two columns, a combining mark none), a bold header, cells made safe
// for the terminal and cut at a sane width so one long value cannot wreck the layout.
import type { ChalkInstance } from 'chalk';
import stringWidth from 'string-width';
import { sanitizeForTerminal } from './sanitize.js';

const MAX_CELL = 80;

/** Columns `text` takes on a terminal. */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/** `text` cut to at most `max` columns (an ellipsis marks the cut), never splitting a character. */
export function truncateToWidth(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  const segments = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].map((s) => s.segment);
  let out = '';
  let width = 0;
  for (const segment of segments) {
    const w = displayWidth(segment);
    if (width + w > max - 1) break;
    out += segment;
    width += w;
  }
  return out + '…';
}

/** `text` padded with spaces to `width` columns. */
export function padToWidth(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

function cell(text: string): string {
  return truncateToWidth(sanitizeForTerminal(text), MAX_CELL);
}

/** Columns padded to their widest cell, separated by two spaces; the header in bold. */
export function renderTable(columns: readonly string[], rows: readonly (readonly string[])[], chalk: ChalkInstance): string {
  const header = columns.map(cell);
  const body = rows.map((row) => columns.map((_, i) => cell(row[i] ?? '')));
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...body.map((row) => displayWidth(row[i] ?? ''))));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : padToWidth(c, widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [chalk.bold(line(header)), ...body.map(line)].join('\n');
}
