// The root console in the page: what was typed, the server's answers (tables stay tables, with
// Kick / Ban / Unban / Revoke on their rows), notices and joins; a box to type any root command,
// and buttons for the common ones. Everything runs as a root command on the server.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { VNode } from 'preact';
import type { ConsoleEntry } from '../../../admin-protocol.js';
import type { Confirmation } from './action-dialogs.js';
import { useStickToBottom } from './live-log.js';
import { Table } from './table.js';

const QUICK: [string, string][] = [
  ['list-conn', 'Sessions'],
  ['bans', 'Bans'],
  ['stats', 'Statistics'],
  ['requests', 'Requests'],
  ['packages', 'Packages'],
  ['rooms', 'Rooms'],
  ['help', 'Help'],
];

/** The buttons a result's row gets, from what the table is (list-conn, bans, packages). */
function rowActions(entry: ConsoleEntry & { kind: 'result' }, ask: (confirm: Confirmation) => void): ((row: string[]) => VNode | null) | undefined {
  const columns = entry.columns ?? [];
  const at = (name: string): number => columns.indexOf(name);
  const [name, role, address, kind, target, id, revoked] = ['name', 'role', 'address', 'kind', 'target', 'id', 'revoked'].map(at) as [number, number, number, number, number, number, number];
  if (name >= 0 && role >= 0) {
    return (row) => {
      const who = row[name];
      if (row[role] !== 'user' || !who) return null;
      const from = address >= 0 ? row[address] : undefined;
      return html`<button type="button" aria-label=${`Kick ${who}`} onClick=${() => ask({ kind: 'kick', name: who })}>Kick</button>
        <button type="button" aria-label=${`Ban ${who}`} onClick=${() => ask({ kind: 'ban', name: who, ...(from ? { address: from } : {}) })}>Ban…</button>`;
    };
  }
  if (kind >= 0 && target >= 0 && entry.title === 'Bans') {
    return (row) => {
      const banned = row[target];
      return banned ? html`<button type="button" aria-label=${`Unban ${banned}`} onClick=${() => ask({ kind: 'unban', target: banned })}>Unban</button>` : null;
    };
  }
  if (id >= 0 && revoked >= 0) {
    return (row) => {
      const packageId = row[id];
      return packageId && row[revoked] === '' ? html`<button type="button" aria-label=${`Revoke ${packageId}`} onClick=${() => ask({ kind: 'revoke', packageId })}>Revoke</button>` : null;
    };
  }
  return undefined;
}

function Entry({ entry, ask }: { entry: ConsoleEntry; ask: (confirm: Confirmation) => void }): VNode {
  const time = html`<time datetime=${entry.time}>${new Date(entry.time).toLocaleTimeString()}</time>`;
  if (entry.kind === 'command') return html`<li class="typed">${time} <span class="prompt" aria-hidden="true">root></span> <span class="text">${entry.text}</span></li>`;
  if (entry.kind === 'info') return html`<li class=${`info tone-${entry.tone}`}>${time} <span class="text">${entry.text}</span></li>`;
  return html`<li class="result">
    <div>${time} <strong>${entry.title}</strong></div>
    ${entry.lines.map((line) => html`<div class="text">${line}</div>`)}
    ${entry.columns && entry.rows ? html`<${Table} caption=${entry.title} columns=${entry.columns} rows=${entry.rows} actions=${rowActions(entry, ask)} empty="(none)" />` : null}
  </li>`;
}

export function Console({ entries, enabled, run, ask }: { entries: ConsoleEntry[]; enabled: boolean; run: (line: string) => boolean; ask: (confirm: Confirmation) => void }): VNode {
  const [line, setLine] = useState('');
  const ref = useStickToBottom(entries.length);
  const submit = (event: Event): void => {
    event.preventDefault();
    if (line.trim() === '') return;
    if (run(line)) setLine('');
  };
  return html`<section class="card wide console" aria-labelledby="console-title">
    <h2 id="console-title">Console</h2>
    <div class="quick" role="group" aria-label="Show">
      ${QUICK.map(([command, label]) => html`<button type="button" disabled=${!enabled} onClick=${() => run(command)}>${label}</button>`)}
    </div>
    <ol class="entries console-log" role="log" aria-label="Console" tabindex="0" ref=${ref}>
      ${entries.map((entry) => html`<${Entry} key=${entry.key} entry=${entry} ask=${ask} />`)}
    </ol>
    <form class="composer" onSubmit=${submit}>
      <label for="console-command" class="visually-hidden">Command</label>
      <input id="console-command" type="text" autocomplete="off" spellcheck="false" maxlength="4000" placeholder="A root command, e.g. list-conn or ban -u name 2h" value=${line} disabled=${!enabled} onInput=${(e: Event) => setLine((e.currentTarget as HTMLInputElement).value)} />
      <button type="submit" disabled=${!enabled}>Run</button>
    </form>
  </section>`;
}
