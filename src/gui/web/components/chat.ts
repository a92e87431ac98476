// The chat: rooms and direct conversations (with unread counts) on the left, the room's or
// conversation's log and the message box in the middle, who is online on the right, "Leave" at
// the top, and a banner while reconnecting. Files: the "Send a file" button, or dropped on the
// middle; their progress above the message box; a shared file's "Download" button in the log.
import { html } from 'htm/preact';
import { useRef, useState } from 'preact/hooks';
import type { VNode } from 'preact';
import type { ChatView, PageMessage, PersonView, RoomView, TransferRow } from '../../protocol.js';
import { connectionText, type UploadRow } from '../store.js';
import { AccountDialog, RoomsDialog, SafetyDialog } from './dialogs.js';
import { MessageLog } from './message-log.js';
import type { PageState } from '../store.js';

interface ChatProps {
  state: PageState;
  chat: ChatView;
  send: (message: PageMessage) => boolean;
  clearAccountForm: () => void;
  clearRoomList: () => void;
  startOlder: (room: string) => void;
  /** Share files in the room or conversation shown ('#room' or '@name'). */
  upload: (files: File[], place: string) => void;
  closeSafety: () => void;
}

function Badge({ unread, extra }: { unread: number; extra?: string }): VNode | null {
  if (unread <= 0) return null;
  return html`<span class="badge" aria-hidden="true">${unread > 99 ? '99+' : unread}</span><span class="visually-hidden">, ${unread} unread${extra ?? ''}</span>`;
}

function PersonButton({ person, current, onPick }: { person: PersonView; current: boolean; onPick: () => void }): VNode {
  return html`
    <li>
      <button type="button" class=${`room person${current ? ' current' : ''}${person.keyWarning ? ' warned' : ''}`} aria-current=${current ? 'true' : undefined} onClick=${onPick}>
        <span class="room-name">${person.name}</span>${person.online ? html`<span class="tag"><span class="visually-hidden">, </span>online</span>` : null}${person.blocked ? html`<span class="tag"><span class="visually-hidden">, </span>blocked</span>` : null}${person.keyWarning ? html`<span class="tag warn"><span class="visually-hidden">, </span>keys changed</span>` : null}
        <${Badge} unread=${person.unread} />
      </button>
    </li>
  `;
}

function DirectHeader({ person, send }: { person: PersonView; send: (message: PageMessage) => boolean }): VNode {
  return html`
    <div class="room-head">
      <h2>${person.name}</h2>
      <span class="meta">direct messages, end-to-end encrypted${person.blocked ? ' — blocked' : ''}</span>
      <div class="actions">
        <button type="button" class="quiet" onClick=${() => send({ type: 'verify', name: person.name, confirm: false })}>Safety number</button>
        <button type="button" class="quiet" onClick=${() => send({ type: 'block', name: person.name, block: !person.blocked })}>${person.blocked ? 'Unblock' : 'Block'}</button>
      </div>
      ${person.keyWarning
        ? html`<div class="key-warning" role="alert">
            <strong>Keys changed. </strong>${person.keyWarning}
            <button type="button" onClick=${() => send({ type: 'verify', name: person.name, confirm: false })}>Compare the safety number</button>
          </div>`
        : null}
    </div>
  `;
}

function percent(done: number, size: number): number {
  return size <= 0 ? 100 : Math.min(100, Math.floor((done / size) * 100));
}

/** Files on their way: the page's copies to the program, then the program's transfers. */
function Transfers({ uploads, transfers }: { uploads: UploadRow[]; transfers: TransferRow[] }): VNode | null {
  const copying = uploads.filter((row) => row.state === 'starting' || row.state === 'receiving' || row.state === 'refused');
  if (copying.length === 0 && transfers.length === 0) return null;
  return html`
    <ul class="transfers" aria-label="File transfers">
      ${copying.map((row) =>
        row.state === 'refused'
          ? html`<li key=${`u${row.upload}`} class="refused" role="alert">${row.name}: ${row.message ?? 'not sent.'}</li>`
          : html`<li key=${`u${row.upload}`}>
              <label>Preparing ${row.name} <progress max=${row.size || 1} value=${row.size === 0 ? 1 : row.received}></progress> ${percent(row.received, row.size)}%</label>
            </li>`,
      )}
      ${transfers.map(
        (row) => html`<li key=${`t${row.key}`}>
          <label
            >${row.direction === 'upload' ? 'Uploading' : 'Downloading'} ${row.name}
            <progress max=${row.size || 1} value=${row.size === 0 ? 1 : row.done}></progress>
            ${row.phase === 'done' ? 'done' : row.phase === 'failed' ? 'failed' : row.phase === 'paused' ? 'paused' : row.phase === 'queued' ? 'waiting' : `${percent(row.done, row.size)}%`}</label
          >
        </li>`,
      )}
    </ul>
  `;
}

