// The page's model: what the bridge said, folded into one state object by a pure reducer.
// The bridge is the source of truth; a reloaded page gets everything again in `hello`.
import type { BridgeEvent, ChatView, ConnectionView, Entry, LoginView, Phase, RoomListRow, SafetyNumberView } from '../protocol.js';

/** A file the page is handing to the program (before the program's own transfer row takes over). */
export interface UploadRow {
  upload: number;
  name: string;
  size: number;
  /** Bytes the program has stored. */
  received: number;
  state: 'starting' | 'receiving' | 'sending' | 'done' | 'refused';
  message?: string;
  /** Where it goes: a room or '@name'. */
  place: string;
}

/** Entries a room keeps at its end in the page (the bridge keeps the same number). */
export const MAX_ENTRIES = 2000;

export interface PageState {
  /** The page's own link to the program: down when the program stopped or is restarting. */
  linked: boolean;
  phase: Phase;
  login: LoginView;
  chat: ChatView | null;
  ended: { code: string; message: string } | null;
  /** The program ended (Leave, Ctrl-C): this tab is finished. */
  goodbye: string | null;
  roomList: RoomListRow[] | null;
  accountForm: 'register' | 'password' | null;
  /** The last request the bridge refused, shown near the message box. */
  problem: string | null;
  /** Rooms with a request for older messages in flight. */
  loadingOlder: ReadonlySet<string>;
  /** The safety-number view, while open. */
  safety: SafetyNumberView | null;
  /** Files this page is uploading (newest last). */
  uploads: UploadRow[];
  /** Conversations ('@name') with older messages on this device not shown yet. */
  directMore: ReadonlySet<string>;
}

export const initialState: PageState = {
  linked: false,
  phase: 'login',
  login: { askPasskey: true, name: '', askPassword: false, register: false },
  chat: null,
  ended: null,
  goodbye: null,
  roomList: null,
  accountForm: null,
  problem: null,
  loadingOlder: new Set(),
  safety: null,
  uploads: [],
  directMore: new Set(),
};

function withChat(state: PageState, change: (chat: ChatView) => ChatView): PageState {
  return state.chat ? { ...state, chat: change(state.chat) } : state;
}

function without(set: ReadonlySet<string>, room: string): ReadonlySet<string> {
  if (!set.has(room)) return set;
  const next = new Set(set);
  next.delete(room);
  return next;
}

function appendEntries(existing: Entry[], added: Entry[], at: 'end' | 'start'): Entry[] {
  if (at === 'start') {
    const known = new Set(existing.map((entry) => entry.key));
    return [...added.filter((entry) => !known.has(entry.key)), ...existing];
  }
  const next = [...existing, ...added];
  return next.length > MAX_ENTRIES ? next.slice(next.length - MAX_ENTRIES) : next;
}

/** Fold one bridge event into the state. */
export function reduce(state: PageState, event: BridgeEvent): PageState {
  switch (event.type) {
    case 'hello':
    case 'phase':
      return { ...state, linked: true, phase: event.phase, login: event.login, chat: event.chat, ended: event.ended, problem: null, loadingOlder: new Set() };
    case 'entries': {
      let directMore = state.directMore;
      if (event.room.startsWith('@') && event.more !== undefined) directMore = event.more ? new Set([...directMore, event.room]) : without(directMore, event.room);
      return withChat({ ...state, directMore, loadingOlder: event.at === 'start' ? without(state.loadingOlder, event.room) : state.loadingOlder }, (chat) => ({
        ...chat,
        logs: { ...chat.logs, [event.room]: appendEntries(chat.logs[event.room] ?? [], event.entries, event.at) },
        rooms: event.more === undefined ? chat.rooms : chat.rooms.map((room) => (room.name === event.room ? { ...room, more: event.more ?? room.more } : room)),
      }));
    }
    case 'remove': {
      const gone = new Set(event.keys);
      return withChat(state, (chat) => ({ ...chat, logs: { ...chat.logs, [event.room]: (chat.logs[event.room] ?? []).filter((entry) => !gone.has(entry.key)) } }));
    }
    case 'rooms':
      return withChat(state, (chat) => {
        const logs: Record<string, Entry[]> = {};
        // Conversations' logs ('@name') are kept; rooms no longer joined go.
        for (const [name, entries] of Object.entries(chat.logs)) if (name.startsWith('@')) logs[name] = entries;
        for (const room of event.rooms) logs[room.name] = chat.logs[room.name] ?? [];
        return { ...chat, rooms: event.rooms, current: event.current, logs };
      });
    case 'online':
      return withChat(state, (chat) => ({ ...chat, online: event.users }));
    case 'me':
      return withChat(state, (chat) => ({ ...chat, me: event.name, registered: event.registered }));
    case 'connection':
      return withChat(state, (chat) => ({ ...chat, connection: event.connection }));
    case 'room-list':
      return { ...state, roomList: event.rooms };
    case 'account-form':
      return { ...state, accountForm: event.action };
    case 'problem':
      return { ...state, problem: event.message, loadingOlder: new Set() };
    case 'goodbye':
      return { ...state, goodbye: event.message };
    case 'notify':
      return state;
    case 'people':
      return withChat(state, (chat) => ({ ...chat, people: event.people, direct: event.direct }));
    case 'safety-number':
      // Shown when asked for, and updated in place (Confirm); a number for someone else is not pushed on the reader.
      return state.safety === null || state.safety.name.toLowerCase() === event.safety.name.toLowerCase() ? { ...state, safety: event.safety } : state;
    case 'transfers':
      return withChat(state, (chat) => ({ ...chat, transfers: event.transfers }));
    case 'upload':
      return {
        ...state,
        uploads: state.uploads.map((row) =>
          row.upload === event.upload ? { ...row, state: event.state, received: event.received, ...(event.message === undefined ? {} : { message: event.message }) } : row,
        ),
      };
  }
}

/** The page lost its link to the program (or got it back, before `hello`). */
export function unlinked(state: PageState): PageState {
  return { ...state, linked: false };
}

export function connectionText(connection: ConnectionView): string {
  const seconds = connection.retryInMs === undefined ? '' : ` Trying again in ${Math.max(1, Math.round(connection.retryInMs / 1000))} s.`;
  const queued = connection.queued > 0 ? ` ${connection.queued} line${connection.queued === 1 ? '' : 's'} will be sent once it is back.` : ' What you type now is kept and sent once it is back.';
  return `Reconnecting… ${connection.message ?? 'The connection to the server was lost.'}${seconds}${queued}`;
}
