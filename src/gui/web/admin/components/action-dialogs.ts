// The confirmations in front of every root action. Each says what will happen, in words, and
// its confirm button names the action; Escape or Close does nothing. The page sends the
// action only from here.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { VNode } from 'preact';
import type { AdminAction } from '../../../admin-protocol.js';
import { Dialog } from '../../components/dialogs.js';

/** Distributive Omit: each action without the id the page adds when it sends. */
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type ActionRequest = Without<AdminAction, 'type' | 'id'>;

/** What a button asked to confirm. */
export type Confirmation =
  | { kind: 'kick'; name: string }
  | { kind: 'ban'; name?: string; address?: string }
  | { kind: 'unban'; target: string }
  | { kind: 'notice' }
  | { kind: 'shutdown' }
  | { kind: 'cancel-shutdown' }
  | { kind: 'lockdown'; on: boolean }
  | { kind: 'revoke'; packageId: string };

interface Props {
  confirm: Confirmation;
  act: (action: ActionRequest) => void;
  onClose: () => void;
}

const value = (event: Event): string => (event.currentTarget as HTMLInputElement).value;

function Simple({ title, id, text, label, onConfirm, onClose, danger }: { title: string; id: string; text: string; label: string; onConfirm: () => void; onClose: () => void; danger?: boolean }): VNode {
  return html`<${Dialog} title=${title} id=${id} onClose=${onClose}>
    <p>${text}</p>
    <div class="row">
      <button type="button" class=${danger ? 'danger' : 'primary'} onClick=${() => (onConfirm(), onClose())}>${label}</button>
      <button type="button" onClick=${onClose}>Cancel</button>
    </div>
  <//>`;
}

const DURATIONS: [string, string][] = [
  ['10m', '10 minutes'],
  ['1h', '1 hour'],
  ['1d', '1 day'],
  ['7d', '1 week'],
  ['permanent', 'Permanently'],
];

