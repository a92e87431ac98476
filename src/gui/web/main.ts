// The browser app's entry: one link to the Party Pool program, one state, one tree.
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useReducer } from 'preact/hooks';
import type { VNode } from 'preact';
import type { BridgeEvent, PageMessage } from '../protocol.js';
import { connectBridge } from './socket.js';
import { initialState, reduce, unlinked, type PageState, type UploadRow } from './store.js';
import { Uploader } from './uploader.js';
import { LoginForm } from './components/login.js';
import { Chat } from './components/chat.js';

type Action =
  | { kind: 'event'; event: BridgeEvent }
  | { kind: 'unlinked' }
  | { kind: 'patch'; patch: Partial<PageState> }
  | { kind: 'upload-added'; row: UploadRow }
  | { kind: 'upload-refused'; upload: number; message: string };

function update(state: PageState, action: Action): PageState {
  if (action.kind === 'event') return reduce(state, action.event);
  if (action.kind === 'unlinked') return unlinked(state);
  // Finished rows go; the last few refusals stay in view.
  if (action.kind === 'upload-added') return { ...state, uploads: [...state.uploads.filter((row) => row.state !== 'done' && row.state !== 'sending').slice(-5), action.row] };
  if (action.kind === 'upload-refused') return { ...state, uploads: state.uploads.map((row) => (row.upload === action.upload ? { ...row, state: 'refused', message: action.message } : row)) };
  return { ...state, ...action.patch };
}

let notificationsAsked = false;

/** Ask once, from a click (browsers want a user gesture), whether mentions may notify. */
function askForNotifications(): void {
  if (notificationsAsked || !('Notification' in window) || Notification.permission !== 'default') return;
  notificationsAsked = true;
  void Notification.requestPermission().catch(() => undefined);
}

function notify(event: Extract<BridgeEvent, { type: 'notify' }>, shown: string | undefined): void {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  if (!document.hidden && event.room === shown) return;
  // The body is plain text by the Notification API's definition.
  const title = event.direct ? `${event.from} (direct message)` : `${event.from} in ${event.room}`;
  new Notification(title, { body: event.text, tag: `party-pool-${event.room}` });
}

/** Where the page looks: '@name' for a conversation, else the room. */
function shownPlace(state: PageState | undefined): string | undefined {
  const chat = state?.chat;
  if (!chat) return undefined;
  return chat.direct !== null ? `@${chat.direct}` : chat.current;
}

function App(): VNode {
  const [state, dispatch] = useReducer(update, initialState);
  latestState = state;
  const bridge = useBridge(dispatch);
  const send = (message: PageMessage): boolean => bridge.send(message);

  useEffect(() => {
    const place = shownPlace(state);
    document.title = place !== undefined && state.phase === 'chat' ? `${place.startsWith('@') ? place.slice(1) : place} · Party Pool` : 'Party Pool';
  }, [state.chat?.current, state.chat?.direct, state.phase]);

  const lost = !state.linked && state.goodbye === null ? html`<div class="banner" role="alert">The Party Pool program is not answering. If you closed it, start it again; this page reconnects by itself while it is running.</div>` : null;

  if (state.goodbye !== null) {
    return html`<main class="ended"><h1>Party Pool</h1><p role="status">${state.goodbye}</p></main>`;
  }
  if (state.phase === 'ended') {
    return html`<main class="ended">
      ${lost}
      <h1>Party Pool</h1>
      <p role="alert">${state.ended?.message ?? 'The chat ended.'}</p>
      <div class="row">
        <button type="button" class="primary" onClick=${() => send({ type: 'restart' })}>Log in again</button>
        <button type="button" onClick=${() => send({ type: 'leave' })}>Leave</button>
      </div>
    </main>`;
  }
  if (state.phase === 'chat' && state.chat) {
    return html`${lost}<${Chat}
        state=${state}
        chat=${state.chat}
        send=${send}
        clearAccountForm=${() => dispatch({ kind: 'patch', patch: { accountForm: null } })}
        clearRoomList=${() => dispatch({ kind: 'patch', patch: { roomList: null } })}
        startOlder=${(room: string) => {
          if (send({ type: 'older', room })) dispatch({ kind: 'patch', patch: { loadingOlder: new Set([...state.loadingOlder, room]) } });
        }}
        upload=${(files: File[], place: string) => {
          for (const file of files) bridge.uploader.add(file, place);
        }}
        closeSafety=${() => dispatch({ kind: 'patch', patch: { safety: null } })}
      />`;
  }
  return html`${lost}<${LoginForm} login=${state.login} phase=${state.phase} send=${send} onJoin=${askForNotifications} />`;
}

/** The one link to the program, made once per page. */
let link: ReturnType<typeof connectBridge> | undefined;

let uploader: Uploader | undefined;

function useBridge(dispatch: (action: Action) => void): { send: (message: PageMessage) => boolean; uploader: Uploader } {
  if (!link) {
    link = connectBridge(
      (event) => {
        if (event.type === 'notify') notify(event, shownPlace(latestState));
        if (event.type === 'goodbye') link?.stop();
        dispatch({ kind: 'event', event });
        if (event.type === 'upload') uploader?.event(event);
      },
      () => dispatch({ kind: 'unlinked' }),
    );
  }
  const current = link;
  uploader ??= new Uploader(
    { send: (message) => current.send(message), sendBinary: (data) => current.sendBinary(data) },
    (row) => dispatch({ kind: 'upload-added', row }),
    (upload, message) => dispatch({ kind: 'upload-refused', upload, message }),
  );
  return { send: (message) => link?.send(message) ?? false, uploader };
}

/** The state as last rendered (the notification check reads it outside the tree). */
let latestState: PageState | undefined;

const root = document.getElementById('app');
if (root) {
  // The "Loading…" placeholder from index.html goes; the app draws everything.
  root.textContent = '';
  render(html`<${App} />`, root);
}
