// A room's messages: role "log" (screen readers announce new lines politely). Scrolling to
// the top, or the "Load older messages" button, asks for older history; the view stays put
// while older lines are added above. Every piece of user text is a text node, never markup.
import { html } from 'htm/preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { VNode } from 'preact';
import { formatSize } from '../../../common/sizes.js';
import type { Entry } from '../../protocol.js';

interface LogProps {
  room: string;
  /** The log's accessible name ("Messages in #lobby", "Messages with bob"). */
  label: string;
  /** A shared file's Download button. */
  download: (file: number) => void;
  entries: Entry[];
  more: boolean;
  loading: boolean;
  loadOlder: () => void;
}

const NAME_COLOURS = 8;

/** A stable colour class per name, so people are easy to tell apart. */
function colourOf(name: string): string {
  let hash = 0;
  for (const char of name.toLowerCase()) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return `c${hash % NAME_COLOURS}`;
}

function clock(iso: string | undefined): VNode | null {
  if (iso === undefined) return null;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  return html`<time datetime=${date.toISOString()}>${date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</time>`;
}

function EntryRow({ entry, download, direct }: { entry: Entry; download: (file: number) => void; direct: boolean }): VNode {
  switch (entry.kind) {
    case 'chat':
      return html`<li class=${`msg${entry.mine ? ' mine' : ''}${entry.mention ? ' mention' : ''}`}>
        ${clock(entry.time)} <span class=${`from ${colourOf(entry.from)}`}>${entry.from}</span><span class="visually-hidden">:</span> <span class="text">${entry.text}</span>
      </li>`;
    case 'queued':
      return html`<li class="msg queued"><span class="text">${entry.text}</span> <span class="state">(waiting to send)</span></li>`;
    case 'info':
      return html`<li class=${`info tone-${entry.tone}`}>${clock(entry.time)} <span class="text">${entry.text}</span></li>`;
    case 'file':
      return html`<li class=${`msg file${entry.mine ? ' mine' : ''}`}>
        ${clock(entry.time)} <span class=${`from ${colourOf(entry.from)}`}>${entry.from}</span><span class="visually-hidden">:</span>
        <span class="file-label">${direct ? 'sent a file:' : 'shared a file:'}</span> <span class="text file-name">${entry.name}</span> <span class="meta">(${formatSize(entry.size)})</span>
        <button type="button" class="quiet" title=${`Save ${entry.name} in your Downloads folder`} onClick=${() => download(entry.id)}>Download</button>
      </li>`;
  }
}

export function MessageLog({ room, label, entries, more, loading, loadOlder, download }: LogProps): VNode {
  const box = useRef<HTMLDivElement>(null);
  const before = useRef({ room: '', firstKey: '', height: 0, atBottom: true });

  // After each render: keep the reader's place when lines were added above; follow new lines
  // at the bottom only when the reader was already there.
  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    const last = before.current;
    const firstKey = entries[0]?.key ?? '';
    if (last.room !== room) element.scrollTop = element.scrollHeight;
    else if (firstKey !== last.firstKey && last.height > 0) element.scrollTop += element.scrollHeight - last.height;
    else if (last.atBottom) element.scrollTop = element.scrollHeight;
    before.current = { room, firstKey, height: element.scrollHeight, atBottom: true };
  }, [room, entries]);

  const onScroll = (): void => {
    const element = box.current;
    if (!element) return;
    before.current.atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
    before.current.height = element.scrollHeight;
    if (element.scrollTop < 48 && more && !loading) loadOlder();
  };

  return html`
    <div class="log" ref=${box} role="log" aria-label=${label} aria-live="polite" tabindex="0" onScroll=${onScroll}>
      <div class="log-top">
        ${more
          ? html`<button type="button" class="quiet" onClick=${loadOlder} disabled=${loading}>${loading ? 'Loading older messages…' : 'Load older messages'}</button>`
          : html`<p class="start">Start of ${room.startsWith('@') ? `your messages with ${room.slice(1)} on this device` : room}</p>`}
      </div>
      <ol class="entries">
        ${entries.map((entry) => html`<${EntryRow} key=${entry.key} entry=${entry} download=${download} direct=${room.startsWith('@')} />`)}
      </ol>
    </div>
  `;
}