function BanDialog({ name, address, act, onClose }: { name?: string | undefined; address?: string | undefined; act: Props['act']; onClose: () => void }): VNode {
  const [kind, setKind] = useState<'name' | 'address'>(name !== undefined ? 'name' : 'address');
  const [target, setTarget] = useState(name ?? address ?? '');
  const [length, setLength] = useState('1h');
  const submit = (event: Event): void => {
    event.preventDefault();
    if (target.trim() === '') return;
    act({ action: 'ban', kind, target: target.trim(), duration: length });
    onClose();
  };
  const fixed = name !== undefined || address !== undefined;
  return html`<${Dialog} title=${fixed ? `Ban ${name ?? address ?? ''}` : 'Ban'} id="ban-dialog" onClose=${onClose}>
    <form class="stack" onSubmit=${submit}>
      <fieldset class="choices">
        <legend>What to ban</legend>
        ${name !== undefined || !fixed
          ? html`<label class="check"><input type="radio" name="ban-kind" checked=${kind === 'name'} onChange=${() => (setKind('name'), setTarget(name ?? ''))} /> The name${name !== undefined ? ` ${name}` : ''} (in any letter case)</label>`
          : null}
        ${address !== undefined || !fixed
          ? html`<label class="check"><input type="radio" name="ban-kind" checked=${kind === 'address'} onChange=${() => (setKind('address'), setTarget(address ?? ''))} /> The address${address !== undefined ? ` ${address}` : ' (an IP or a CIDR range)'}</label>`
          : null}
      </fieldset>
      ${fixed
        ? null
        : html`<label for="ban-target">${kind === 'name' ? 'Name' : 'Address or range'}</label>
            <input id="ban-target" type="text" autocomplete="off" spellcheck="false" maxlength="64" value=${target} onInput=${(e: Event) => setTarget(value(e))} />`}
      <label for="ban-length">For how long</label>
      <select id="ban-length" value=${length} onChange=${(e: Event) => setLength((e.currentTarget as HTMLSelectElement).value)}>
        ${DURATIONS.map(([key, label]) => html`<option value=${key}>${label}</option>`)}
      </select>
      <p class="hint">Whoever matches is disconnected now and refused until the ban ends.</p>
      <div class="row">
        <button type="submit" class="danger">Ban</button>
        <button type="button" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

function NoticeDialog({ act, onClose }: { act: Props['act']; onClose: () => void }): VNode {
  const [text, setText] = useState('');
  const submit = (event: Event): void => {
    event.preventDefault();
    if (text.trim() === '') return;
    act({ action: 'notice', text: text.trim() });
    onClose();
  };
  return html`<${Dialog} title="Send a notice to everyone" id="notice-dialog" onClose=${onClose}>
    <form class="stack" onSubmit=${submit}>
      <label for="notice-text">Notice</label>
      <textarea id="notice-text" rows="3" maxlength="2000" value=${text} onInput=${(e: Event) => setText((e.currentTarget as HTMLTextAreaElement).value)}></textarea>
      <p class="hint">Everyone online sees it as a root notice, marked so that no chat line can imitate it.</p>
      <div class="row">
        <button type="submit" class="primary">Send to everyone</button>
        <button type="button" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

const DELAYS: [number, string][] = [
  [0, 'Now'],
  [30, 'In 30 seconds'],
  [60, 'In 1 minute'],
  [300, 'In 5 minutes'],
  [900, 'In 15 minutes'],
  [3600, 'In 1 hour'],
];

function ShutdownDialog({ act, onClose }: { act: Props['act']; onClose: () => void }): VNode {
  const [seconds, setSeconds] = useState(60);
  const [message, setMessage] = useState('');
  const submit = (event: Event): void => {
    event.preventDefault();
    act({ action: 'shutdown', seconds, ...(message.trim() === '' ? {} : { message: message.trim() }) });
    onClose();
  };
  return html`<${Dialog} title="Shut down the server" id="shutdown-dialog" onClose=${onClose}>
    <form class="stack" onSubmit=${submit}>
      <label for="shutdown-when">When</label>
      <select id="shutdown-when" value=${String(seconds)} onChange=${(e: Event) => setSeconds(Number((e.currentTarget as HTMLSelectElement).value))}>
        ${DELAYS.map(([key, label]) => html`<option value=${String(key)}>${label}</option>`)}
      </select>
      <label for="shutdown-message">Message (optional)</label>
      <input id="shutdown-message" type="text" maxlength="2000" value=${message} onInput=${(e: Event) => setMessage(value(e))} />
      <p class="hint">Everyone sees the countdown; meanwhile nobody new can log in. "Cancel shutdown" stops it. The dashboard closes with the server.</p>
      <div class="row">
        <button type="submit" class="danger">Shut down</button>
        <button type="button" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

/** The dialog for one confirmation. */
export function ConfirmAction({ confirm, act, onClose }: Props): VNode {
  switch (confirm.kind) {
    case 'kick':
      return html`<${Simple} title=${`Kick ${confirm.name}?`} id="kick-dialog" label="Kick" danger=${true} onClose=${onClose}
        text=${`${confirm.name} is disconnected now and told why. They can log in again; "Ban" keeps them out.`}
        onConfirm=${() => act({ action: 'kick', name: confirm.name })} />`;
    case 'ban':
      return html`<${BanDialog} name=${confirm.name} address=${confirm.address} act=${act} onClose=${onClose} />`;
    case 'unban':
      return html`<${Simple} title=${`Lift the ban on ${confirm.target}?`} id="unban-dialog" label="Unban" onClose=${onClose}
        text=${`${confirm.target} may log in again at once.`} onConfirm=${() => act({ action: 'unban', target: confirm.target })} />`;
    case 'notice':
      return html`<${NoticeDialog} act=${act} onClose=${onClose} />`;
    case 'shutdown':
      return html`<${ShutdownDialog} act=${act} onClose=${onClose} />`;
    case 'cancel-shutdown':
      return html`<${Simple} title="Cancel the shutdown?" id="cancel-shutdown-dialog" label="Cancel the shutdown" onClose=${onClose}
        text="The countdown stops and everyone is told." onConfirm=${() => act({ action: 'cancel-shutdown' })} />`;
    case 'lockdown':
      return confirm.on
        ? html`<${Simple} title="Turn lockdown on?" id="lockdown-dialog" label="Turn lockdown on" danger=${true} onClose=${onClose}
            text="From now on only registered names (with their password) and issued, unrevoked packages can log in; everyone else is refused. Who is connected stays connected. Use it when the passkey has leaked."
            onConfirm=${() => act({ action: 'lockdown', on: true })} />`
        : html`<${Simple} title="Turn lockdown off?" id="lockdown-dialog" label="Turn lockdown off" onClose=${onClose}
            text="Anyone with the passkey can log in again." onConfirm=${() => act({ action: 'lockdown', on: false })} />`;
    case 'revoke':
      return html`<${Simple} title=${`Revoke package ${confirm.packageId}?`} id="revoke-dialog" label="Revoke" danger=${true} onClose=${onClose}
        text="Logins with this package are refused from now on, and sessions using it end. The passkey stays the same for everyone else."
        onConfirm=${() => act({ action: 'revoke', packageId: confirm.packageId })} />`;
  }
}
