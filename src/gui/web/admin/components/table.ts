// A data table with a caption (its accessible name) and, per row, optional action buttons.
// Every cell is text.
import { html } from 'htm/preact';
import type { VNode } from 'preact';

export interface TableProps {
  caption: string;
  columns: string[];
  rows: string[][];
  /** Buttons for one row (Kick, Ban, Unban, Revoke), or null. */
  actions?: ((row: string[], index: number) => VNode | null) | undefined;
  empty?: string;
  /** Shown under the table, e.g. "500 of 812 shown". */
  note?: string | undefined;
}

export function Table({ caption, columns, rows, actions, empty, note }: TableProps): VNode {
  if (rows.length === 0) return html`<p class="meta">${empty ?? 'Nothing here.'}</p>`;
  return html`<div class="table-wrap">
    <table>
      <caption class="visually-hidden">${caption}</caption>
      <thead>
        <tr>
          ${columns.map((column) => html`<th scope="col">${column}</th>`)}
          ${actions ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : null}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (row, index) => html`<tr>
            ${row.map((cell) => html`<td>${cell}</td>`)}
            ${actions ? html`<td class="actions">${actions(row, index)}</td>` : null}
          </tr>`,
        )}
      </tbody>
    </table>
    ${note ? html`<p class="meta">${note}</p>` : null}
  </div>`;
}