function RoomButton({ room, current, onPick }: { room: RoomView; current: boolean; onPick: () => void }): VNode {
  return html`
    <li>
      <button type="button" class=${`room${current ? ' current' : ''}${room.mentioned ? ' mentioned' : ''}`} aria-current=${current ? 'true' : undefined} onClick=${onPick}>
        <span class="room-name">${room.name}</span>${room.private ? html`<span class="tag"><span class="visually-hidden">, </span>invite-only</span>` : null}
        ${room.unread > 0
          ? html`<span class="badge" aria-hidden="true">${room.unread > 99 ? '99+' : room.unread}</span><span class="visually-hidden">, ${room.unread} unread${room.mentioned ? ', you were mentioned' : ''}</span>`
          : null}
      </button>
    </li>
  `;
}

function RoomHeader({ room, send }: { room: RoomView; send: (message: PageMessage) => boolean }): VNode {
  const lobby = room.name.toLowerCase() === '#lobby';
  return html`
    <div class="room-head">
      <h2>${room.name}</h2>
      <span class="meta">${lobby ? 'everyone' : room.private ? 'invite-only' : 'public'}${room.owner ? `, owner ${room.owner}` : ''}</span>
      <div class="actions">
        ${room.private ? html`<button type="button" class="quiet" onClick=${() => send({ type: 'invite', room: room.name })}>Show invite code</button>` : null}
        ${lobby ? null : html`<button type="button" class="quiet" onClick=${() => send({ type: 'leave-room', room: room.name })}>Leave room</button>`}
      </div>
    </div>
  `;
}

function Composer({ room, problem, send, upload }: { room: string; problem: string | null; send: (message: PageMessage) => boolean; upload: (files: File[]) => void }): VNode {
  const [text, setText] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const submit = (event: Event): void => {
    event.preventDefault();
    if (text.trim() === '') return;
    const message: PageMessage = room.startsWith('@') ? { type: 'direct-send', to: room.slice(1), text } : { type: 'send', room, text };
    if (send(message)) setText('');
    input.current?.focus();
  };
  const picked = (event: Event): void => {
    const element = event.currentTarget as HTMLInputElement;
    upload([...(element.files ?? [])]);
    element.value = '';
  };
  return html`
    <form class="composer" onSubmit=${submit}>
      <label for="message" class="visually-hidden">Message</label>
      <input id="message" ref=${input} type="text" autocomplete="off" maxlength="4000" placeholder=${room.startsWith('@') ? `Message ${room.slice(1)} (end-to-end encrypted)` : `Message ${room} — /help lists commands`} value=${text} onInput=${(e: Event) => setText((e.currentTarget as HTMLInputElement).value)} />
      <input ref=${picker} type="file" multiple class="visually-hidden" tabindex="-1" aria-hidden="true" onChange=${picked} />
      <button type="button" onClick=${() => picker.current?.click()}>Send a file</button>
      <button type="submit">Send</button>
      <p role="alert" class="problem">${problem ?? ''}</p>
    </form>
  `;
}

