// Modal dialogs on the native <dialog> element: it traps focus, Escape closes it, and the
// browser returns focus to where it was.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ComponentChildren, VNode } from 'preact';
import type { PageMessage, RoomListRow, SafetyNumberView } from '../../protocol.js';

/** A modal dialog with a title and a Close button (the admin pages' confirmations use it too). */
export function Dialog({ title, id, onClose, children }: { title: string; id: string; onClose: () => void; children: ComponentChildren }): VNode {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return html`
    <dialog ref=${ref} aria-labelledby=${`${id}-title`} onClose=${onClose}>
      <div class="dialog-head">
        <h2 id=${`${id}-title`}>${title}</h2>
        <button type="button" class="quiet" onClick=${onClose}>Close</button>
      </div>
      ${children}
    </dialog>
  `;
}

const value = (event: Event): string => (event.currentTarget as HTMLInputElement).value;

export function RoomsDialog({ rooms, send, onClose }: { rooms: RoomListRow[] | null; send: (message: PageMessage) => boolean; onClose: () => void }): VNode {
  const [target, setTarget] = useState('');
  const [room, setRoom] = useState('#');
  const [inviteOnly, setInviteOnly] = useState(false);
  const join = (event: Event): void => {
    event.preventDefault();
    if (target.trim() === '') return;
    send({ type: 'join', target: target.trim() });
    onClose();
  };
  const create = (event: Event): void => {
    event.preventDefault();
    const name = room.trim().startsWith('#') ? room.trim() : `#${room.trim()}`;
    if (!/^#[A-Za-z0-9_-]{1,32}$/.test(name)) return;
    send({ type: 'create', room: name, inviteOnly });
    onClose();
  };
  const open = (rooms ?? []).filter((row) => !row.joined && !row.private);
  return html`
    <${Dialog} title="Join or create a room" id="rooms-dialog" onClose=${onClose}>
      <section aria-labelledby="public-rooms">
        <h3 id="public-rooms">Public rooms</h3>
        ${rooms === null
          ? html`<p role="status">Loading…</p>`
          : open.length === 0
            ? html`<p>No public rooms you are not in yet.</p>`
            : html`<ul class="room-list">
                ${open.map(
                  (row) => html`<li key=${row.name}>
                    <span class="room-name">${row.name}</span> <span class="meta">${row.members} member${row.members === 1 ? '' : 's'}, ${row.online} online</span>
                    <button type="button" onClick=${() => (send({ type: 'join', target: row.name }), onClose())} aria-label=${`Join ${row.name}`}>Join</button>
                  </li>`,
                )}
              </ul>`}
      </section>
      <form onSubmit=${join} class="stack">
        <label for="join-target">Room or invite code</label>
        <input id="join-target" type="text" autocomplete="off" spellcheck="false" maxlength="256" value=${target} onInput=${(e: Event) => setTarget(value(e))} />
        <button type="submit">Join room</button>
      </form>
      <form onSubmit=${create} class="stack">
        <label for="create-name">New room name</label>
        <input id="create-name" type="text" autocomplete="off" spellcheck="false" maxlength="33" pattern="#?[A-Za-z0-9_-]{1,32}" aria-describedby="create-hint" value=${room} onInput=${(e: Event) => setRoom(value(e))} />
        <p id="create-hint" class="hint">Letters, digits, "-" and "_", up to 32. Creating a room needs a registered name.</p>
        <label class="check"><input type="checkbox" checked=${inviteOnly} onChange=${(e: Event) => setInviteOnly((e.currentTarget as HTMLInputElement).checked)} /> Invite-only (people join with a code you give them)</label>
        <button type="submit">Create room</button>
      </form>
    <//>
  `;
}

export function AccountDialog({ action, me, send, onClose }: { action: 'register' | 'password'; me: string; send: (message: PageMessage) => boolean; onClose: () => void }): VNode {
  const [old, setOld] = useState('');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [problem, setProblem] = useState('');
  const submit = (event: Event): void => {
    event.preventDefault();
    if (password.length < 8) return setProblem('A password is at least 8 characters.');
    if (password !== again) return setProblem('The two passwords differ.');
    send(action === 'register' ? { type: 'account', action, password } : { type: 'account', action, old, password });
    onClose();
  };
  return html`
    <${Dialog} title=${action === 'register' ? `Register ${me}` : 'Change your password'} id="account-dialog" onClose=${onClose}>
      <form onSubmit=${submit} class="stack">
        ${action === 'password'
          ? html`<label for="account-old">Current password</label>
              <input id="account-old" type="password" autocomplete="current-password" value=${old} onInput=${(e: Event) => setOld(value(e))} />`
          : html`<p>With a password, nobody else can use the name ${me}, and you can create rooms.</p>`}
        <label for="account-new">${action === 'register' ? 'New password' : 'New password'}</label>
        <input id="account-new" type="password" autocomplete="new-password" value=${password} onInput=${(e: Event) => setPassword(value(e))} />
        <label for="account-again">New password again</label>
        <input id="account-again" type="password" autocomplete="new-password" value=${again} onInput=${(e: Event) => setAgain(value(e))} />
        <p role="alert" class="error">${problem}</p>
        <button type="submit" class="primary">${action === 'register' ? 'Register' : 'Change password'}</button>
      </form>
    <//>
  `;
}

/** The safety number with someone: compare it with them (in person, by phone), then Confirm (`/verify name confirm`). */
export function SafetyDialog({ safety, send, onClose }: { safety: SafetyNumberView; send: (message: PageMessage) => boolean; onClose: () => void }): VNode {
  return html`
    <${Dialog} title=${`Safety number with ${safety.name}`} id="safety" onClose=${onClose}>
      <p class="safety-number" aria-label="Safety number">${safety.number.split(' ').map((group, i) => html`<span key=${i}>${group}</span> `)}</p>
      <p>
        Compare these 60 digits with ${safety.name}, in person or on a call you trust. If they match on both sides, nobody is
        reading along: confirm it. If they differ, do not confirm.
      </p>
      <p role="status">${safety.verified ? `${safety.name} is verified on this device.` : `${safety.name} is not verified yet.`}</p>
      <div class="row">
        ${safety.verified
          ? null
          : html`<button type="button" class="primary" onClick=${() => send({ type: 'verify', name: safety.name, confirm: true })}>Confirm</button>`}
        <button type="button" onClick=${onClose}>${safety.verified ? 'Done' : 'Not now'}</button>
      </div>
    <//>
  `;
}
