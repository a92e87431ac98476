// The chat: rooms (with unread counts) on the left, the room's log and the message box in the
// middle, who is online on the right, "Leave" at the top, and a banner while reconnecting.
//
// Places kept for what comes later (no buttons until the feature works):
// - DIRECT MESSAGES (issue 13): a "People" section in the left <nav> under the rooms, one entry
//   per conversation with its unread count; a conversation opens in <main> like a room, with a
//   "Safety number" view in its header (RoomHeader's actions).
// - FILES (issue 14): the Composer's `extras` slot takes an "Attach a file" button and the
//   drop zone is the whole <main>; file offers and transfers become an Entry kind with progress.
import { html } from 'htm/preact';
import { useRef, useState } from 'preact/hooks';
import type { VNode } from 'preact';
import type { ChatView, PageMessage, RoomView } from '../../protocol.js';
import { connectionText } from '../store.js';
import { AccountDialog, RoomsDialog } from './dialogs.js';
import { MessageLog } from './message-log.js';
import type { PageState } from '../store.js';

interface ChatProps {
  state: PageState;
  chat: ChatView;
  send: (message: PageMessage) => boolean;
  clearAccountForm: () => void;
  clearRoomList: () => void;
  startOlder: (room: string) => void;
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

function Composer({ room, problem, send }: { room: string; problem: string | null; send: (message: PageMessage) => boolean }): VNode {
  const [text, setText] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const submit = (event: Event): void => {
    event.preventDefault();
    if (text.trim() === '') return;
    if (send({ type: 'send', room, text })) setText('');
    input.current?.focus();
  };
  return html`
    <form class="composer" onSubmit=${submit}>
      <label for="message" class="visually-hidden">Message</label>
      <input id="message" ref=${input} type="text" autocomplete="off" maxlength="4000" placeholder=${`Message ${room} — /help lists commands`} value=${text} onInput=${(e: Event) => setText((e.currentTarget as HTMLInputElement).value)} />
      ${/* extras: the file button (issue 14) goes here */ null}
      <button type="submit">Send</button>
      <p role="alert" class="problem">${problem ?? ''}</p>
    </form>
  `;
}

export function Chat({ state, chat, send, clearAccountForm, clearRoomList, startOlder }: ChatProps): VNode {
  const [roomsOpen, setRoomsOpen] = useState(false);
  const room = chat.rooms.find((r) => r.name === chat.current) ?? chat.rooms[0] ?? { name: chat.current, private: false, unread: 0, mentioned: false, more: false };
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
        ${/* direct messages (issue 13): the "People" section goes here */ null}
      </nav>
      <main class="room">
        <${RoomHeader} room=${room} send=${send} />
        <${MessageLog}
          room=${room.name}
          entries=${chat.logs[room.name] ?? []}
          more=${room.more}
          loading=${state.loadingOlder.has(room.name)}
          loadOlder=${() => startOlder(room.name)}
        />
        <${Composer} room=${room.name} problem=${state.problem} send=${send} />
      </main>
      <aside class="online" aria-labelledby="online-title">
        <h2 id="online-title">Online (${chat.online.length})</h2>
        <ul>
          ${chat.online.map((name) => html`<li key=${name}>${name}${name === chat.me ? html`<span class="meta"> (you)</span>` : null}</li>`)}
        </ul>
      </aside>
      ${roomsOpen ? html`<${RoomsDialog} rooms=${state.roomList} send=${send} onClose=${() => setRoomsOpen(false)} />` : null}
      ${state.accountForm ? html`<${AccountDialog} action=${state.accountForm} me=${chat.me} send=${send} onClose=${clearAccountForm} />` : null}
    </div>
  `;
}