export function Chat({ state, chat, send, clearAccountForm, clearRoomList, startOlder, upload, closeSafety }: ChatProps): VNode {
  const [roomsOpen, setRoomsOpen] = useState(false);
  const [dragging, setDragging] = useState(false);
  const room = chat.rooms.find((r) => r.name === chat.current) ?? chat.rooms[0] ?? { name: chat.current, private: false, unread: 0, mentioned: false, more: false };
  const direct = chat.direct;
  const person = direct === null ? undefined : (chat.people?.find((p) => p.name.toLowerCase() === direct.toLowerCase()) ?? { name: direct, unread: 0, online: false, blocked: false });
  const place = person ? `@${person.name}` : room.name;
  const dropped = (event: DragEvent): void => {
    event.preventDefault();
    setDragging(false);
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length > 0) upload(files, place);
  };
  const dragOver = (event: DragEvent): void => {
    if (![...(event.dataTransfer?.types ?? [])].includes('Files')) return;
    event.preventDefault();
    setDragging(true);
  };
  const openRooms = (): void => {
    clearRoomList();
    send({ type: 'list-rooms' });
    setRoomsOpen(true);
  };
  return html`
    <div class="chat">
      <a class="skip" href="#message">Skip to the message box</a>
      <header class="top">
        <h1>Party Pool</h1>
        <p class="me">You are <strong>${chat.me}</strong>${chat.registered ? '' : ' (guest: /register protects your name)'}</p>
        <button type="button" class="leave" onClick=${() => send({ type: 'leave' })}>Leave</button>
      </header>
      ${chat.connection.up ? null : html`<div class="banner" role="alert">${connectionText(chat.connection)}</div>`}
      <nav class="rooms" aria-labelledby="rooms-title">
        <h2 id="rooms-title">Rooms</h2>
        <ul>
          ${chat.rooms.map((r) => html`<${RoomButton} key=${r.name} room=${r} current=${r.name === chat.current} onPick=${() => send({ type: 'view', room: r.name })} />`)}
        </ul>
        <button type="button" onClick=${openRooms}>Join or create a room</button>
        ${chat.people === null
          ? null
          : html`<h2 id="people-title">Direct messages</h2>
              ${chat.people.length === 0
                ? html`<p class="meta">None yet: pick someone under Online.</p>`
                : html`<ul aria-labelledby="people-title">
                    ${chat.people.map((p) => html`<${PersonButton} key=${p.name} person=${p} current=${person?.name === p.name} onPick=${() => send({ type: 'open-direct', name: p.name })} />`)}
                  </ul>`}`}
      </nav>
      <main class=${`room${dragging ? ' dropping' : ''}`} onDragOver=${dragOver} onDragLeave=${() => setDragging(false)} onDrop=${dropped}>
        ${person ? html`<${DirectHeader} person=${person} send=${send} />` : html`<${RoomHeader} room=${room} send=${send} />`}
        <${MessageLog}
          room=${place}
          label=${person ? `Messages with ${person.name}` : `Messages in ${room.name}`}
          entries=${chat.logs[place] ?? []}
          more=${person ? state.directMore.has(place) : room.more}
          loading=${state.loadingOlder.has(place)}
          loadOlder=${() => (person ? send({ type: 'direct-older', name: person.name }) : startOlder(room.name))}
          download=${(file: number) => send({ type: 'download', file })}
        />
        <${Transfers} uploads=${state.uploads} transfers=${chat.transfers} />
        ${dragging ? html`<p class="drop-hint" aria-hidden="true">Drop to share in ${person ? person.name : room.name}</p>` : null}
        <${Composer} room=${place} problem=${state.problem} send=${send} upload=${(files: File[]) => upload(files, place)} />
      </main>
      <aside class="online" aria-labelledby="online-title">
        <h2 id="online-title">Online (${chat.online.length})</h2>
        <ul>
          ${chat.online.map((name) =>
            html`<li key=${name}>
              ${name === chat.me || chat.people === null
                ? html`${name}${name === chat.me ? html`<span class="meta"> (you)</span>` : null}`
                : html`<button type="button" class="link" aria-label=${`Message ${name}`} title=${`Direct message to ${name}`} onClick=${() => send({ type: 'open-direct', name })}>${name}</button>`}
            </li>`,
          )}
        </ul>
      </aside>
      ${state.safety ? html`<${SafetyDialog} safety=${state.safety} send=${send} onClose=${closeSafety} />` : null}
      ${roomsOpen ? html`<${RoomsDialog} rooms=${state.roomList} send=${send} onClose=${() => setRoomsOpen(false)} />` : null}
      ${state.accountForm ? html`<${AccountDialog} action=${state.accountForm} me=${chat.me} send=${send} onClose=${clearAccountForm} />` : null}
    </div>
  `;
}
