// The admin page's entry: the server's dashboard or the root console, one link to the Party
// Pool program on this computer (never to the chat server), one state, one tree.
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useReducer, useState } from 'preact/hooks';
import type { VNode } from 'preact';
import type { AdminEvent, AdminMessage } from '../../admin-protocol.js';
import { connectBridge, type BridgeSocket } from '../socket.js';
import { ConfirmAction, type ActionRequest, type Confirmation } from './components/action-dialogs.js';
import { Console } from './components/console.js';
import { LiveLog } from './components/live-log.js';
import { RootLogin } from './components/login.js';
import { BansPanel, PackagesPanel, RequestsPanel, RoomsPanel, SessionsPanel, StatsPanel, StatusPanel } from './components/panels.js';
import { initialState, reduce, unlinked, type AdminState } from './store.js';

type Action = { kind: 'event'; event: AdminEvent } | { kind: 'unlinked' };

function update(state: AdminState, action: Action): AdminState {
  return action.kind === 'event' ? reduce(state, action.event) : unlinked(state);
}

/** The one link to the program, made once per page. */
let link: BridgeSocket<AdminMessage> | undefined;
let nextActionId = 1;

function Header({ state, ask, send }: { state: AdminState; ask: (c: Confirmation) => void; send: (m: AdminMessage) => boolean }): VNode {
  const dashboard = state.mode === 'dashboard';
  const ready = state.phase === 'ready';
  const lockdownOn = state.snapshot?.lockdown.on;
  return html`<header class="top">
    <h1>${dashboard ? 'Party Pool dashboard' : 'Party Pool root console'}</h1>
    <p class="me">${state.me ? html`Logged in as <strong>${state.me}</strong>` : dashboard ? 'Not logged in as root' : ''}</p>
    <div class="actions" role="group" aria-label="Server actions">
      <button type="button" disabled=${!ready} onClick=${() => ask({ kind: 'notice' })}>Send a notice…</button>
      ${state.snapshot?.shutdown
        ? html`<button type="button" disabled=${!ready} onClick=${() => ask({ kind: 'cancel-shutdown' })}>Cancel shutdown…</button>`
        : html`<button type="button" disabled=${!ready} onClick=${() => ask({ kind: 'shutdown' })}>Shut down…</button>`}
      ${dashboard
        ? html`<button type="button" disabled=${!ready} onClick=${() => ask({ kind: 'lockdown', on: lockdownOn !== true })}>${lockdownOn ? 'Lockdown off…' : 'Lockdown on…'}</button>`
        : html`<button type="button" disabled=${!ready} onClick=${() => ask({ kind: 'lockdown', on: true })}>Lockdown on…</button>
            <button type="button" disabled=${!ready} onClick=${() => ask({ kind: 'lockdown', on: false })}>Lockdown off…</button>
            <button type="button" onClick=${() => send({ type: 'leave' })}>Leave</button>`}
    </div>
  </header>`;
}

function App(): VNode {
  const [state, dispatch] = useReducer(update, initialState);
  const [confirm, setConfirm] = useState<Confirmation | null>(null);
  if (!link) {
    link = connectBridge<AdminEvent, AdminMessage>(
      (event) => {
        if (event.type === 'goodbye') link?.stop();
        dispatch({ kind: 'event', event });
      },
      () => dispatch({ kind: 'unlinked' }),
    );
  }
  const send = (message: AdminMessage): boolean => link?.send(message) ?? false;
  const act = (action: ActionRequest): void => {
    send({ ...action, type: 'action', id: nextActionId++ });
  };
  const run = (line: string): boolean => send({ type: 'command', line });

  useEffect(() => {
    document.title = state.mode === 'dashboard' ? 'Dashboard · Party Pool' : 'Root console · Party Pool';
  }, [state.mode]);

  if (state.goodbye !== null) return html`<main class="ended"><h1>Party Pool</h1><p role="status">${state.goodbye}</p></main>`;
  if (!state.ready) return html`<main class="login"><h1>Party Pool</h1><p role="status">Connecting to the program…</p></main>`;

  const lost = !state.linked ? html`<div class="banner" role="alert">The Party Pool program is not answering. If you closed it, start it again; this page reconnects by itself while it is running.</div>` : null;
  if (state.mode === 'console' && (state.phase === 'login' || state.phase === 'connecting')) {
    return html`${lost}<${RootLogin} login=${state.login} phase=${state.phase} send=${send} />`;
  }
  if (state.mode === 'console' && state.phase === 'ended') {
    return html`<main class="ended">
      ${lost}
      <h1>Party Pool root console</h1>
      <p role="alert">${state.ended?.message ?? 'The root session ended.'}</p>
      <div class="row">
        <button type="button" class="primary" onClick=${() => send({ type: 'restart' })}>Log in again</button>
        <button type="button" onClick=${() => send({ type: 'leave' })}>Leave</button>
      </div>
    </main>`;
  }
  const down = state.phase !== 'ready' || !state.connection.up;
  const why = state.connection.message ?? (state.phase === 'connecting' ? 'Logging in as root…' : state.ended?.message);
  const snapshot = state.snapshot;
  const outcome = state.outcome;
  return html`<div class="admin">
    <a class="skip" href="#console-command">Skip to the console</a>
    <${Header} state=${state} ask=${setConfirm} send=${send} />
    ${lost}
    ${down && why
      ? html`<div class="banner" role="alert">
          ${why}
          ${state.mode === 'dashboard' && state.phase === 'ended' ? html` <button type="button" onClick=${() => send({ type: 'restart' })}>Log in again</button>` : null}
        </div>`
      : null}
    <p class=${`outcome ${outcome ? (outcome.ok ? 'ok' : 'not-ok') : ''}`} role="status">${outcome ? `${outcome.title}: ${outcome.lines.join(' ')}` : ''}</p>
    ${state.problem ? html`<p class="problem" role="alert">${state.problem}</p>` : null}
    <main class="panels">
      ${state.mode === 'dashboard' && state.host
        ? html`<${StatusPanel} host=${state.host} snapshot=${snapshot} />
            <${LiveLog} lines=${state.log} />
            ${snapshot
              ? html`<${SessionsPanel} snapshot=${snapshot} ask=${setConfirm} />
                  <${RoomsPanel} snapshot=${snapshot} />
                  <${StatsPanel} snapshot=${snapshot} />
                  <${BansPanel} snapshot=${snapshot} ask=${setConfirm} />
                  <${RequestsPanel} snapshot=${snapshot} />
                  <${PackagesPanel} snapshot=${snapshot} ask=${setConfirm} />`
              : html`<p role="status">Loading the server's state…</p>`}`
        : null}
      <${Console} entries=${state.console} enabled=${state.phase === 'ready'} run=${run} ask=${setConfirm} />
    </main>
    ${confirm ? html`<${ConfirmAction} confirm=${confirm} act=${act} onClose=${() => setConfirm(null)} />` : null}
  </div>`;
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(html`<${App} />`, root);
}
